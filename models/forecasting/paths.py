"""Helpers shared by the forecasters and the selector: weekday-aligned blocks, dormant weekdays,
the short-history widening and the checks every set of sample paths must pass."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from models.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

YEAR_DAYS = 365
# The widening reaches this factor as history shrinks towards nothing (see widening_factor).
MAX_WIDENING = 2.0
# A weekday is dormant when its recent mean is at most this share of the recent daily mean.
DORMANT_SHARE = 0.02
DORMANT_LOOKBACK_WEEKS = 13


def weekly_blocks(values: FloatArray, n_weeks: int) -> FloatArray:
    """The last `n_weeks * 7` values of a daily array, shape (n_weeks, 7), oldest week first.

    The day after the last value is forecast day 0; column c holds the history days that fall on
    the same weekday as forecast day c (and so as forecast days c + 7, c + 14, ...).
    """
    if n_weeks < 1 or 7 * n_weeks > values.shape[0]:
        raise InvalidInputError(f"cannot take {n_weeks} weeks from {values.shape[0]} days")
    return values[values.shape[0] - 7 * n_weeks :].reshape(n_weeks, 7)


def tile_weekly(profile: FloatArray, horizon_days: int) -> FloatArray:
    """Repeat a weekday profile of shape (7,) (column c = forecast day c) over `horizon_days`."""
    reps = -(-horizon_days // 7)
    return np.tile(profile, reps)[:horizon_days]


def dormant_weekdays(tokens_per_day: FloatArray) -> tuple[BoolArray, FloatArray]:
    """Weekdays with (almost) no usage in the recent weeks, aligned like `weekly_blocks`.

    Returns `(mask, level)`, both shape (7,): `mask[c]` is True when forecast weekday c averaged
    at most 2 % of the overall daily mean over the last 13 weeks (or all full weeks if fewer), and
    `level[c]` is that weekday's recent mean in tokens per day. Models with additive errors put
    the weekday's noise on these days; replacing them by `level` keeps closed days closed while
    keeping the occasional token in expectation.
    """
    n_weeks = min(DORMANT_LOOKBACK_WEEKS, tokens_per_day.shape[0] // 7)
    block = weekly_blocks(tokens_per_day, n_weeks)
    level = block.mean(axis=0)
    mask = level <= DORMANT_SHARE * float(block.mean())
    return mask, level


def widening_factor(n_history_days: int) -> float:
    """How much to widen path deviations for a history of `n_history_days` days.

    1 from a year of history on; below that, 1 + (365 - n) / 365, so 90 days give 1.75 and
    a month about 1.9, bounded by 2. A year shows the seasonal swing and tests the trend; with
    less, part of the year's variation was never seen, and the fitted noise alone understates it.
    The widening grows linearly with the unseen share of the year, a deliberately simple rule
    that the backtests then check (they apply the same factor at each origin).
    """
    missing = max(0, YEAR_DAYS - n_history_days) / YEAR_DAYS
    return min(MAX_WIDENING, 1.0 + missing)


def widen_for_short_history(paths: FloatArray, n_history_days: int) -> FloatArray:
    """Scale each day's deviations from the path mean by `widening_factor`, clipped at 0.

    `paths` has shape (n_paths, horizon_days) in tokens per day; so does the result. The mean
    path is kept (up to the clipping), days with no spread (closed weekdays) are untouched.
    """
    factor = widening_factor(n_history_days)
    if factor == 1.0:
        return paths
    centre = paths.mean(axis=0, keepdims=True)
    widened: FloatArray = np.maximum(centre + factor * (paths - centre), 0.0)
    return widened


def checked_paths(paths: FloatArray, n_paths: int, horizon_days: int, model: str) -> FloatArray:
    """Return `paths` as float64 of shape (n_paths, horizon_days), clipped at 0.

    Raises InvalidInputError when the shape is wrong or any value is NaN or infinite, so a
    misbehaving model is treated as a failed one instead of leaking NaN into a decision.
    """
    arr = np.asarray(paths, dtype=np.float64)
    if arr.shape != (n_paths, horizon_days):
        raise InvalidInputError(
            f"{model} returned paths of shape {arr.shape}, expected {(n_paths, horizon_days)}"
        )
    if not np.isfinite(arr).all():
        raise InvalidInputError(f"{model} returned non-finite values in its sample paths")
    return np.maximum(arr, 0.0)
