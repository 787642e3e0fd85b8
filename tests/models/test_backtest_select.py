"""Backtests and model selection on synthetic histories whose right answer is known."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pytest

from models.errors import InsufficientHistoryError, InvalidInputError
from models.forecasting import forecast, registry
from models.forecasting import select as select_module
from models.forecasting.backtest import Evaluation, backtest, plan_origins
from models.forecasting.base import BacktestScore, FloatArray, Forecaster
from models.forecasting.paths import widen_for_short_history, widening_factor
from models.series import DailySeries

PATTERN = np.array([100.0, 120.0, 110.0, 105.0, 90.0, 0.0, 0.0])  # Monday..Sunday
MONDAY = date(2025, 1, 6)


def trending(n_days: int, seed: int) -> tuple[FloatArray, DailySeries]:
    """The weekly pattern growing by 1 % of its starting level every day, with 3 % noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_days)
    truth = PATTERN[t % 7] * (1.0 + 0.01 * t)
    return truth, DailySeries(MONDAY, truth * rng.normal(1.0, 0.03, n_days))


def flat(n_days: int, seed: int) -> DailySeries:
    rng = np.random.default_rng(seed)
    return DailySeries(MONDAY, PATTERN[np.arange(n_days) % 7] * rng.normal(1.0, 0.1, n_days))


def all_floats_finite(score: BacktestScore) -> bool:
    values = [score.score, *score.total_errors.values(), *score.coverage_80.values()]
    return all(math.isfinite(v) for v in values)


@pytest.fixture(scope="module")
def trend_280() -> tuple[FloatArray, DailySeries]:
    return trending(280, seed=11)


def test_origins_are_shared_by_the_horizons_and_leave_enough_training() -> None:
    # By the documented rule: 365 does not fit 280 days (it needs 365 training days); the others
    # share origins spaced by the 90-day horizon, n - 90 and n - 180, each with >= 90 days.
    assert plan_origins(280, (30, 90, 365), 2) == {30: [190, 100], 90: [190, 100]}
    assert plan_origins(730, (365,), 4) == {365: [365]}
    # Two years: n - 365 for the year ahead, then n - 90, n - 180, n - 270 (four in all); the
    # year-ahead window only fits at 365.
    two_years = {30: [640, 550, 460, 365], 90: [640, 550, 460, 365], 365: [365]}
    assert plan_origins(730, (30, 90, 365), 4) == two_years
    assert plan_origins(100, (30, 90, 365), 4) == {30: [70]}  # 90 would leave only 10 days
    assert plan_origins(60, (30, 90), 4) == {30: [30]}  # fallback: 28 training days suffice
    assert plan_origins(40, (30, 90), 4) == {}


def test_on_a_strong_trend_seasonal_naive_lags_and_damped_ets_does_better(
    trend_280: tuple[FloatArray, DailySeries],
) -> None:
    truth, history = trend_280
    naive = backtest(history, "seasonal_naive", horizons=(30, 90), n_paths=200, max_origins=2)
    ets = backtest(history, "damped_ets", horizons=(30, 90), n_paths=200, max_origins=2)
    # On a noise-free rising series the median of the last 5 same weekdays is the one 3 weeks
    # back, so seasonal naive forecasts day origin + j as truth[origin - 21 + j % 7].
    for h, origins in {30: [190, 100], 90: [190, 100]}.items():
        j = np.arange(h)
        lag_errors = [1.0 - truth[o - 21 + j % 7].sum() / truth[o : o + h].sum() for o in origins]
        assert naive.total_errors[h] == pytest.approx(np.mean(lag_errors), abs=0.03)
        assert ets.total_errors[h] < 0.75 * naive.total_errors[h]
    assert ets.score < naive.score
    assert naive.n_origins == ets.n_origins == 2


def test_on_a_flat_noisy_week_both_models_are_close() -> None:
    history = flat(200, seed=3)
    for name in registry.MODELS:
        score = backtest(history, name, horizons=(30, 90), n_paths=200, max_origins=2)
        # 10 % daily noise on ~75 tokens a day: a 30-day total varies by about 2.5 %.
        assert not score.failed
        assert max(score.total_errors.values()) < 0.08
        assert all_floats_finite(score)


