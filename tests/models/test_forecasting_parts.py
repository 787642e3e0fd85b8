"""The pieces behind the forecast, each checked against a hand calculation or another method:
cleaning, calibration, the ensemble's pairing, the SARIMA recursion and Prophet's trend draws."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.statespace.sarimax import SARIMAX

from models.forecasting.calibration import (
    calibrated_coverage,
    interval_distances,
    spread_factor,
)
from models.forecasting.cleaning import cap_spikes, clean_history, find_level_shift
from models.forecasting.ensemble import combine_paths
from models.forecasting.paths import FloatArray, scale_total_spread
from models.forecasting.prophet_model import ProphetModel
from models.forecasting.sarimax import Sarimax
from models.series import DailySeries

PATTERN = np.array([100.0, 120.0, 110.0, 105.0, 90.0, 0.0, 0.0])
MONDAY = date(2025, 1, 6)


def weeks(n_weeks: int) -> FloatArray:
    tiled: FloatArray = np.tile(PATTERN, n_weeks)
    return tiled


def test_a_spike_is_capped_at_the_weekday_level_plus_six_robust_sds_and_zeros_are_kept() -> None:
    y = weeks(10)
    y[30] = 5000.0  # a Wednesday (pattern 110)
    y[28] = 0.0  # a Monday holiday: below its weekday's level, never touched
    capped, n = cap_spikes(y)
    # Every other day equals its weekday's median, so the MAD is 0 and the sd floor of 1 (square
    # root tokens) applies: the cap is (sqrt(110) + 6)^2.
    assert n == 1
    assert capped[30] == pytest.approx((np.sqrt(110.0) + 6.0) ** 2)
    assert capped[28] == 0.0
    np.testing.assert_array_equal(np.delete(capped, 30), np.delete(y, 30))


def test_a_step_down_six_weeks_before_the_end_is_found_and_the_past_rescaled() -> None:
    y = np.concatenate([weeks(20), 0.4 * weeks(6)])
    index, factor = find_level_shift(y)
    assert index == 20 * 7
    # Weekly totals 525 then 210, each the same every week: the factor is exp of the step in
    # log(total + 7), i.e. (210 + 7) / (525 + 7).
    assert factor == pytest.approx((210.0 + 7.0) / (525.0 + 7.0))
    cleaned = clean_history(DailySeries(MONDAY, y))
    assert cleaned.level_shift is not None
    assert cleaned.level_shift.first_day == MONDAY + timedelta(days=140)
    np.testing.assert_allclose(cleaned.series.tokens_per_day[:140], y[:140] * factor)
    np.testing.assert_array_equal(cleaned.series.tokens_per_day[140:], y[140:])


def test_a_steady_trend_is_not_mistaken_for_a_step() -> None:
    growth = np.repeat(1.0 + 0.04 * np.arange(26), 7)  # +4 % of the start every week
    index, factor = find_level_shift(weeks(26) * growth)
    assert index is None
    assert factor == 1.0


def test_the_ensemble_averages_paths_of_equal_rank() -> None:
    a = np.array([[3.0, 3.0], [1.0, 1.0], [2.0, 2.0]])  # totals 6, 2, 4
    b = np.array([[10.0, 0.0], [30.0, 0.0], [20.0, 0.0]])  # totals 10, 30, 20
    combined = combine_paths([a, b], np.random.default_rng(0))
    by_total = combined[np.argsort(combined.sum(axis=1))]
    # Smallest with smallest: (1,1)+(10,0), then (2,2)+(20,0), then (3,3)+(30,0), halved.
    np.testing.assert_allclose(by_total, [[5.5, 0.5], [11.0, 1.0], [16.5, 1.5]])


def test_scaling_the_total_spread_keeps_the_mean_and_each_paths_shape() -> None:
    paths = np.array([[30.0, 60.0], [50.0, 50.0], [40.0, 70.0]])  # totals 90, 100, 110
    scaled = scale_total_spread(paths, 2.0)
    np.testing.assert_allclose(scaled.sum(axis=1), [80.0, 100.0, 120.0])
    np.testing.assert_allclose(scaled / paths, [[80 / 90] * 2, [1.0] * 2, [120 / 110] * 2])


def test_calibration_distances_factor_and_leave_one_out_coverage_by_hand() -> None:
    # One-day horizon, five origins, three paths 90/100/110: q10 = 92, median 100, q90 = 108,
    # so each realised value 100 + 8 d lies at distance d.
    distances_wanted = [0.5, 1.0, 1.5, 2.0, 3.0]
    tokens = np.zeros(10)
    plan = {1: [5, 6, 7, 8, 9]}
    for origin, d in zip(plan[1], distances_wanted, strict=True):
        tokens[origin] = 100.0 + 8.0 * d
    runs = {origin: np.array([[90.0], [100.0], [110.0]]) for origin in plan[1]}
    distances = interval_distances(DailySeries(MONDAY, tokens), plan, runs)
    assert [distances[(1, o)] for o in plan[1]] == pytest.approx(distances_wanted)
    # 80th percentile of (0.5, 1, 1.5, 2, 3) by linear interpolation: 2 + 0.2 * 1.
    assert spread_factor(distances) == pytest.approx(2.2)
    # Leaving each out, the others' factor is 2.4, 2.4, 2.4, 2.1 and 1.7: only the 3 misses.
    assert calibrated_coverage(distances) == {1: pytest.approx(0.8)}


def test_the_sarima_recursion_matches_statsmodels_state_space_forecast() -> None:
    rng = np.random.default_rng(12)
    level = np.exp(np.cumsum(rng.normal(0.0, 0.01, 280)))
    y = PATTERN[np.arange(280) % 7] * level * rng.normal(1.0, 0.05, 280) + 5.0
    model = Sarimax()
    model.fit(DailySeries(MONDAY, y))
    params = model._fitted()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exact = SARIMAX(np.sqrt(y), order=(1, 0, 1), seasonal_order=(0, 1, 1, 7)).smooth(params)
        forecast = exact.get_forecast(28)
    root_mean = np.asarray(forecast.predicted_mean)
    root_var = np.asarray(forecast.var_pred_mean)
    # The same parameters through the Kalman filter: E[y] = mean^2 + variance on the root scale.
    np.testing.assert_allclose(model.predict(28), root_mean**2 + root_var, rtol=0.02)


def test_prophet_trend_draws_have_prophets_own_spread() -> None:
    rng = np.random.default_rng(3)
    n = 400
    trend = np.concatenate([np.linspace(100, 160, 200), np.linspace(160, 110, 200)])
    y = trend * PATTERN[np.arange(n) % 7] / 100 * rng.normal(1.0, 0.05, n) + 1.0
    model = ProphetModel()
    model.fit(DailySeries(MONDAY, y))
    ours = model._trend_changes(90, 20000, np.random.default_rng(4))
    prophet = model._fitted()
    future = prophet.setup_dataframe(
        pd.DataFrame({"ds": pd.date_range(pd.Timestamp(MONDAY) + pd.Timedelta(days=n), periods=90)})
    )
    np.random.seed(5)  # Prophet's own sampler draws from numpy's global state
    theirs = prophet._sample_uncertainty(future, 20000) * prophet.y_scale
    # Same process, a half-day apart in where a slope change starts to act.
    assert ours[:, -1].std() == pytest.approx(theirs[:, -1].std(), rel=0.08)
    assert ours[:, 44].std() == pytest.approx(theirs[:, 44].std(), rel=0.08)
