"""Rolling-origin backtests: how well a model forecast the totals of this history's own past.

Reference: Tashman (2000), "Out-of-sample tests of forecasting accuracy: an analysis and review";
Hyndman & Athanasopoulos, FPP3 5.10 (time-series cross-validation).
"""

from __future__ import annotations

import logging
import math

import numpy as np

from models.errors import DomainError, InvalidInputError
from models.forecasting.base import BacktestScore, FloatArray
from models.forecasting.paths import checked_paths, widen_for_short_history
from models.forecasting.registry import make_model
from models.series import DailySeries

logger = logging.getLogger(__name__)

# Finite stand-in for "no score" (failed or too short to test): JSON has no inf.
FAILED_SCORE = 1e9
MIN_TRAIN_DAYS = 56
# When no requested horizon fits, the longest of these that fits is tested on a shorter training
# window: a month-ahead check on two months of history is weak evidence, but better than none.
FALLBACK_HORIZONS = (30, 14)
FALLBACK_MIN_TRAIN_DAYS = 28
COVERAGE_TARGET = 0.8
CALIBRATION_WEIGHT = 0.5
MAX_MESSAGE_CHARS = 200


def plan_origins(n_days: int, horizons: tuple[int, ...], max_origins: int) -> dict[int, list[int]]:
    """The backtest origins of every horizon (days) that a history of `n_days` days allows.

    An origin is the number of training days; the test window is the next `h` days. Origins are
    spaced `h` days apart from the last one, `n_days - h`, so a horizon's test windows do not
    overlap, and each needs at least max(56, h) training days. Falls back to one of
    FALLBACK_HORIZONS with 28 training days when no requested horizon fits; {} when none does.
    """
    plan = {
        h: origins
        for h in sorted(set(horizons))
        if (origins := _origins(n_days, h, max_origins, max(MIN_TRAIN_DAYS, h)))
    }
    if plan:
        return plan
    for h in FALLBACK_HORIZONS:
        if origins := _origins(n_days, h, max_origins, FALLBACK_MIN_TRAIN_DAYS):
            return {h: origins}
    return {}


def _origins(n_days: int, horizon: int, max_origins: int, min_train: int) -> list[int]:
    candidates = (n_days - horizon - k * horizon for k in range(max_origins))
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


def backtest(
    history: DailySeries,
    model_name: str,
    horizons: tuple[int, ...] = (30, 90, 365),
    n_paths: int = 200,
    seed: int = 0,
    max_origins: int = 4,
) -> BacktestScore:
    """Rolling-origin backtest of `model_name` on `history` (tokens per day).

    At every origin of `plan_origins`, a fresh model is fitted on the first `origin` days, simulates
    `n_paths` paths (widened for short history as the final forecast is), and is judged on each
    horizon's total: `total_errors[h]` is the mean over origins of |mean path total - realised|
    / max(realised, 1 token), `coverage_80[h]` the share of origins whose realised total lay in
    the 10-90 % range of simulated totals; `score` is `combined_score`. Each origin draws from
    SeedSequence([seed, origin]), so results are reproducible.

    A model that raises or returns non-finite paths gets `failed=True`; a history too short to
    test is not scored. Both have empty dicts, score FAILED_SCORE and a `message`: every float in
    the result is finite. An unknown `model_name` raises InvalidInputError.
    """
    make_model(model_name)
    if seed < 0 or n_paths < 1:
        raise InvalidInputError("backtest needs a non-negative seed and at least one path")
    plan = plan_origins(history.n_days, horizons, max_origins)
    if not plan:
        message = f"not scored: {history.n_days} days of history are too few for a backtest"
        return BacktestScore(model_name, 0, {}, {}, FAILED_SCORE, message=message)
    try:
        errors, covered = _evaluate(history, model_name, plan, n_paths, seed)
    except Exception as exc:  # any model failure, expected or not, must not stop the selection
        log_model_failure(model_name, "backtest", exc)
        return _failed(model_name, exc)
    total_errors = {h: float(np.mean(values)) for h, values in errors.items()}
    coverage = {h: float(np.mean(values)) for h, values in covered.items()}
    score = combined_score(total_errors, coverage)
    if not math.isfinite(score):
        return _failed(model_name, ValueError("non-finite backtest error"))
    n_origins = len({origin for origins in plan.values() for origin in origins})
    return BacktestScore(model_name, n_origins, total_errors, coverage, score)


def _evaluate(
    history: DailySeries, model_name: str, plan: dict[int, list[int]], n_paths: int, seed: int
) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
    # Horizons sharing an origin share one fit: the first h days of a longer path are a path.
    by_origin: dict[int, list[int]] = {}
    for h, origins in plan.items():
        for origin in origins:
            by_origin.setdefault(origin, []).append(h)
    errors: dict[int, list[float]] = {h: [] for h in plan}
    covered: dict[int, list[float]] = {h: [] for h in plan}
    for origin, hs in sorted(by_origin.items()):
        rng = np.random.default_rng(np.random.SeedSequence([seed, origin]))
        model = make_model(model_name)
        model.fit(history.head(origin))
        longest = max(hs)
        paths = checked_paths(model.simulate(longest, n_paths, rng), n_paths, longest, model_name)
        paths = widen_for_short_history(paths, origin)
        for h in hs:
            realised = history.tokens_per_day[origin : origin + h]
            error, inside = judge_totals(paths[:, :h], realised)
            errors[h].append(error)
            covered[h].append(1.0 if inside else 0.0)
    return errors, covered


def judge_totals(paths: FloatArray, realised: FloatArray) -> tuple[float, bool]:
    """Relative error of the mean path's total, and whether the realised total is in the 10-90 %
    range of path totals. `paths` (n_paths, h) and `realised` (h,) in tokens per day.

    The error's denominator is at least 1 token: a window with no usage has no percentage error,
    and measuring against 1 token keeps a forecast of usage there finite but heavily penalised.
    """
    totals = paths.sum(axis=1)
    actual = float(realised.sum())
    error = abs(float(totals.mean()) - actual) / max(actual, 1.0)
    low, high = np.quantile(totals, [0.1, 0.9])
    return error, bool(low <= actual <= high)


def log_model_failure(model_name: str, stage: str, exc: Exception) -> None:
    """Log a model's failure at `stage`: a domain error is expected (INFO), anything else is a
    bug in the model (WARNING, with the traceback)."""
    if isinstance(exc, DomainError):
        logger.info("%s of %s failed: %s", stage, model_name, exc)
    else:
        logger.warning("%s of %s failed", stage, model_name, exc_info=exc)


def _failed(model_name: str, exc: Exception) -> BacktestScore:
    reason = str(exc) or type(exc).__name__
    message = f"failed: {reason}"[:MAX_MESSAGE_CHARS]
    return BacktestScore(model_name, 0, {}, {}, FAILED_SCORE, failed=True, message=message)