def test_auto_picks_the_lowest_score_which_on_a_trend_is_not_the_lagging_baseline(
    trend_280: tuple[FloatArray, DailySeries],
) -> None:
    _, history = trend_280
    result = forecast(history, 30, n_paths=200, seed=0)
    best = min(result.candidates, key=lambda s: s.score)
    assert result.model == best.model != "seasonal_naive"
    assert {c.model for c in result.candidates} == set(registry.MODELS)
    assert result.paths_tokens_per_day.shape == (200, 30)
    assert result.first_day == MONDAY + timedelta(days=280)
    assert result.warnings[0] == (
        "Only 280 days of history; the yearly pattern is not known and the uncertainty is wider."
    )
    failed = {c.model for c in result.candidates if c.failed}
    # Anything else is one sentence per model that failed here (SARIMAX's AR term runs into
    # its unit-root bound on a steady 1 %-a-day trend at the shortest origin).
    assert len(result.warnings) == 1 + len(failed)
    for name, sentence in zip(sorted(failed), sorted(result.warnings[1:]), strict=True):
        assert sentence.startswith(f"The {name} model could not be backtested")


def fake_evaluate(scores: dict[str, float]) -> Callable[..., Evaluation]:
    """Stands in for backtest.evaluate: the real fit, a made-up score (1.0 if not given)."""

    def run(
        history: DailySeries, cleaned: DailySeries, factory: Callable[[], Forecaster], *_: object
    ) -> Evaluation:
        model = factory()
        model.fit(cleaned)
        value = scores.get(model.name, 1.0)
        return Evaluation(BacktestScore(model.name, 2, {30: value}, {30: 0.8}, value), model)

    return run


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({"seasonal_naive": 0.2, "damped_ets": 0.1}, "damped_ets"),
        ({"seasonal_naive": 0.1, "damped_ets": 0.2}, "seasonal_naive"),
        ({"seasonal_naive": 0.15, "damped_ets": 0.15}, "seasonal_naive"),
    ],
)
@pytest.mark.parametrize("reverse_order", [False, True])
def test_selection_follows_the_scores_and_ties_go_to_seasonal_naive(
    monkeypatch: pytest.MonkeyPatch, scores: dict[str, float], expected: str, reverse_order: bool
) -> None:
    monkeypatch.setattr(select_module, "evaluate", fake_evaluate(scores))
    if reverse_order:  # the tie-break must not depend on the registry's order
        reordered = dict(reversed(list(registry.MODELS.items())))
        monkeypatch.setattr(select_module, "MODELS", reordered)
    assert forecast(flat(120, seed=4), 14, n_paths=20).model == expected


@pytest.mark.parametrize(
    ("single", "expected"),
    [
        (0.85, "ensemble"),  # 0.85 >= 0.8 x 1.0: not clearly better, the ensemble stays
        (0.80, "ensemble"),  # exactly at the margin: still the ensemble
        (0.79, "damped_ets"),  # clearly better than the ensemble
    ],
)
def test_a_single_model_must_clearly_beat_the_ensemble(single: float, expected: str) -> None:
    def score(model: str, value: float) -> BacktestScore:
        return BacktestScore(model, 3, {90: value}, {90: 0.8}, value)

    scores = [score("ensemble", 1.0), score("damped_ets", single), score("seasonal_naive", 2.0)]
    assert select_module.choose_model(scores) == expected
    assert select_module.choose_model(scores[1:]) == "damped_ets"


def test_same_seed_same_paths_other_seed_other_paths() -> None:
    history = flat(63, seed=5)
    first = forecast(history, 30, n_paths=100, seed=5)
    again = forecast(history, 30, n_paths=100, seed=5)
    other = forecast(history, 30, n_paths=100, seed=6)
    np.testing.assert_array_equal(first.paths_tokens_per_day, again.paths_tokens_per_day)
    assert first.candidates == again.candidates
    assert not np.array_equal(first.paths_tokens_per_day, other.paths_tokens_per_day)


