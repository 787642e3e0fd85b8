"""Rolling-origin backtests: how well a model forecast the totals of this history's own past.

Reference: Tashman (2000), "Out-of-sample tests of forecasting accuracy: an analysis and review";
Hyndman & Athanasopoulos, FPP3 5.10 (time-series cross-validation).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from models.errors import DomainError, InvalidInputError
from models.forecasting.base import BacktestScore, FloatArray, Forecaster
from models.forecasting.calibration import (
    COVERAGE_TARGET,
    Plan,
    calibrated_coverage,
    interval_distances,
    spread_factor,
)
from models.forecasting.cleaning import cap_spikes, clean_history
from models.forecasting.paths import checked_paths, widen_for_short_history
from models.forecasting.registry import make_model
from models.series import DailySeries

logger = logging.getLogger(__name__)

HORIZONS = (30, 90, 365)
# Finite stand-in for "no score" (failed or too short to test): JSON has no inf.
FAILED_SCORE = 1e9
MIN_TRAIN_DAYS = 56
MAX_ORIGINS = 4
BACKTEST_PATHS = 200
# Origins are spaced by the shortest tested horizon of at least this many days.
ORIGIN_STEP_DAYS = 90
# When no requested horizon fits, the longest of these that fits is tested on a shorter training
# window: a month-ahead check on two months of history is weak evidence, but better than none.
FALLBACK_HORIZONS = (30, 14)
FALLBACK_MIN_TRAIN_DAYS = 28
CALIBRATION_WEIGHT = 0.5
MAX_MESSAGE_CHARS = 200


def plan_origins(n_days: int, horizons: tuple[int, ...], max_origins: int) -> Plan:
    """The backtest origins of every horizon (days) that a history of `n_days` days allows.

    An origin is the number of training days; the test window is the next `h` days. A horizon
    fits when its last origin, n - h, leaves at least max(56, h) training days. The fitting
    horizons share origins, so one fit serves several of them: they are spaced by the shortest
    fitting horizon of at least 90 days (else the longest fitting one), n - step, n - 2 step,
    ..., and the longest horizon's own last origin, n - h_max, is always among them; at most
    `max_origins` in all. Each horizon is judged at every origin whose window fits with at
    least max(56, h) training days. Falls back to one of FALLBACK_HORIZONS with 28 training
    days when no requested horizon fits; {} when none does.
    """
    fitting = sorted(h for h in set(horizons) if n_days - h >= max(MIN_TRAIN_DAYS, h))
    if not fitting:
        return _fallback_plan(n_days, max_origins)
    step = min((h for h in fitting if h >= ORIGIN_STEP_DAYS), default=fitting[-1])
    longest = fitting[-1]
    origins = [n_days - longest] if longest > step else []
    origins += _spaced(n_days, step, max_origins, max(MIN_TRAIN_DAYS, step))
    origins = sorted(set(origins[:max_origins]), reverse=True)
    plan = {
        h: [o for o in origins if o + h <= n_days and o >= max(MIN_TRAIN_DAYS, h)] for h in fitting
    }
    return {h: os for h, os in plan.items() if os}


def _fallback_plan(n_days: int, max_origins: int) -> Plan:
    for h in FALLBACK_HORIZONS:
        if origins := _spaced(n_days, h, max_origins, FALLBACK_MIN_TRAIN_DAYS):
            return {h: origins}
    return {}


def _spaced(n_days: int, step: int, max_origins: int, min_train: int) -> list[int]:
    candidates = (n_days - k * step for k in range(1, max_origins + 1))
    return [origin for origin in candidates if origin >= min_train]


def combined_score(total_errors: dict[int, float], coverage_80: dict[int, float]) -> float:
    """score = mean_h(total_error_h) + 0.5 * mean_h(|coverage_80_h - 0.8|).

    Both means run over the tested horizons. The first term is the decision's main need (how far
    the mean path's total was from the realised total, as a fraction); the second charges 0.05
    for every 10 points the 10-90 % interval of totals misses its 80 % coverage, either way.
    """
    error = float(np.mean(list(total_errors.values())))
    miss = float(np.mean([abs(c - COVERAGE_TARGET) for c in coverage_80.values()]))
    return error + CALIBRATION_WEIGHT * miss


@dataclass(frozen=True)
class Evaluation:
    """One candidate: its model fitted on the whole cleaned history (None if that failed), its
    backtest score, the paths it drew at every origin, origin -> (n_paths, longest horizon
    tested there) in tokens per day, widened for short history as the final forecast is, and
    the factor its final paths' spread is widened by (`calibration.spread_factor`)."""

    score: BacktestScore
    model: Forecaster | None
    origin_paths: dict[int, FloatArray] = field(default_factory=dict)
    spread_factor: float = 1.0


