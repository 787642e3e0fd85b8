"""The forecast: pick a model by backtest on the organization's own history, then simulate paths."""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

import numpy as np
from threadpoolctl import threadpool_limits

from models.errors import InsufficientHistoryError, InvalidInputError
from models.forecasting.backtest import (
    BACKTEST_PATHS,
    HORIZONS,
    MAX_ORIGINS,
    Evaluation,
    TrainingCuts,
    evaluate,
    log_model_failure,
    plan_origins,
    score_runs,
)
from models.forecasting.base import BacktestScore, FloatArray, Forecaster, ForecastResult
from models.forecasting.cleaning import CleanedHistory, clean_history
from models.forecasting.ensemble import Ensemble, combine_paths
from models.forecasting.history import (
    constant_warning,
    gap_warnings,
    history_warnings,
    is_constant,
    widen_constant,
)
from models.forecasting.paths import checked_paths, scale_total_spread, widen_for_short_history
from models.forecasting.prophet_model import ProphetModel, check_country
from models.forecasting.registry import ENSEMBLE_MODEL, FALLBACK_MODEL, MODELS, make_model
from models.forecasting.seasonal_naive import MIN_HISTORY_DAYS
from models.series import DailySeries

AUTO = "auto"
# Prophet's trend and changepoints need a season of history; below it the automatic choice
# does not spend a second on it (a caller can still name it).
PROPHET_AUTO_MIN_DAYS = 90
# Spawn keys of the final simulation and of the ensemble's backtest pairing.
_FINAL_STREAM = 1
_ENSEMBLE_STREAM = 2


def forecast(
    history: DailySeries,
    horizon_days: int,
    n_paths: int = 1000,
    seed: int = 0,
    model: str = AUTO,
    country: str | None = None,
) -> ForecastResult:
    """Sample paths of daily tokens for the `horizon_days` days after `history.end`.

    The history is cleaned first (`cleaning.clean_history`: one-day spikes capped, a recent level
    shift followed), and every model is fitted on the cleaned history; `country` (ISO 3166, e.g.
    "US") gives Prophet its public holidays. With `model="auto"` every registered model but the
    ensemble is backtested (`backtest.evaluate`; Prophet only from 90 days of history), then the
    ensemble of all that could be scored; the lowest score wins, ties going to a single model
    and then to seasonal_naive, which also wins when nothing could be scored. A named model
    skips the choice, but its backtest score is still reported. The chosen model simulates
    `n_paths` paths, shape (n_paths, horizon_days), widened for histories under a year
    (`paths.widening_factor`) and then by the spread factor its backtest calls for
    (`calibration.spread_factor`, applied by `paths.scale_total_spread`), never negative, all
    finite. If it fails, seasonal_naive replaces it and a warning says so. Every random draw
    derives from `seed` through numpy SeedSequence, so the same inputs give the same paths.

    Raises InsufficientHistoryError for fewer than 14 days or no usage at all, InvalidInputError
    for an unknown model or country, a horizon or path count under 1, a negative seed, or a
    history with negative or non-finite values.
    """
    _check_inputs(history, horizon_days, n_paths, seed, country)
    if model != AUTO:
        make_model(model)  # an unknown name is the caller's error, not a model failure
    # One BLAS thread: the matrices are small, and on a busy 2-core machine extra threads made
    # a state-space likelihood 20 times slower.
    with threadpool_limits(limits=1, user_api="blas"):
        return _forecast(history, horizon_days, n_paths, seed, model, country)


