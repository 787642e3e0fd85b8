"""What the history itself says about how far a forecast can be trusted: warnings for short or
constant histories, and the assumed spread of a history that never varied."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from models.forecasting.paths import YEAR_DAYS, FloatArray

SHORT_HISTORY_DAYS = 90
# A history that never varied says nothing about how usage varies; its paths get an assumed
# level uncertainty of this standard deviation (log scale) after a year, growing like a random
# walk, so the interval is visibly an assumption instead of a pretended certainty.
CONSTANT_LEVEL_SD_PER_YEAR = 0.2


def history_warnings(n_days: int) -> list[str]:
    """Plain sentences about a history too short to show the yearly pattern."""
    if n_days < SHORT_HISTORY_DAYS:
        return [
            f"Only {n_days} days of history: the weekly pattern rests on a few weeks and neither "
            "the yearly pattern nor the trend is known, so the uncertainty is much wider; treat "
            "this forecast as a rough guide."
        ]
    if n_days < YEAR_DAYS:
        return [
            f"Only {n_days} days of history; the yearly pattern is not known and the uncertainty "
            "is wider."
        ]
    return []


# A run of days without any use this long is more likely missing data (or two exports of
# different periods in one history) than a holiday.
GAP_WARNING_DAYS = 28


def gap_warnings(start: date, tokens_per_day: FloatArray) -> list[str]:
    """A sentence about the longest run of days without use inside the history, when it is at
    least GAP_WARNING_DAYS long: the models read it as days of no use."""
    used = np.flatnonzero(tokens_per_day > 0)
    if used.size < 2:
        return []
    # the unused days between consecutive used days
    runs = np.diff(used) - 1
    i = int(np.argmax(runs))
    days = int(runs[i])
    if days < GAP_WARNING_DAYS:
        return []
    first = start + timedelta(days=int(used[i]) + 1)
    last = start + timedelta(days=int(used[i + 1]) - 1)
    return [
        f"No usage at all for {days:,} days, {first.isoformat()} to {last.isoformat()}: the "
        "models read these as days of no use. If the data for them are missing (or the history "
        "joins exports of different periods), the forecast is wrong: import the missing days, "
        "or keep each period's usage in an organization of its own."
    ]


def is_constant(tokens_per_day: FloatArray) -> bool:
    """True when every day of the history used the same number of tokens."""
    return bool(tokens_per_day.max() == tokens_per_day.min())


def constant_warning(tokens_per_day: FloatArray) -> str:
    """The sentence that says a constant history's spread is assumed, not measured."""
    return (
        f"Every day of the history used exactly {tokens_per_day[0]:g} tokens, so the data show "
        "no variation to measure; the forecast's spread is an assumption (about "
        f"{CONSTANT_LEVEL_SD_PER_YEAR:.0%} a year in the level), not an estimate."
    )


def widen_constant(paths: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Give each path a persistent level factor: a log-scale random walk with standard deviation
    0.2 after 365 days, centred so each day's mean is kept. `paths` and the result have shape
    (n_paths, horizon_days), tokens per day."""
    n_paths, horizon_days = paths.shape
    daily_sd = CONSTANT_LEVEL_SD_PER_YEAR / np.sqrt(YEAR_DAYS)
    walk = np.cumsum(rng.normal(0.0, daily_sd, (n_paths, horizon_days)), axis=1)
    variance = daily_sd**2 * np.arange(1, horizon_days + 1)
    widened: FloatArray = paths * np.exp(walk - variance / 2.0)
    return widened
