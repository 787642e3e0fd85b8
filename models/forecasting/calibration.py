"""Calibrating a model's spread by its own backtest: how far outside its 80 % intervals the
realised totals fell, and how much wider its paths must be for 80 % of them to fall inside.

Reference: Gneiting, Balabdaoui & Raftery (2007), "Probabilistic forecasts, calibration and
sharpness", JRSS B 69(2); the leave-one-origin-out check is the usual cross-validation of a
tuning constant (Hastie, Tibshirani & Friedman, ESL 7.10).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from models.forecasting.paths import FloatArray
from models.series import DailySeries

COVERAGE_TARGET = 0.8
# Paths are only ever widened: the backtests have a handful of origins, too few to trust a
# model that looked too cautious on them, and a shortfall costs more than a wide interval.
MIN_SPREAD_FACTOR = 1.0
MAX_SPREAD_FACTOR = 3.0

# Horizon in days -> backtest origins (training days), as `backtest.plan_origins` gives them.
Plan = dict[int, list[int]]


def interval_distances(
    history: DailySeries, plan: Plan, runs: Mapping[int, FloatArray]
) -> dict[tuple[int, int], float]:
    """(horizon, origin) -> how far the realised total lay from the median path total, in units
    of the half-interval on its side (q90 - median above, median - q10 below).

    A distance of at most 1 means the realised total was inside the 10-90 % range; scaling the
    paths' total deviations by a factor f moves every distance to distance / f. `runs` maps an
    origin to paths of shape (n_paths, longest horizon there), tokens per day.
    """
    distances = {}
    for h, origins in plan.items():
        for origin in origins:
            totals = runs[origin][:, :h].sum(axis=1)
            low, mid, high = np.quantile(totals, [0.1, 0.5, 0.9])
            actual = float(history.tokens_per_day[origin : origin + h].sum())
            half = high - mid if actual >= mid else mid - low
            floor = 1e-9 * max(abs(float(mid)), 1.0)  # a zero-width interval: any miss is far
            distances[(h, origin)] = abs(actual - mid) / max(float(half), floor)
    return distances


def spread_factor(distances: Mapping[tuple[int, int], float]) -> float:
    """The 80th percentile of the distances, within [1, 3]; 1 when there are none."""
    if not distances:
        return 1.0
    factor = float(np.quantile(list(distances.values()), COVERAGE_TARGET))
    return min(MAX_SPREAD_FACTOR, max(MIN_SPREAD_FACTOR, factor))


def calibrated_coverage(distances: Mapping[tuple[int, int], float]) -> dict[int, float]:
    """Per horizon, the share of origins whose realised total falls inside the 10-90 % range
    once the paths are widened by the factor estimated from the *other* origins (leave one
    origin out), so the calibration is judged on totals it was not estimated from."""
    covered: dict[int, list[float]] = {}
    for (h, origin), distance in distances.items():
        others = {key: d for key, d in distances.items() if key[1] != origin}
        factor = spread_factor(others)
        covered.setdefault(h, []).append(1.0 if distance <= factor else 0.0)
    return {h: float(np.mean(values)) for h, values in sorted(covered.items())}
