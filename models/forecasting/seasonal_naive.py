"""Seasonal-naive forecaster: each weekday's recent level, with seasonal-random-walk paths.

Reference: Hyndman & Athanasopoulos, Forecasting: Principles and Practice (3rd ed.), 5.2 and 5.5
(the seasonal naive method and bootstrapped prediction paths); Politis & Romano (1992) for the
circular block bootstrap.
"""

from __future__ import annotations

import numpy as np

from models.errors import InsufficientHistoryError
from models.forecasting.paths import FloatArray, tile_weekly, weekly_blocks
from models.series import DailySeries

MIN_HISTORY_DAYS = 14
# The level of a weekday is the median of its last 5 occurrences: a median of 5 ignores up to two
# outlier days (a public holiday, a one-off training day) that would drag a mean, while 5 weeks
# still follow a change of level within about 3 weeks.
LEVEL_WEEKS = 5
# Week-over-week changes are resampled in runs of up to 4 consecutive weeks: within a run they
# telescope as they did in history (noise that comes and goes cancels, a real shift persists).
BLOCK_WEEKS = 4


def simulate_seasonal_random_walk(
    profile: FloatArray,
    week_changes: FloatArray,
    horizon_days: int,
    n_paths: int,
    rng: np.random.Generator,
) -> FloatArray:
    """Sample paths of a seasonal random walk around a weekday profile.

    `profile` has shape (7,) (column c = forecast day c), `week_changes` shape (n_weeks, 7):
    historical changes y[t] - y[t - 7] aligned the same way. Each path draws runs of
    `BLOCK_WEEKS` consecutive historical weeks of changes (circular block bootstrap), flips the
    sign of each run at random (a Rademacher wild bootstrap: no drift, the same dependence and
    spread, and still random with a single week of changes), and accumulates them week after week,
    so a path's level persists and the spread grows like the square root of the weeks ahead.
    Returns tokens per day, shape (n_paths, horizon_days), clipped at 0.
    """
    n_weeks_hist = week_changes.shape[0]
    block = min(BLOCK_WEEKS, n_weeks_hist)
    n_weeks = -(-horizon_days // 7)
    n_blocks = -(-n_weeks // block)
    starts = rng.integers(0, n_weeks_hist, size=(n_paths, n_blocks))
    signs = rng.choice(np.array([-1.0, 1.0]), size=(n_paths, n_blocks))
    rows = (starts[:, :, None] + np.arange(block)) % n_weeks_hist
    steps = week_changes[rows] * signs[:, :, None, None]
    steps = steps.reshape(n_paths, n_blocks * block, 7)[:, :n_weeks]
    paths = profile + np.cumsum(steps, axis=1)
    flat: FloatArray = paths.reshape(n_paths, n_weeks * 7)[:, :horizon_days]
    return np.maximum(flat, 0.0, out=flat)


class SeasonalNaive:
    """Each weekday's recent median level; paths from a bootstrapped seasonal random walk.

    Weekdays that were always 0 have week-over-week changes of 0, so their paths stay at 0.
    Needs at least 14 days of history.
    """

    name: str = "seasonal_naive"

    def __init__(self) -> None:
        self._profile: FloatArray | None = None
        self._week_changes: FloatArray | None = None

    def fit(self, history: DailySeries) -> None:
        y = history.tokens_per_day
        n_days = y.shape[0]
        if n_days < MIN_HISTORY_DAYS:
            raise InsufficientHistoryError(
                f"seasonal_naive needs at least {MIN_HISTORY_DAYS} days of history, got {n_days}"
            )
        level_weeks = min(LEVEL_WEEKS, n_days // 7)
        self._profile = np.median(weekly_blocks(y, level_weeks), axis=0)
        changes = y[7:] - y[:-7]
        self._week_changes = weekly_blocks(changes, changes.shape[0] // 7)

    def predict(self, horizon_days: int) -> FloatArray:
        """Mean tokens per day for the next `horizon_days` days, shape (horizon_days,)."""
        profile, _ = self._fitted()
        return tile_weekly(profile, horizon_days)

    def simulate(self, horizon_days: int, n_paths: int, rng: np.random.Generator) -> FloatArray:
        """Joint sample paths of tokens per day, shape (n_paths, horizon_days), never negative."""
        profile, week_changes = self._fitted()
        return simulate_seasonal_random_walk(profile, week_changes, horizon_days, n_paths, rng)

    def _fitted(self) -> tuple[FloatArray, FloatArray]:
        if self._profile is None or self._week_changes is None:
            raise RuntimeError("seasonal_naive must be fitted before it can forecast")
        return self._profile, self._week_changes