def _forecast(
    history: DailySeries,
    horizon_days: int,
    n_paths: int,
    seed: int,
    model: str,
    country: str | None,
) -> ForecastResult:
    cleaned = clean_history(history)
    candidates = Candidates(history, cleaned.series, seed, country)
    if model == AUTO:
        for name in auto_candidates(history.n_days):
            candidates.add(name)
        candidates.add_ensemble()
        chosen = choose_model(candidates.scores())
    else:
        candidates.add(model)
        chosen = model
    notes = (
        history_warnings(history.n_days)
        + gap_warnings(history.start, history.tokens_per_day)
        + cleaning_warnings(cleaned)
    )
    used, paths = _paths_with_fallback(candidates, chosen, horizon_days, n_paths, notes)
    if is_constant(history.tokens_per_day):
        paths = widen_constant(paths, np.random.default_rng([seed, _FINAL_STREAM, 0]))
        notes.append(constant_warning(history.tokens_per_day))
    notes.extend(
        f"The {score.model} model could not be backtested on this history ({score.message}) "
        "and was not used."
        for score in candidates.scores()
        if score.failed and score.model not in (used, chosen)
    )
    return ForecastResult(
        model=used,
        first_day=history.end + timedelta(days=1),
        paths_tokens_per_day=paths,
        seed=seed,
        candidates=tuple(candidates.scores()),
        warnings=tuple(notes),
    )


class Candidates:
    """The models tried on one history: each fitted on the cleaned history and backtested on the
    same origins, with the cleaned training cuts shared between them."""

    def __init__(self, history: DailySeries, cleaned: DailySeries, seed: int, country: str | None):
        self.history = history
        self.cleaned = cleaned
        self.seed = seed
        self.country = country
        self.plan = plan_origins(history.n_days, HORIZONS, MAX_ORIGINS)
        self.cuts = TrainingCuts(history)
        self.evaluations: dict[str, Evaluation] = {}

    def add(self, name: str) -> Evaluation:
        if name not in self.evaluations:
            factory = partial(make_model, name, self.country)
            self.evaluations[name] = evaluate(
                self.history,
                self.cleaned,
                factory,
                self.plan,
                self.cuts,
                BACKTEST_PATHS,
                _stream_seed(self.seed, name),
            )
        return self.evaluations[name]

    def add_ensemble(self) -> None:
        """Score the ensemble of every model that could be scored, from their own backtest
        paths (no more fits): the same origins, path i of the ensemble from the members' i-th
        ranked paths (`ensemble.combine_paths`)."""
        scored = [e for e in self.evaluations.values() if _usable(e.score) and e.origin_paths]
        if len(scored) < 2:
            return
        runs = {
            origin: combine_paths(
                [e.origin_paths[origin] for e in scored],
                np.random.default_rng([self.seed, _ENSEMBLE_STREAM, origin]),
            )
            for origin in scored[0].origin_paths
        }
        members = [e.model for e in scored if e.model is not None]
        factories = [partial(make_model, e.score.model, self.country) for e in scored]
        names = ", ".join(e.score.model for e in scored)
        score, factor = score_runs(
            ENSEMBLE_MODEL, self.history, self.plan, runs, self.cuts.spike_capped
        )
        if not score.failed:
            message = "; ".join(m for m in (f"members: {names}", score.message) if m)
            score = dataclasses.replace(score, message=message)
        self.evaluations[ENSEMBLE_MODEL] = Evaluation(
            score, Ensemble.of_fitted(members, factories), runs, factor
        )

    def scores(self) -> list[BacktestScore]:
        return [e.score for e in self.evaluations.values()]

    def fitted(self, name: str) -> Forecaster:
        model = self.add(name).model
        if model is None:
            raise InvalidInputError(f"{name} could not be fitted ({self.add(name).score.message})")
        return model


def auto_candidates(n_days: int) -> list[str]:
    """The registered models the automatic choice backtests for a history of `n_days` days."""
    return [
        name
        for name in MODELS
        if name != ENSEMBLE_MODEL
        and not (name == ProphetModel.name and n_days < PROPHET_AUTO_MIN_DAYS)
    ]