def test_sixty_days_get_a_forecast_with_a_strong_warning() -> None:
    result = forecast(flat(60, seed=6), 90, n_paths=200)
    assert result.paths_tokens_per_day.shape == (200, 90)
    assert (result.paths_tokens_per_day >= 0).all()
    assert len(result.warnings) == 1
    assert "Only 60 days of history" in result.warnings[0]
    assert "much wider" in result.warnings[0]


def test_a_year_of_history_gets_no_history_warning() -> None:
    assert forecast(flat(371, seed=7), 14, n_paths=20, model="seasonal_naive").warnings == ()


def test_short_histories_are_widened_by_the_documented_factor() -> None:
    assert widening_factor(365) == 1.0
    assert widening_factor(800) == 1.0
    assert widening_factor(365 // 2 + 1) == pytest.approx(1.5, abs=0.01)
    assert widening_factor(0) == 2.0
    paths = np.array([[0.0, 10.0], [2.0, 30.0]])
    # Factor 2 around the daily means (1, 20): deviations (-1, -10), (1, 10) double, then clip.
    np.testing.assert_allclose(widen_for_short_history(paths, 0), [[0.0, 0.0], [3.0, 40.0]])


@pytest.mark.parametrize(
    ("tokens", "match"),
    [(np.full(10, 50.0), "10 days"), (np.zeros(100), "no usage recorded")],
)
def test_too_short_or_empty_history_is_refused(tokens: FloatArray, match: str) -> None:
    with pytest.raises(InsufficientHistoryError, match=match):
        forecast(DailySeries(MONDAY, tokens), 30)


def test_bad_arguments_are_refused() -> None:
    history = flat(60, seed=8)
    with pytest.raises(InvalidInputError, match="valid models"):
        forecast(history, 30, model="arima")
    with pytest.raises(InvalidInputError):
        forecast(history, 0)
    with pytest.raises(InvalidInputError):
        forecast(DailySeries(MONDAY, np.full(30, np.nan)), 10)


class Broken:
    name = "broken"

    def fit(self, history: DailySeries) -> None:
        raise RuntimeError("boom")

    def predict(self, horizon_days: int) -> FloatArray:
        raise RuntimeError("boom")

    def simulate(self, horizon_days: int, n_paths: int, rng: np.random.Generator) -> FloatArray:
        raise RuntimeError("boom")


class NaNPaths:
    name = "nan_paths"

    def fit(self, history: DailySeries) -> None:
        pass

    def predict(self, horizon_days: int) -> FloatArray:
        return np.full(horizon_days, np.nan)

    def simulate(self, horizon_days: int, n_paths: int, rng: np.random.Generator) -> FloatArray:
        return np.full((n_paths, horizon_days), np.nan)


def test_failing_models_are_reported_with_finite_scores_and_never_chosen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(registry.MODELS, "broken", Broken)
    monkeypatch.setitem(registry.MODELS, "nan_paths", NaNPaths)
    result = forecast(flat(100, seed=9), 30, n_paths=100)
    by_name = {c.model: c for c in result.candidates}
    assert result.model not in ("broken", "nan_paths")
    for name in ("broken", "nan_paths"):
        assert by_name[name].failed
        assert by_name[name].message
        assert any(name in w for w in result.warnings)
    for candidate in result.candidates:
        assert all_floats_finite(candidate)
        json.dumps(dataclasses.asdict(candidate), allow_nan=False)
    assert np.isfinite(result.paths_tokens_per_day).all()


def test_a_named_model_that_fails_is_replaced_by_seasonal_naive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(registry.MODELS, "nan_paths", NaNPaths)
    result = forecast(flat(100, seed=10), 30, n_paths=100, model="nan_paths")
    assert result.model == "seasonal_naive"
    assert [c.model for c in result.candidates] == ["nan_paths", "seasonal_naive"]
    assert any("replaced by seasonal_naive" in w for w in result.warnings)
    assert np.isfinite(result.paths_tokens_per_day).all()


def test_a_named_model_skips_selection_but_reports_its_score() -> None:
    result = forecast(flat(100, seed=11), 30, n_paths=50, model="seasonal_naive")
    assert result.model == "seasonal_naive"
    assert [c.model for c in result.candidates] == ["seasonal_naive"]
    assert result.candidates[0].n_origins == 1  # 100 days: one 30-day origin at day 70
