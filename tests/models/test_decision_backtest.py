"""The decision backtest on histories simple enough to work every number out by hand.

A stand-in forecaster (today's level, held flat) keeps these tests fast and exact; the real
forecaster runs in the API test.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from models.decision.backtest import (
    BacktestResult,
    BacktestRow,
    purchase_seed,
    run_backtest,
    shortened_plan,
    yearly_purchase_dates,
)
from models.decision.realisation import realise_period
from models.decision.strategies import Strategy
from models.decision.types import Pack, PriceBook, Tier, TierKind
from models.errors import InsufficientHistoryError
from models.forecasting.base import ForecastResult
from models.series import DailySeries

START = date(2021, 1, 1)
BOOK = PriceBook(
    "USD",
    100,
    100,
    365,
    TierKind.ALL_UNITS,
    (Tier(100, Decimal("3.00")), Tier(5000, Decimal("2.85"))),
    Decimal("3.00"),
)


class LastLevel:
    """Forecasts every day at the history's last day, on every path; records what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[date, int, int]] = []

    def __call__(
        self, history: DailySeries, horizon: int, n_paths: int, seed: int
    ) -> ForecastResult:
        self.calls.append((history.end, horizon, seed))
        paths = np.full((n_paths, horizon), history.tokens_per_day[-1])
        return ForecastResult("last_level", history.end + timedelta(days=1), paths, seed)


def step_history() -> DailySeries:
    """400 tokens a day in 2021, 440 a day in 2022 and 2023 (1,095 days)."""
    return DailySeries(START, np.concatenate([np.full(365, 400.0), np.full(730, 440.0)]))


def rows_of(result: BacktestResult, strategy: Strategy) -> list[BacktestRow]:
    return [r for r in result.rows if r.strategy == strategy]


def test_yearly_dates_need_a_year_before_and_a_life_after() -> None:
    dates = yearly_purchase_dates(step_history(), 365)
    assert dates == (date(2022, 1, 1), date(2023, 1, 1))
    with pytest.raises(InsufficientHistoryError, match="730 days in all; the history has 729"):
        yearly_purchase_dates(step_history().head(729), 365)


def test_step_up_in_demand_worked_by_hand() -> None:
    fake = LastLevel()
    result = run_backtest(
        step_history(),
        BOOK,
        [date(2022, 1, 1), date(2023, 1, 1)],
        n_paths=5,
        seed=7,
        forecast_fn=fake,
    )
    # The recommendation sees only the days before each date, and gets the date's own seed.
    assert fake.calls == [
        (date(2021, 12, 31), 365, purchase_seed(7, date(2022, 1, 1))),
        (date(2022, 12, 31), 365, purchase_seed(7, date(2023, 1, 1))),
    ]
    y1_last, y2_last = rows_of(result, Strategy.LAST_YEAR)
    # 2022 needs 365 x 440 = 160,600; last year's 146,000 at 2.85 runs out when 440 x k > 146,000,
    # k = 332 days in: day index 331 = 2022-11-28, 34 days on top-ups, 14,600 tokens at 3.00.
    assert (y1_last.quantity, y1_last.price) == (146_000, Decimal("416100.00"))
    assert y1_last.runout_date == date(2022, 11, 28) and y1_last.days_short == 34
    assert y1_last.top_up_tokens == 14_600 and y1_last.top_up_cost == Decimal("43800.00")
    assert y1_last.spent == Decimal("459900.00") and y1_last.blocked_cost == 0
    # Without a lead time, the blocked days are the days that needed an emergency purchase.
    assert y1_last.blocked_days == 34
    # Perfect foresight buys exactly 160,600 at 2.85 = 457,710.00: regret 0.15 per missing token.
    y1_perfect = rows_of(result, Strategy.PERFECT_FORESIGHT)[0]
    assert (y1_perfect.quantity, y1_perfect.spent) == (160_600, Decimal("457710.00"))
    assert y1_last.regret == Decimal("2190.00")
    # In 2023 last year's is 2022's 160,600, exactly right.
    assert (y2_last.quantity, y2_last.regret, y2_last.wasted_tokens) == (160_600, Decimal(0), 0)
    # + 20 %: 175,200 then 192,720 -> 192,800; waste 14,600 and 32,200.
    plus = rows_of(result, Strategy.LAST_YEAR_PLUS_20)
    assert [r.quantity for r in plus] == [175_200, 192_800]
    assert [r.wasted_tokens for r in plus] == [14_600, 32_200]
    assert plus[0].regret == Decimal("499320.00") - Decimal("457710.00")
    # The stand-in forecast of a flat 400 then 440 makes the recommendation last year's.
    assert [r.quantity for r in rows_of(result, Strategy.RECOMMENDATION)] == [146_000, 160_600]


