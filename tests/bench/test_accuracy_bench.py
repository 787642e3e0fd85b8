"""The accuracy benchmark's own arithmetic, on small synthetic inputs with hand-computed answers."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.accuracy.candidates import AUTO, PROPHET_DEFAULT, all_candidates
from bench.accuracy.data import daily_values, load_tokenflex, to_tokens
from bench.accuracy.evaluate import (
    Candidate,
    FloatArray,
    evaluate_series,
    plan_origins,
    score_total,
)
from bench.accuracy.run import read_notes
from bench.accuracy.summary import Summary, check_targets, summaries
from models.forecasting import MODELS
from models.series import DailySeries

# y[i] = i tokens on day i, 250 days: every window's total is an arithmetic series.
RAMP = DailySeries(date(2020, 1, 1), np.arange(250, dtype=np.float64))


def _constant(value: float, seen: list[int]) -> Candidate:
    def run(history: DailySeries, horizon: int, n_paths: int, seed: int) -> tuple[FloatArray, str]:
        seen.append(history.n_days)
        assert history.tokens_per_day[-1] == history.n_days - 1  # no day after the origin leaks
        return np.full((n_paths, horizon), value), "const"

    return Candidate("const", run)


def _failing(history: DailySeries, horizon: int, n_paths: int, seed: int) -> tuple[FloatArray, str]:
    raise ValueError("boom")


def test_plan_origins_every_90_days_while_90_days_remain() -> None:
    assert plan_origins(250, 50) == [50, 140]  # 230 would leave only 20 days
    assert plan_origins(250, 50, min_test_days=365) == []
    # 28 candidates (365, 455, ..., 2795) thinned to 4, evenly spread, ends kept
    assert plan_origins(2922, 365, max_origins=4) == [365, 1175, 1985, 2795]


def test_constant_paths_give_the_hand_computed_error_and_miss_the_interval() -> None:
    seen: list[int] = []
    results = evaluate_series("ramp", RAMP, [50, 140], [_constant(100.0, seen)], n_paths=5)
    assert seen == [50, 140]
    first, second = results
    # days 50..139 sum to (50 + 139) * 90 / 2 = 8505; the forecast total is 9000
    assert first.scores[90].ape == pytest.approx(495 / 8505)
    # days 140..229 sum to (140 + 229) * 90 / 2 = 16605
    assert second.scores[90].ape == pytest.approx((16605 - 9000) / 16605)
    assert not first.scores[90].covered and not second.scores[90].covered
    assert 365 not in first.scores  # the series ends before a 365-day window does
    assert first.last_history_day == date(2020, 2, 19)  # day 49


def test_interval_uses_the_10_and_90_percent_quantiles_of_totals() -> None:
    # path totals over 90 days: 720, 810, 990, 1080; mean 900. Linear quantiles:
    # q10 = 720 + 0.3 * 90 = 747, q90 = 990 + 0.7 * 90 = 1053
    paths = np.repeat(np.array([[8.0], [9.0], [11.0], [12.0]]), 90, axis=1)
    inside = score_total(paths, np.full(90, 10.0))  # realised 900
    assert inside.ape == 0.0 and inside.covered
    assert score_total(paths, np.full(90, 1060 / 90)).covered is False  # 1060 > 1053
    assert score_total(paths, np.full(90, 750 / 90)).covered is True  # 747 <= 750
    edge = score_total(paths, np.full(90, 8.0))  # realised 720 < 747
    assert edge.ape == pytest.approx(180 / 720) and not edge.covered


def test_failures_are_recorded_not_raised_and_summaries_skip_them() -> None:
    candidates = [_constant(100.0, []), Candidate("broken", _failing)]
    results = evaluate_series("ramp", RAMP, [50, 140], candidates, n_paths=3)
    broken = [r for r in results if r.candidate == "broken"]
    assert all(r.failed and r.message == "boom" and not r.scores for r in broken)
    items = {(s.series, s.candidate): s for s in summaries(results)}
    const = items[("ramp", "const")]
    assert const.scored == {90: 2, 365: 0}
    assert const.mean_ape[90] == pytest.approx((495 / 8505 + 7605 / 16605) / 2)
    assert const.coverage[90] == 0.0 and 365 not in const.mean_ape
    assert items[("ramp", "broken")].failed == 2 and items[("ramp", "broken")].scored[90] == 0
    assert items[("all", "const")].scored[90] == 2


def _summary(series: str, model: str, ape90: float, cov90: float, n: int = 10) -> Summary:
    return Summary(series, model, {90: n, 365: 0}, {90: ape90}, {90: cov90}, 0, 0.0, 0.0, Counter())


def test_targets_pass_and_fail_on_the_stated_rules() -> None:
    items = [
        _summary("a", "seasonal_naive", 0.20, 0.5),
        _summary("a", AUTO, 0.10, 0.8),
        _summary("a", PROPHET_DEFAULT, 0.30, 0.5),
        _summary("b", "seasonal_naive", 0.10, 0.5),
        _summary("b", AUTO, 0.12, 0.6),
        _summary("b", PROPHET_DEFAULT, 0.10, 0.5),
        _summary("all", AUTO, 0.11, 0.65, n=20),
    ]
    naive, prophet, coverage = check_targets(items)
    assert naive.passed is False  # series b: 12 % is not below 10 %
    assert prophet.passed is True  # mean of (10, 12) = 11 % < mean of (30, 10) = 20 %
    assert "11.0%" in prophet.detail and "20.0%" in prophet.detail
    assert coverage.passed is False and "13 of 20" in coverage.detail
    assert "5.0% below" in coverage.detail


def test_daily_values_interpolates_or_zero_fills_and_sorts() -> None:
    dates = pd.Series(["2021-01-04", "2021-01-01", "2021-01-02"])
    values = pd.Series([7.0, 1.0, 4.0])
    filled, missing = daily_values(dates, values, fill="interpolate")
    assert filled.start == date(2021, 1, 1) and missing == 1
    np.testing.assert_allclose(filled.tokens_per_day, [1.0, 4.0, 5.5, 7.0])
    zeros, _ = daily_values(dates, values, fill="zero")
    np.testing.assert_allclose(zeros.tokens_per_day, [1.0, 4.0, 0.0, 7.0])


def test_to_tokens_scales_the_first_year_to_400_a_day_and_rounds() -> None:
    # first 365 days at 2, then 3: scale 200, so 400 and 600 tokens
    raw = DailySeries(date(2020, 1, 1), np.r_[np.full(365, 2.0), np.full(10, 3.0)])
    tokens = to_tokens(raw).tokens_per_day
    assert tokens[:365].mean() == 400.0 and (tokens[365:] == 600.0).all()
    odd = to_tokens(DailySeries(date(2020, 1, 1), np.array([1.0, 2.0, 3.0]))).tokens_per_day
    np.testing.assert_array_equal(odd, [200.0, 400.0, 600.0])


def test_tokenflex_rows_sum_per_calendar_day_and_missing_days_are_zero(tmp_path: Path) -> None:
    header = '"contractYear","tokenPool","usageCategory","usageDate","productLineCode",'
    header += '"productName","tokensConsumed",\n'
    rows = [
        '1,"CY","DESKTOP_PRODUCT",2011-01-01 00:00:00,"ACD","AutoCAD",6.0,\n',
        '1,"CY","CLOUD_PRODUCT",2011-01-01 00:00:00,"F360","Fusion",4.5,\n',
        '1,"CY","DESKTOP_PRODUCT",2011-01-03 00:00:00,"RVT","Revit",10.0,\n',
    ]
    path = tmp_path / "export.csv"
    path.write_text(header + "".join(rows), encoding="utf-8")
    series, missing = load_tokenflex(path)
    assert series.start == date(2011, 1, 1) and missing == 1
    np.testing.assert_allclose(series.tokens_per_day, [10.5, 0.0, 10.0])


def test_candidates_follow_the_registry_then_auto_and_the_prophet_baseline() -> None:
    names = [c.name for c in all_candidates()]
    assert names == [*MODELS, AUTO, PROPHET_DEFAULT]
    assert [c.name for c in all_candidates(("seasonal_naive",))] == [
        "seasonal_naive",
        AUTO,
        PROPHET_DEFAULT,
    ]


def test_notes_are_shown_only_for_the_models_they_were_written_for(tmp_path: Path) -> None:
    notes = tmp_path / "NOTES.md"
    notes.write_text("<!-- models: a, b -->\nauto wins\n", encoding="utf-8")
    assert read_notes(notes, ("a", "b")) == "auto wins\n"
    stale = read_notes(notes, ("a", "b", "c"))
    assert "auto wins" not in stale and "written for other models (a, b)" in stale
    assert read_notes(tmp_path / "missing.md", ("a",)) == ""