class TrainingCuts:
    """The cleaned history at every origin, computed once and shared by every candidate, so each
    origin's model sees only what was known then, cleaned by the same rules; and the whole
    history with its one-day spikes capped, which the calibration judges intervals against (a
    one-off 50-fold day is not something an 80 % interval should have covered)."""

    def __init__(self, history: DailySeries) -> None:
        self._history = history
        self._cuts: dict[int, DailySeries] = {}
        self.spike_capped = DailySeries(history.start, cap_spikes(history.tokens_per_day)[0])

    def at(self, origin: int) -> DailySeries:
        if origin not in self._cuts:
            self._cuts[origin] = clean_history(self._history.head(origin)).series
        return self._cuts[origin]


def backtest(
    history: DailySeries,
    model_name: str,
    horizons: tuple[int, ...] = HORIZONS,
    n_paths: int = BACKTEST_PATHS,
    seed: int = 0,
    max_origins: int = MAX_ORIGINS,
    country: str | None = None,
) -> BacktestScore:
    """Rolling-origin backtest of `model_name` on `history` (tokens per day).

    The model is fitted on the whole cleaned history (`cleaning.clean_history`); at every origin
    of `plan_origins` a model fitted on the cleaned first `origin` days (warm-started from the
    whole-history fit when the model supports it: the optimum is the origin's own, only found
    faster) simulates `n_paths` paths, widened for short history as the final forecast is, and is
    judged on each horizon's realised total: `total_errors[h]` is the mean over origins of
    |mean path total - realised| / max(realised, 1 token), `coverage_80[h]` the share of origins
    whose realised total (with one-day spikes capped) lay in the 10-90 % range of simulated
    totals once those are widened as the final forecast's are, by the factor the other origins
    call for (see `score_runs`); `score` is `combined_score`. Each origin draws from
    SeedSequence([seed, origin]).

    A model that raises or returns non-finite paths gets `failed=True`; a history too short to
    test is not scored. Both have empty dicts, score FAILED_SCORE and a `message`: every float in
    the result is finite. An unknown `model_name` raises InvalidInputError.
    """
    make_model(model_name)
    if seed < 0 or n_paths < 1:
        raise InvalidInputError("backtest needs a non-negative seed and at least one path")
    plan = plan_origins(history.n_days, horizons, max_origins)
    cleaned = clean_history(history).series
    factory = lambda: make_model(model_name, country)  # noqa: E731
    return evaluate(history, cleaned, factory, plan, TrainingCuts(history), n_paths, seed).score


def evaluate(
    history: DailySeries,
    cleaned: DailySeries,
    factory: Callable[[], Forecaster],
    plan: Plan,
    cuts: TrainingCuts,
    n_paths: int,
    seed: int,
) -> Evaluation:
    """Fit `factory()` on `cleaned` and backtest it on `history` by `plan` (see `backtest`)."""
    model = factory()
    name = model.name
    try:
        model.fit(cleaned)
    except Exception as exc:  # any model failure, expected or not, must not stop the selection
        log_model_failure(name, "fit", exc)
        return Evaluation(failed_score(name, exc), None)
    if not plan:
        message = f"not scored: {history.n_days} days of history are too few for a backtest"
        return Evaluation(BacktestScore(name, 0, {}, {}, FAILED_SCORE, message=message), model)
    try:
        runs = {
            origin: _origin_paths(model, factory, cuts.at(origin), longest, n_paths, seed)
            for origin, longest in longest_by_origin(plan).items()
        }
    except Exception as exc:  # as above: a failed backtest is a reported, finite score
        log_model_failure(name, "backtest", exc)
        return Evaluation(failed_score(name, exc), model)
    score, factor = score_runs(name, history, plan, runs, cuts.spike_capped)
    return Evaluation(score, model, runs, factor)


