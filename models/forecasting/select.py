"""The forecast: pick a model by backtest on the organization's own history, then simulate paths."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import timedelta

import numpy as np

from models.errors import InsufficientHistoryError, InvalidInputError
from models.forecasting.backtest import backtest, log_model_failure
from models.forecasting.base import BacktestScore, FloatArray, ForecastResult
from models.forecasting.paths import YEAR_DAYS, checked_paths, widen_for_short_history
from models.forecasting.registry import FALLBACK_MODEL, MODELS, make_model
from models.forecasting.seasonal_naive import MIN_HISTORY_DAYS
from models.series import DailySeries

AUTO = "auto"
SHORT_HISTORY_DAYS = 90
# Spawn key of the final simulation; backtests use the model's name key instead.
_FINAL_STREAM = 1


def forecast(
    history: DailySeries,
    horizon_days: int,
    n_paths: int = 1000,
    seed: int = 0,
    model: str = AUTO,
) -> ForecastResult:
    """Sample paths of daily tokens for the `horizon_days` days after `history.end`.

    With `model="auto"` every registered model is backtested (see `backtest.backtest`) and the
    lowest score wins; ties, and the case where no model could be scored, go to seasonal_naive.
    A named model skips the choice but its backtest score is still reported. The chosen model is
    fitted on the whole history and simulates `n_paths` paths, shape (n_paths, horizon_days),
    widened for histories under a year (`paths.widening_factor`), never negative, all finite.
    If it fails, seasonal_naive replaces it and a warning says so. Every random draw derives
    from `seed` through numpy SeedSequence, so the same inputs and seed give the same paths.

    Raises InsufficientHistoryError for fewer than 14 days or no usage at all, InvalidInputError
    for an unknown model, a horizon or path count under 1, a negative seed, or a history with
    negative or non-finite values.
    """
    _check_inputs(history, horizon_days, n_paths, seed)
    if model != AUTO:
        make_model(model)  # an unknown name is the caller's error, not a model failure
    names = list(MODELS) if model == AUTO else [model]
    scores = {name: backtest(history, name, seed=_stream_seed(seed, name)) for name in names}
    chosen = choose_model(scores.values()) if model == AUTO else model
    notes = history_warnings(history.n_days)
    used, paths = _paths_with_fallback(history, chosen, horizon_days, n_paths, seed, notes)
    if used not in scores:
        scores[used] = backtest(history, used, seed=_stream_seed(seed, used))
    notes.extend(
        f"The {score.model} model could not be backtested on this history ({score.message}) "
        "and was not used."
        for score in scores.values()
        if score.failed and score.model not in (used, chosen)
    )
    return ForecastResult(
        model=used,
        first_day=history.end + timedelta(days=1),
        paths_tokens_per_day=paths,
        seed=seed,
        candidates=tuple(scores.values()),
        warnings=tuple(notes),
    )


def choose_model(scores: Iterable[BacktestScore]) -> str:
    """The scored, non-failed model with the lowest score; seasonal_naive on ties or if none."""
    scored = [s for s in scores if not s.failed and s.n_origins > 0]
    if not scored:
        return FALLBACK_MODEL
    best = min(scored, key=lambda s: (s.score, s.model != FALLBACK_MODEL))
    return best.model


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


def _check_inputs(history: DailySeries, horizon_days: int, n_paths: int, seed: int) -> None:
    if horizon_days < 1 or n_paths < 1:
        raise InvalidInputError(
            f"horizon_days and n_paths must be at least 1, got {horizon_days} and {n_paths}"
        )
    if seed < 0:
        raise InvalidInputError(f"seed must be non-negative, got {seed}")
    y = history.tokens_per_day
    if not np.isfinite(y).all() or (y < 0).any():
        raise InvalidInputError("daily tokens must be finite and non-negative")
    if history.n_days < MIN_HISTORY_DAYS:
        raise InsufficientHistoryError(
            f"only {history.n_days} days of history; a forecast needs at least "
            f"{MIN_HISTORY_DAYS} days (two full weeks)"
        )
    if not (y > 0).any():
        raise InsufficientHistoryError(
            f"no usage recorded in the {history.n_days} days of history; there is nothing to "
            "forecast from"
        )


def _paths_with_fallback(
    history: DailySeries,
    chosen: str,
    horizon_days: int,
    n_paths: int,
    seed: int,
    notes: list[str],
) -> tuple[str, FloatArray]:
    """The chosen model's final paths, or seasonal_naive's (with a note in `notes`) if it fails."""
    try:
        return chosen, _final_paths(history, chosen, horizon_days, n_paths, seed)
    except Exception as exc:  # any failure of the chosen model on the full history: fall back
        if chosen == FALLBACK_MODEL:
            raise
        log_model_failure(chosen, "final fit", exc)
        notes.append(
            f"The {chosen} model failed on this history ({_reason(exc)}) "
            f"and was replaced by {FALLBACK_MODEL}."
        )
        return FALLBACK_MODEL, _final_paths(history, FALLBACK_MODEL, horizon_days, n_paths, seed)


def _final_paths(
    history: DailySeries, name: str, horizon_days: int, n_paths: int, seed: int
) -> FloatArray:
    rng = np.random.default_rng(np.random.SeedSequence([seed, _FINAL_STREAM, _name_key(name)]))
    forecaster = make_model(name)
    forecaster.fit(history)
    paths = checked_paths(
        forecaster.simulate(horizon_days, n_paths, rng), n_paths, horizon_days, name
    )
    return widen_for_short_history(paths, history.n_days)


def _stream_seed(seed: int, name: str) -> int:
    """A backtest seed per model, stable across runs and independent of the registry's order."""
    return int(np.random.SeedSequence([seed, _name_key(name)]).generate_state(1)[0])


def _name_key(name: str) -> int:
    # crc32, not hash(): str hashes change between interpreter runs.
    return zlib.crc32(name.encode("utf-8"))


def _reason(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:200]
