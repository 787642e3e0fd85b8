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
# The smallest multiplier scale_total_spread applies to a path.
MIN_PATH_MULTIPLIER = 0.05


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
    return scale_spread(paths, widening_factor(n_history_days))


def scale_spread(paths: FloatArray, factor: float) -> FloatArray:
    """Scale each day's deviations from the path mean by `factor`, clipped at 0.

    `paths` has shape (n_paths, horizon_days) in tokens per day; so does the result. Every
    horizon total's deviation from the mean total scales by `factor` too (before clipping).
    """
    if factor == 1.0:
        return paths
    centre = paths.mean(axis=0, keepdims=True)
    widened: FloatArray = np.maximum(centre + factor * (paths - centre), 0.0)
    return widened


def scale_total_spread(paths: FloatArray, factor: float) -> FloatArray:
    """Rescale each whole path so the horizon totals' deviations from their mean scale by
    `factor`: path i is multiplied by (mean + factor * (T_i - mean)) / T_i, T_i its total.

    `paths` has shape (n_paths, horizon_days) in tokens per day; so does the result. A path
    keeps its shape (closed days stay closed, its weekly rhythm stays) and the mean total is
    kept, unless a multiplier would fall below MIN_PATH_MULTIPLIER, where it is held (the
    lowest paths of a very wide fan, which cannot fall below zero tokens).
    """
    if factor == 1.0:
        return paths
    path_totals = paths.sum(axis=1)
    centre = float(path_totals.mean())
    target = centre + factor * (path_totals - centre)
    safe = np.where(path_totals > 0.0, path_totals, 1.0)
    multiplier = np.where(path_totals > 0.0, target / safe, 1.0)
    scaled: FloatArray = paths * np.maximum(multiplier, MIN_PATH_MULTIPLIER)[:, None]
    return scaled


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


def to_root_scale(tokens_per_day: FloatArray) -> FloatArray:
    """Square roots of daily tokens: the scale the parametric models are fitted on.

    For counts the square root makes the noise roughly independent of the level (it is the
    variance-stabilising transform of a Poisson count), so additive errors fitted there neither
    drown a quiet period in noise nor go negative as often as on the raw scale; squaring the
    simulated paths back gives right-skewed, non-negative daily tokens. Backtests on the bundled
    real series preferred it to the raw and the log1p scales (see the forecasting note).
    """
    root: FloatArray = np.sqrt(np.maximum(tokens_per_day, 0.0))
    return root


def from_root_scale(root_paths: FloatArray) -> FloatArray:
    """Daily tokens from root-scale values, any shape: negative roots are days of no usage."""
    tokens: FloatArray = np.square(np.maximum(root_paths, 0.0))
    return tokens


def hold_dormant(
    paths: FloatArray, dormant: tuple[BoolArray, FloatArray], model: str
) -> FloatArray:
    """Hold dormant weekdays at their recent mean, clip at 0, and refuse non-finite output.

    `paths` has shape (n_paths, horizon_days) in tokens per day, forecast day 0 first;
    `dormant` is `dormant_weekdays(history)`. Raises InvalidInputError naming `model` when any
    value is NaN or infinite.
    """
    mask, level = dormant
    weekday = np.arange(paths.shape[1]) % 7
    closed = mask[weekday]
    out = paths.copy()
    out[:, closed] = level[weekday][closed]
    if not np.isfinite(out).all():
        raise InvalidInputError(f"{model} produced non-finite forecasts for this history")
    held: FloatArray = np.maximum(out, 0.0)
    return held
