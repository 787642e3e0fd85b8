"""Cleaning a history before fitting: one-off spikes are capped, a recent level shift is followed.

Both are classic intervention-analysis repairs (Box & Tiao 1975; Chen & Liu 1993, "Joint estimation
of model parameters and outlier effects in time series"): an additive outlier is replaced by a
robust local value, and a level shift is removed from the history before it so the models see the
series at its current level. The rules are deliberately simple and robust; every threshold is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from models.forecasting.paths import FloatArray
from models.series import DailySeries

# A day is a spike when its square root lies more than SPIKE_SDS robust standard deviations
# above the median of the same weekday over +-SPIKE_WEEKS weeks around it. The square root makes
# the noise of counts roughly level-independent; 6 robust sds is one day in hundreds of millions
# under normal noise, so only days that no plausible week explains are touched.
SPIKE_SDS = 6.0
SPIKE_WEEKS = 4
# The robust sd is local (+-13 weeks) so a series whose level grows tenfold is judged by its
# noise at the time, not by its noise on average.
SPIKE_SCALE_DAYS = 91
# Floor on the robust sd (square-root tokens): a constant history has a MAD of 0.
MIN_SPIKE_SD = 1.0
# The level-shift search looks at the last SHIFT_WINDOW_WEEKS whole weeks, for a step whose
# newest segment is SHIFT_MIN_WEEKS..SHIFT_MAX_WEEKS long.
SHIFT_WINDOW_WEEKS = 26
SHIFT_MIN_WEEKS = 4
SHIFT_MAX_WEEKS = 13
# A step is taken when it moves weekly totals by at least this factor (either way) and leaves at
# most SHIFT_MAX_RSS_SHARE of the squared error a straight line leaves (so a steady trend,
# which a line fits as well as a step, is left to the models' trend).
SHIFT_MIN_FACTOR = 1.5
SHIFT_MAX_RSS_SHARE = 0.5


@dataclass(frozen=True)
class LevelShift:
    """A lasting step in usage: from `first_day` on, usage runs at `factor` times its old level."""

    first_day: date
    factor: float
    tokens_per_day_before: float
    tokens_per_day_after: float


@dataclass(frozen=True)
class CleanedHistory:
    """The history the models are fitted on, and what cleaning changed in it."""

    series: DailySeries
    n_spikes: int
    level_shift: LevelShift | None


def clean_history(history: DailySeries) -> CleanedHistory:
    """Cap one-day spikes, then rescale the history before a recent level shift to the new level.

    `history.tokens_per_day` has shape (n_days,); the cleaned series has the same shape and dates.
    Days at or below their weekday's usual level are never changed (a holiday at 0 is real usage).
    """
    capped, n_spikes = cap_spikes(history.tokens_per_day)
    shift_index, factor = find_level_shift(capped)
    if shift_index is None:
        return CleanedHistory(DailySeries(history.start, capped), n_spikes, None)
    adjusted = capped.copy()
    adjusted[:shift_index] *= factor
    after = float(capped[shift_index:].mean())
    shift = LevelShift(
        first_day=history.start + timedelta(days=shift_index),
        factor=factor,
        tokens_per_day_before=after / factor,
        tokens_per_day_after=after,
    )
    return CleanedHistory(DailySeries(history.start, adjusted), n_spikes, shift)


def cap_spikes(tokens_per_day: FloatArray) -> tuple[FloatArray, int]:
    """Cap each spike at the top of its weekday's plausible range; returns (capped, n_capped).

    Reference level of day t: the median of the same weekday within +-4 weeks (fewer at the
    edges). Robust sd: 1.4826 x the median absolute deviation of sqrt(y) from the square root of
    the reference over the +-91 days around t, at least 1. Day t is capped at (sqrt(ref) + 6 sd)^2
    when it exceeds it. Shape (n_days,) in and out.
    """
    y = tokens_per_day
    reference = _same_weekday_median(y, SPIKE_WEEKS)
    root_ref = np.sqrt(reference)
    deviation = np.abs(np.sqrt(y) - root_ref)
    sd = np.maximum(MIN_SPIKE_SD, 1.4826 * _centred_median(deviation, SPIKE_SCALE_DAYS))
    ceiling = (root_ref + SPIKE_SDS * sd) ** 2
    spikes = y > ceiling
    return np.where(spikes, ceiling, y), int(spikes.sum())


def _centred_median(values: FloatArray, half_width: int) -> FloatArray:
    padded = np.pad(values, half_width, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half_width + 1)
    median: FloatArray = np.nanmedian(windows, axis=1)
    return median


def _same_weekday_median(y: FloatArray, weeks: int) -> FloatArray:
    n = y.shape[0]
    padded = np.full(n + 14 * weeks, np.nan)
    padded[7 * weeks : 7 * weeks + n] = y
    offsets = 7 * np.arange(-weeks, weeks + 1)
    windows = padded[7 * weeks + np.arange(n)[:, None] + offsets[None, :]]
    median: FloatArray = np.nanmedian(windows, axis=1)
    return median


def find_level_shift(tokens_per_day: FloatArray) -> tuple[int | None, float]:
    """Index of the first day at a new level and the factor new/old, or (None, 1.0).

    Works on log(weekly total + 7) over the last 26 whole weeks (ending on the last day): a step
    whose newest segment is 4 to 13 weeks long is fitted by least squares and taken when it
    changes the level by a factor of at least 1.5 and leaves at most half the squared error of a
    straight line through the same weeks. The week boundary is then moved to the day within a
    week of it where the 7 days after differ most from the 7 days before (log1p scale).
    """
    n_weeks = min(SHIFT_WINDOW_WEEKS, tokens_per_day.shape[0] // 7)
    if n_weeks < SHIFT_MIN_WEEKS + 4:
        return None, 1.0
    weeks = tokens_per_day[tokens_per_day.shape[0] - 7 * n_weeks :].reshape(n_weeks, 7)
    log_totals = np.log(weeks.sum(axis=1) + 7.0)
    line_rss = _line_rss(log_totals)
    best: tuple[float, int, float] | None = None
    for post in range(SHIFT_MIN_WEEKS, min(SHIFT_MAX_WEEKS, n_weeks - 4) + 1):
        before, after = log_totals[:-post], log_totals[-post:]
        step = float(after.mean() - before.mean())
        rss = float(((before - before.mean()) ** 2).sum() + ((after - after.mean()) ** 2).sum())
        big = abs(step) >= np.log(SHIFT_MIN_FACTOR)
        if big and rss <= SHIFT_MAX_RSS_SHARE * line_rss and (best is None or rss < best[0]):
            best = (rss, post, step)
    if best is None:
        return None, 1.0
    _, post, step = best
    boundary = tokens_per_day.shape[0] - 7 * post
    return _sharpen(tokens_per_day, boundary), float(np.exp(step))


def _line_rss(values: FloatArray) -> float:
    x = np.arange(values.shape[0], dtype=np.float64)
    coef = np.polyfit(x, values, 1)
    return float(((values - np.polyval(coef, x)) ** 2).sum())


def _sharpen(y: FloatArray, boundary: int) -> int:
    z = np.log1p(y)
    lo, hi = max(7, boundary - 7), min(y.shape[0] - 7, boundary + 7)
    candidates = np.arange(lo, hi + 1)
    gaps = np.array([abs(z[d : d + 7].sum() - z[d - 7 : d].sum()) for d in candidates])
    # Closed days do not move the gap, so several days can tie: keep the week boundary then.
    best = candidates[gaps >= gaps.max() - 1e-9 * max(1.0, float(gaps.max()))]
    return int(best[np.argmin(np.abs(best - boundary))])
