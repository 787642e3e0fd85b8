"""One contract every registered forecaster must meet, run over the whole registry."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from models.errors import DomainError, InvalidInputError
from models.forecasting import MODELS, make_model
from models.forecasting.base import Forecaster
from models.series import DailySeries

# Monday..Sunday tokens per day; the office is closed at weekends.
PATTERN = np.array([100.0, 120.0, 110.0, 105.0, 90.0, 0.0, 0.0])
MONDAY = date(2025, 1, 6)
N_DAYS = 112  # 16 whole weeks, so forecast day 0 is a Monday again


def weekly_series(n_days: int, noise_sd: float, seed: int) -> DailySeries:
    rng = np.random.default_rng(seed)
    base = PATTERN[np.arange(n_days) % 7]
    noise = rng.normal(0.0, noise_sd, n_days) * (base > 0)
    return DailySeries(MONDAY, np.maximum(base + noise, 0.0))


def wandering_series(n_days: int, seed: int) -> DailySeries:
    """Weekly pattern scaled by a level that follows a random walk (1.5 % a day)."""
    rng = np.random.default_rng(seed)
    level = np.exp(np.cumsum(rng.normal(0.0, 0.015, n_days)))
    noise = rng.normal(1.0, 0.03, n_days)
    return DailySeries(MONDAY, PATTERN[np.arange(n_days) % 7] * level * noise)


def fitted(name: str, history: DailySeries) -> Forecaster:
    model = make_model(name)
    model.fit(history)
    return model


@pytest.fixture(params=sorted(MODELS))
def model_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def clean() -> DailySeries:
    return weekly_series(N_DAYS, noise_sd=3.0, seed=1)


def test_shapes_are_as_documented_and_paths_never_negative(
    model_name: str, clean: DailySeries
) -> None:
    model = fitted(model_name, clean)
    paths = model.simulate(30, 64, np.random.default_rng(0))
    assert model.name == model_name
    assert paths.shape == (64, 30)
    assert paths.dtype == np.float64
    assert np.isfinite(paths).all()
    assert (paths >= 0.0).all()
    assert model.predict(30).shape == (30,)
    assert model.simulate(5, 1, np.random.default_rng(0)).shape == (1, 5)


def test_same_seed_gives_same_paths_and_another_seed_other_paths(
    model_name: str, clean: DailySeries
) -> None:
    first = fitted(model_name, clean).simulate(30, 50, np.random.default_rng(7))
    again = fitted(model_name, clean).simulate(30, 50, np.random.default_rng(7))
    other = fitted(model_name, clean).simulate(30, 50, np.random.default_rng(8))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_point_forecast_recovers_the_weekly_pattern_and_paths_centre_on_it(
    model_name: str, clean: DailySeries
) -> None:
    model = fitted(model_name, clean)
    predicted = model.predict(28)
    # The history ends on a Sunday, so the forecast repeats PATTERN from Monday; with noise of
    # 3 tokens a day any sound estimate of a weekday's level is within a few tokens.
    np.testing.assert_allclose(predicted, np.tile(PATTERN, 4), atol=6.0)
    paths = model.simulate(28, 2000, np.random.default_rng(3))
    # 2000 paths put the Monte Carlo error of each day's mean well under a token.
    np.testing.assert_allclose(paths.mean(axis=0), predicted, atol=3.0)


def test_closed_weekends_stay_closed(model_name: str, clean: DailySeries) -> None:
    paths = fitted(model_name, clean).simulate(91, 500, np.random.default_rng(4))
    weekend = np.isin(np.arange(91) % 7, [5, 6])
    assert paths[:, weekend].mean() < 0.5
    assert np.quantile(paths[:, weekend], 0.99) <= 1.0


def test_level_shocks_persist_across_days_and_spread_grows(model_name: str) -> None:
    if model_name == "prophet":
        # A known limit, kept visible rather than hidden: Prophet's MAP fit has no stochastic
        # level, its in-sample residuals show none (its trend absorbs the drift), and its trend
        # changes start from zero, so week 1 and week 6 are nearly independent. Backtest
        # coverage penalises the resulting narrow intervals in selection.
        pytest.xfail("prophet paths have no level persistence at a six-week lag")
    history = wandering_series(182, seed=5)
    paths = fitted(model_name, history).simulate(56, 1000, np.random.default_rng(6))
    week1 = paths[:, 0:5].sum(axis=1)
    week6 = paths[:, 35:40].sum(axis=1)
    # Independent days would give a correlation near 0 (sd about 0.03 with 1000 paths).
    assert np.corrcoef(week1, week6)[0, 1] > 0.2
    assert week6.std() > 1.2 * week1.std()


def test_a_fit_the_optimizer_gives_up_on_is_silent(
    model_name: str, capsys: pytest.CaptureFixture[str], recwarn: pytest.WarningsRecorder
) -> None:
    # Three identical weeks: statsmodels' ETS optimizer stops with a ConvergenceWarning here.
    history = DailySeries(MONDAY, np.tile(PATTERN, 3))
    try:
        model = fitted(model_name, history)
    except DomainError:
        pass
    else:
        assert np.isfinite(model.simulate(14, 10, np.random.default_rng(0))).all()
    assert len(recwarn) == 0
    assert capsys.readouterr() == ("", "")


def test_a_week_of_history_is_refused(model_name: str) -> None:
    with pytest.raises(DomainError):
        make_model(model_name).fit(weekly_series(7, 3.0, seed=2))


def test_every_call_makes_a_fresh_model(model_name: str) -> None:
    assert make_model(model_name) is not make_model(model_name)


def test_unknown_model_name_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidInputError) as excinfo:
        make_model("prophet-ish")
    for name in MODELS:
        assert name in str(excinfo.value)