def choose_model(scores: Iterable[BacktestScore]) -> str:
    """The ensemble, unless a single model scores clearly better; else the lowest score.

    A handful of backtest origins ranks single models noisily; averaging their paths is the
    steadier bet, so a single model must beat the ensemble's score by ENSEMBLE_MARGIN to be
    chosen over it (on the accuracy benchmark this cut the mean 90-day error from 54.5 % to
    50.0 % and brought 80 % coverage from 73 % to 83 %; docs/accuracy.md). Among single models,
    ties go to seasonal_naive; with nothing scored, seasonal_naive.
    """
    scored = [s for s in scores if _usable(s)]
    if not scored:
        return FALLBACK_MODEL
    ensemble = next((s for s in scored if s.model == ENSEMBLE_MODEL), None)
    singles = [s for s in scored if s.model != ENSEMBLE_MODEL]
    if (
        ensemble is not None
        and singles
        and min(s.score for s in singles) >= ENSEMBLE_MARGIN * ensemble.score
    ):
        return ENSEMBLE_MODEL
    best = min(
        scored, key=lambda s: (s.score, s.model == ENSEMBLE_MODEL, s.model != FALLBACK_MODEL)
    )
    return best.model


ENSEMBLE_MARGIN = 0.8


def _usable(score: BacktestScore) -> bool:
    return not score.failed and score.n_origins > 0


def cleaning_warnings(cleaned: CleanedHistory) -> list[str]:
    """Plain sentences about what cleaning changed in the history."""
    notes = []
    if cleaned.n_spikes:
        notes.append(
            f"{cleaned.n_spikes} one-off day(s) far above the usual level were capped at the top "
            "of the usual range before fitting, so they do not inflate the forecast's spread."
        )
    shift = cleaned.level_shift
    if shift is not None:
        notes.append(
            f"Usage changed level around {shift.first_day.isoformat()}, from about "
            f"{shift.tokens_per_day_before:.0f} to about {shift.tokens_per_day_after:.0f} tokens "
            "a day; the forecast follows the new level (the history before it was rescaled to "
            "the new level for fitting)."
        )
    return notes


def _check_inputs(
    history: DailySeries, horizon_days: int, n_paths: int, seed: int, country: str | None
) -> None:
    if horizon_days < 1 or n_paths < 1:
        raise InvalidInputError(
            f"horizon_days and n_paths must be at least 1, got {horizon_days} and {n_paths}"
        )
    if seed < 0:
        raise InvalidInputError(f"seed must be non-negative, got {seed}")
    check_country(country)
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
    candidates: Candidates, chosen: str, horizon_days: int, n_paths: int, notes: list[str]
) -> tuple[str, FloatArray]:
    """The chosen model's final paths, or seasonal_naive's (with a note in `notes`) if it fails."""
    try:
        return chosen, _final_paths(candidates, chosen, horizon_days, n_paths)
    except Exception as exc:  # any failure of the chosen model on the full history: fall back
        if chosen == FALLBACK_MODEL:
            raise
        log_model_failure(chosen, "final fit", exc)
        notes.append(
            f"The {chosen} model failed on this history ({_reason(exc)}) "
            f"and was replaced by {FALLBACK_MODEL}."
        )
        paths = _final_paths(candidates, FALLBACK_MODEL, horizon_days, n_paths)
        return FALLBACK_MODEL, paths


def _final_paths(candidates: Candidates, name: str, horizon_days: int, n_paths: int) -> FloatArray:
    model = candidates.fitted(name)
    seq = np.random.SeedSequence([candidates.seed, _FINAL_STREAM, _name_key(name)])
    paths = checked_paths(
        model.simulate(horizon_days, n_paths, np.random.default_rng(seq)),
        n_paths,
        horizon_days,
        name,
    )
    paths = widen_for_short_history(paths, candidates.history.n_days)
    return scale_total_spread(paths, candidates.add(name).spread_factor)


def _stream_seed(seed: int, name: str) -> int:
    """A backtest seed per model, stable across runs and independent of the registry's order."""
    return int(np.random.SeedSequence([seed, _name_key(name)]).generate_state(1)[0])


def _name_key(name: str) -> int:
    # crc32, not hash(): str hashes change between interpreter runs.
    return zlib.crc32(name.encode("utf-8"))


def _reason(exc: Exception) -> str:
    return (str(exc) or type(exc).__name__)[:200]
