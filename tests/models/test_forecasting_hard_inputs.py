"""The hard inputs real exports contain, each on a small synthetic history whose right answer is
known by construction. Each test fails when the repair it checks is switched off."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import numpy as np
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

from models.errors import InsufficientHistoryError, InvalidInputError
from models.forecasting import MODELS, forecast
from models.forecasting import sarimax as sarimax_module
from models.forecasting.base import FloatArray, ForecastResult
from models.series import DailySeries

PATTERN = np.array([100.0, 120.0, 110.0, 105.0, 90.0, 0.0, 0.0])  # Monday..Sunday
WEEKDAY_MEAN = float(PATTERN[:5].mean())
MONDAY = date(2024, 1, 1)


def office(n_days: int, seed: int, level: FloatArray | None = None) -> FloatArray:
    """The weekly pattern with 10 % multiplicative noise, closed at weekends."""
    rng = np.random.default_rng(seed)
    base = PATTERN[np.arange(n_days) % 7] * (1.0 if level is None else level)
    noisy: FloatArray = np.maximum(base * rng.normal(1.0, 0.1, n_days), 0.0)
    return noisy


def totals(result: ForecastResult, days: int) -> FloatArray:
    sums: FloatArray = result.paths_tokens_per_day[:, :days].sum(axis=1)
    return sums


def spread_80(result: ForecastResult, days: int) -> float:
    low, high = np.quantile(totals(result, days), [0.1, 0.9])
    return float(high - low)


@pytest.mark.parametrize("model", ["auto", *MODELS])
def test_closed_weekends_stay_near_zero_and_no_path_goes_below_zero(model: str) -> None:
    # Weekday noise of 10 tokens a day: models with additive errors on the token scale spread it
    # onto the closed weekend, where clipping at zero turns it into several tokens a day.
    result = forecast(DailySeries(MONDAY, office(182, seed=9)), 91, n_paths=500, model=model)
    paths = result.paths_tokens_per_day
    weekend = np.arange(91) % 7 >= 5  # history ends on a Sunday: day 0 is a Monday
    assert (paths >= 0.0).all()
    assert paths[:, weekend].mean() < 0.5
    assert np.quantile(paths[:, weekend], 0.99) <= 2.0


def test_public_holidays_at_zero_stay_near_zero() -> None:
    y = office(371, seed=1)
    start = MONDAY
    us = holidays.country_holidays("US", years=[2024, 2025])
    dates = [start + timedelta(days=i) for i in range(371)]
    y[[i for i, d in enumerate(dates) if d in us]] = 0.0
    result = forecast(DailySeries(start, y), 120, n_paths=500, model="prophet", country="US")
    paths = result.paths_tokens_per_day
    first = result.first_day
    future = [first + timedelta(days=j) for j in range(120)]
    weekend = np.array([d.weekday() >= 5 for d in future])
    holiday = np.array([d in us and d.weekday() < 5 for d in future])
    assert holiday.sum() >= 2  # Memorial Day and Juneteenth 2025 (and more) fall in the window
    assert (paths >= 0.0).all()
    assert paths[:, weekend].mean() < 0.5
    # A holiday weekday is forecast like the zero it always was, not like a normal weekday.
    assert paths[:, holiday].mean() < 0.05 * WEEKDAY_MEAN
    assert paths[:, ~weekend & ~holiday].mean() == pytest.approx(WEEKDAY_MEAN, rel=0.1)


@pytest.mark.parametrize("model", ["seasonal_naive", "damped_ets", "sarimax"])
def test_a_single_day_fifty_times_the_usual_does_not_blow_up_the_spread_of_the_total(
    model: str,
) -> None:
    # Each model by name: the automatic choice may pick different models for the two
    # histories, and their spreads differ for reasons that have nothing to do with the spike.
    y = office(364, seed=2)
    spiked = y.copy()
    spiked[200] = 50 * PATTERN[200 % 7]
    calm = forecast(DailySeries(MONDAY, y), 365, n_paths=1000, model=model)
    wild = forecast(DailySeries(MONDAY, spiked), 365, n_paths=1000, model=model)
    assert spread_80(wild, 365) <= 1.3 * spread_80(calm, 365)
    assert np.median(totals(wild, 365)) == pytest.approx(np.median(totals(calm, 365)), rel=0.05)
    assert any("capped" in w for w in wild.warnings)


def test_a_lasting_level_shift_near_the_end_is_followed_not_averaged_away() -> None:
    level = np.ones(364)
    level[-42:] = 0.4  # the last six weeks at 40 % of the old level: a team left
    result = forecast(DailySeries(MONDAY, office(364, 3, level)), 90, n_paths=1000)
    new_level_total = 0.4 * PATTERN.sum() / 7 * 90
    assert np.median(totals(result, 90)) == pytest.approx(new_level_total, rel=0.1)
    assert any("changed level" in w for w in result.warnings)


@pytest.mark.parametrize("model", ["seasonal_naive", "damped_ets", "sarimax"])
def test_sixty_days_get_a_warning_and_a_wider_spread_than_a_year(model: str) -> None:
    # The same process seen for 60 days instead of a year: the models alone give the short
    # history a spread no wider (or narrower: fewer odd weeks seen), so only the short-history
    # widening makes it wider, by well over 15 % for every model.
    y = office(364, seed=4)
    year = forecast(DailySeries(MONDAY, y), 90, n_paths=1000, model=model)
    short = forecast(DailySeries(MONDAY, y[-60:]), 90, n_paths=1000, model=model)
    assert any("Only 60 days of history" in w for w in short.warnings)
    relative = [spread_80(r, 90) / np.median(totals(r, 90)) for r in (year, short)]
    assert relative[1] > 1.15 * relative[0]


def test_ten_days_are_refused_with_a_reason() -> None:
    with pytest.raises(InsufficientHistoryError, match="two full weeks"):
        forecast(DailySeries(MONDAY, office(10, seed=5)), 30)


def test_a_constant_history_gets_a_forecast_with_an_honest_nonzero_spread() -> None:
    result = forecast(DailySeries(MONDAY, np.full(120, 50.0)), 365, n_paths=1000)
    year = totals(result, 365)
    assert np.isfinite(result.paths_tokens_per_day).all()
    assert np.median(year) == pytest.approx(50.0 * 365, rel=0.05)
    low, high = np.quantile(year, [0.1, 0.9])
    # The assumed 20 %-a-year level uncertainty makes the year's total vary by roughly +-10 %.
    assert high - low > 0.1 * 50.0 * 365
    assert any("exactly 50 tokens" in w for w in result.warnings)


def test_an_all_zero_history_is_refused_with_a_reason() -> None:
    with pytest.raises(InsufficientHistoryError, match="no usage recorded"):
        forecast(DailySeries(MONDAY, np.zeros(200)), 30)


def test_an_unknown_country_is_the_callers_error() -> None:
    with pytest.raises(InvalidInputError, match="unknown country"):
        forecast(DailySeries(MONDAY, office(60, seed=6)), 30, country="Atlantis")


class _Stuck:
    success = False
    message = "ABNORMAL_TERMINATION_IN_LNSRCH"


def test_sarimax_and_ets_that_do_not_converge_fall_back_with_a_sentence(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    recwarn: pytest.WarningsRecorder,
) -> None:
    def stuck(*_: object, **__: object) -> _Stuck:
        return _Stuck()

    def singular(*_: object, **__: object) -> None:
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(sarimax_module, "minimize", stuck)
    monkeypatch.setattr(ETSModel, "fit", singular)
    history = DailySeries(MONDAY, office(120, seed=7))
    for name in ("sarimax", "damped_ets"):
        result = forecast(history, 30, n_paths=100, model=name)
        assert result.model == "seasonal_naive"
        assert any(f"The {name} model failed" in w and "replaced by" in w for w in result.warnings)
        assert np.isfinite(result.paths_tokens_per_day).all()
    chosen = forecast(history, 30, n_paths=100)
    by_name = {c.model: c for c in chosen.candidates}
    assert by_name["sarimax"].failed and "did not converge" in by_name["sarimax"].message
    assert by_name["damped_ets"].failed
    assert chosen.model not in ("sarimax", "damped_ets")
    assert len(recwarn) == 0
    assert capsys.readouterr() == ("", "")


def test_a_prophet_fit_prints_nothing_and_warns_nothing(
    capsys: pytest.CaptureFixture[str], recwarn: pytest.WarningsRecorder
) -> None:
    result = forecast(DailySeries(MONDAY, office(120, seed=8)), 30, n_paths=50, model="prophet")
    assert result.model == "prophet"
    assert len(recwarn) == 0
    assert capsys.readouterr() == ("", "")


def test_a_long_run_without_use_inside_the_history_is_named() -> None:
    y = office(728, seed=9)
    y[200:300] = 0.0  # a hundred days without use; the weekend before may widen the run
    used = np.flatnonzero(y > 0)
    before, after = used[used < 200].max(), used[used >= 300].min()
    first, last = MONDAY + timedelta(days=int(before) + 1), MONDAY + timedelta(days=int(after) - 1)
    result = forecast(DailySeries(MONDAY, y), 30, n_paths=200, model="seasonal_naive")
    gap = [w for w in result.warnings if "No usage at all" in w]
    assert len(gap) == 1
    assert f"for {int(after - before - 1):,} days, {first} to {last}:" in gap[0]
    # Weekends and a fortnight's holiday are not gaps.
    y[400:414] = 0.0
    y[200:300] = office(728, seed=9)[200:300]
    plain = forecast(DailySeries(MONDAY, y), 30, n_paths=200, model="seasonal_naive")
    assert not [w for w in plain.warnings if "No usage at all" in w]