def longest_by_origin(plan: Plan) -> dict[int, int]:
    """origin -> the longest horizon judged there, oldest origin first."""
    longest: dict[int, int] = {}
    for h, origins in plan.items():
        for origin in origins:
            longest[origin] = max(h, longest.get(origin, 0))
    return dict(sorted(longest.items()))


def _origin_paths(
    model: Forecaster,
    factory: Callable[[], Forecaster],
    training: DailySeries,
    horizon: int,
    n_paths: int,
    seed: int,
) -> FloatArray:
    warm = getattr(model, "warm_fitted", None)
    if warm is not None:
        at_origin: Forecaster = warm(training)
    else:
        at_origin = factory()
        at_origin.fit(training)
    rng = np.random.default_rng(np.random.SeedSequence([seed, training.n_days]))
    paths = checked_paths(at_origin.simulate(horizon, n_paths, rng), n_paths, horizon, model.name)
    return widen_for_short_history(paths, training.n_days)


def score_runs(
    name: str,
    history: DailySeries,
    plan: Plan,
    runs: Mapping[int, FloatArray],
    spike_capped: DailySeries,
) -> tuple[BacktestScore, float]:
    """The BacktestScore of paths drawn at every origin of `plan`, and their spread factor.

    `total_errors` as in `backtest`, against `history`; the spread factor is
    `calibration.spread_factor` of every (horizon, origin), judged against `spike_capped`, by
    which the final paths are widened; `coverage_80` is the coverage that widening achieves,
    judged leave-one-origin-out (`calibration.calibrated_coverage`).
    """
    errors: dict[int, list[float]] = {h: [] for h in plan}
    for h, origins in plan.items():
        for origin in origins:
            realised = history.tokens_per_day[origin : origin + h]
            errors[h].append(total_error(runs[origin][:, :h], realised))
    total_errors = {h: float(np.mean(values)) for h, values in errors.items()}
    distances = interval_distances(spike_capped, plan, runs)
    coverage = calibrated_coverage(distances)
    score = combined_score(total_errors, coverage)
    if not math.isfinite(score):
        return failed_score(name, ValueError("non-finite backtest error")), 1.0
    factor = spread_factor(distances)
    message = f"spread widened x{factor:.2f} to its backtest coverage" if factor > 1.0 else ""
    return BacktestScore(name, len(runs), total_errors, coverage, score, message=message), factor


def total_error(paths: FloatArray, realised: FloatArray) -> float:
    """Relative error of the mean path's total: |mean total - realised| / max(realised, 1).
    `paths` (n_paths, h) and `realised` (h,) in tokens per day.

    The denominator is at least 1 token: a window with no usage has no percentage error, and
    measuring against 1 token keeps a forecast of usage there finite but heavily penalised.
    """
    actual = float(realised.sum())
    return abs(float(paths.sum(axis=1).mean()) - actual) / max(actual, 1.0)


def log_model_failure(model_name: str, stage: str, exc: Exception) -> None:
    """Log a model's failure at `stage`: a domain error is expected (INFO), anything else is a
    bug in the model (WARNING, with the traceback)."""
    if isinstance(exc, DomainError):
        logger.info("%s of %s failed: %s", stage, model_name, exc)
    else:
        logger.warning("%s of %s failed", stage, model_name, exc_info=exc)


def failed_score(model_name: str, exc: Exception) -> BacktestScore:
    """The finite, reported score of a model that failed with `exc`."""
    reason = str(exc) or type(exc).__name__
    message = f"failed: {reason}"[:MAX_MESSAGE_CHARS]
    return BacktestScore(model_name, 0, {}, {}, FAILED_SCORE, failed=True, message=message)