def test_summary_totals_match_the_rows() -> None:
    result = run_backtest(
        step_history(), BOOK, yearly_purchase_dates(step_history(), 365), forecast_fn=LastLevel()
    )
    by = {s.strategy: s for s in result.summaries}
    plus = by[Strategy.LAST_YEAR_PLUS_20]
    assert plus.purchased_tokens == 175_200 + 192_800
    assert plus.total_wasted_tokens == 46_800
    assert plus.waste_pct == pytest.approx(100 * 46_800 / 368_000)
    assert plus.total_spent == Decimal("499320.00") + Decimal("549480.00")
    perfect_cost = 2 * Decimal("457710.00")
    assert by[Strategy.PERFECT_FORESIGHT].total_spent == perfect_cost
    assert by[Strategy.LAST_YEAR].regret_pct == pytest.approx(100 * 2190 / float(perfect_cost))
    assert by[Strategy.LAST_YEAR].total_blocked_days == 34
    assert by[Strategy.PERFECT_FORESIGHT].total_regret == 0
    for row in result.rows:
        assert row.spent == row.price + row.top_up_cost + row.blocked_cost


def test_lead_time_blocks_work_until_the_emergency_purchase_lands() -> None:
    book = replace(BOOK, top_up_lead_days=7, blocked_day_cost=Decimal("500"))
    result = run_backtest(step_history(), book, [date(2022, 1, 1)], forecast_fn=LastLevel())
    assert result.top_up_lead_days == 7
    last = rows_of(result, Strategy.LAST_YEAR)[0]
    # Run-out on day 331 (2022-11-28): days 331..337 wait for the top-up (7 blocked days, their
    # 80 + 6 x 440 tokens are lost). The top-up is sized from the last 28 days' burn, 440 x 27
    # days left x 1.2 -> 14,300, and serves the last 27 days: 11,880 tokens at 3.00.
    assert last.blocked_days == 7 and last.days_short == 34
    assert last.top_up_tokens == pytest.approx(11_880)
    assert last.top_up_cost == Decimal("35640.00") and last.blocked_cost == Decimal("3500.00")
    assert last.spent == Decimal("416100.00") + Decimal("35640.00") + Decimal("3500.00")
    perfect = rows_of(result, Strategy.PERFECT_FORESIGHT)[0]
    assert last.regret == last.spent - perfect.spent


def test_held_pack_is_used_first_and_only_the_new_pack_waste_is_counted() -> None:
    a = date(2024, 1, 1)
    demand = np.concatenate([np.full(100, 20.0), np.zeros(300)])
    history = DailySeries(a - timedelta(days=10), np.concatenate([np.zeros(10), demand]))
    held = Pack(a - timedelta(days=300), 5000, 2000.0, a + timedelta(days=50))
    new = Pack(a, 3000, 3000.0, a + timedelta(days=365))
    out = realise_period(history, new, [held], a + timedelta(days=60), BOOK)
    # The held pack serves the first 50 days (1,000 tokens) and forfeits its other 1,000; the new
    # pack serves days 50..99 (1,000), then nothing is used: it forfeits 2,000.
    assert out.wasted_tokens == 2000 and out.top_up_tokens == 0 and out.runout_date is None
    assert out.held_after == (Pack(a, 3000, 3000.0 - 10 * 20.0, a + timedelta(days=365)),)


def test_short_history_plan_cuts_the_life_to_the_data() -> None:
    history = DailySeries(START, np.full(364, 10.0))
    day, book = shortened_plan(history, BOOK)
    assert day == START + timedelta(days=182) and book.validity_days == 182
    result = run_backtest(history, book, [day], forecast_fn=LastLevel())
    last = rows_of(result, Strategy.LAST_YEAR)[0]
    # The 182 days before, scaled to a 182-day life: 1,820 tokens -> 1,900; 80 wasted.
    assert (last.quantity, last.wasted_tokens, last.scored_days) == (1900, 80, 182)


def test_overlapping_purchases_count_what_each_strategy_still_holds() -> None:
    history = DailySeries(START, np.full(930, 100.0))
    first, second = START + timedelta(days=365), START + timedelta(days=565)
    result = run_backtest(history, BOOK, [second, first], forecast_fn=LastLevel())
    assert result.purchase_dates == (first, second)
    # Last year's buys 36,500 twice: the first pack has 16,500 left on the second date, used
    # up exactly by its expiry 165 days later; the second then serves 200 days (20,000) and
    # forfeits 16,500.
    last = rows_of(result, Strategy.LAST_YEAR)
    assert [(r.quantity, r.scored_days, r.wasted_tokens) for r in last] == [
        (36_500, 200, 0),
        (36_500, 365, 16_500),
    ]
    # Perfect foresight and the recommendation (whose stand-in forecast is exact here) count
    # the 16,500 still held and buy only 20,000 the second time.
    for strategy in (Strategy.PERFECT_FORESIGHT, Strategy.RECOMMENDATION):
        assert [r.quantity for r in rows_of(result, strategy)] == [36_500, 20_000]
    assert last[1].regret == Decimal("47025.00")  # 16,500 x 2.85
