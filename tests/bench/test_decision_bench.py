"""The decision benchmark's own arithmetic, on a history whose answers are worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import numpy as np

from app.demo import DEMO_PRICE_BOOK
from app.services.pricing import price_book_from_body
from bench.decision.evaluate import DEMO_BOOK, SeriesRun, check_targets, pooled
from models.decision.backtest import run_backtest
from models.decision.strategies import Strategy
from models.forecasting.base import ForecastResult
from models.series import DailySeries


def last_level(history: DailySeries, horizon: int, n_paths: int, seed: int) -> ForecastResult:
    paths = np.full((n_paths, horizon), history.tokens_per_day[-1])
    return ForecastResult("last_level", history.end + timedelta(days=1), paths, seed)


def test_the_benchmark_uses_the_demo_price_book() -> None:
    assert price_book_from_body(DEMO_PRICE_BOOK) == DEMO_BOOK


def test_pooled_totals_and_targets_by_hand() -> None:
    # 400 a day in 2021, 440 after: last year's (and the stand-in recommendation) buys 146,000
    # for 2022 and runs short 34 days; + 20 % wastes 14,600 then 32,200 tokens.
    history = DailySeries(
        date(2021, 1, 1), np.concatenate([np.full(365, 400.0), np.full(730, 440.0)])
    )
    dates = [date(2022, 1, 1), date(2023, 1, 1)]
    # The hand figures price a run-out as its tokens at the top-up price: no lead time.
    book = replace(DEMO_BOOK, top_up_lead_days=0, blocked_day_cost=Decimal(0))
    run = SeriesRun("step", "demo", run_backtest(history, book, dates, forecast_fn=last_level))
    twice = [run, SeriesRun("step again", "demo", run.result)]
    plus = pooled(twice, Strategy.LAST_YEAR_PLUS_20)
    assert (plus.purchases, plus.wasted_tokens) == (4, 2 * 46_800)
    assert plus.perfect_spent == 4 * Decimal("457710.00")
    waste, regret, blocked = check_targets(twice)
    assert waste.passed and "100.0% lower" in waste.numbers
    assert regret.passed and "0.24 %" in regret.numbers  # 2 x 2,190 / (4 x 457,710)
    assert not blocked.passed and blocked.numbers == "68 vs 68 days"
