"""Timing strategies priced on deterministic paths, against sums worked out by hand.

Every case: demand 10 tokens/day for 365 days, so the cumulative demand after day j is 10 (j + 1)
and a balance of B tokens lasts until day B / 10; list price 3.00 from 100 tokens.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from models.decision import decide
from models.decision.runout import RunoutTable
from models.decision.timing import second_sizes, top_up_at_trigger, two_purchases
from models.decision.types import Objective, PriceBook, Tier, TierKind

D0 = date(2025, 1, 1)
FLAT_10 = np.full((1, 365), 10.0)


def book(*, top_up: str = "3.30", lead: int = 0, blocked: str = "0") -> PriceBook:
    return PriceBook(
        "USD",
        100,
        100,
        365,
        TierKind.ALL_UNITS,
        (Tier(100, Decimal("3.00")),),
        Decimal(top_up),
        top_up_lead_days=lead,
        blocked_day_cost=Decimal(blocked),
    )


def trigger(
    pb: PriceBook, daily: np.ndarray, first: int, at: float, more: int
) -> tuple[float, float, bool, float]:
    table = RunoutTable.build(daily, pb)
    out = top_up_at_trigger(
        table,
        (np.array([3.0 * first]), np.array([3.0 * more])),
        np.array([first]),
        np.array([at]),
        np.array([more]),
    )
    return (
        float(out.cost[0, 0]),
        float(out.waste_tokens[0, 0]),
        bool(out.ran_out[0, 0]),
        float(out.blocked_days[0, 0]),
    )


def split(
    pb: PriceBook, daily: np.ndarray, first: int, uplift: float
) -> tuple[float, float, float, bool, float]:
    table = RunoutTable.build(daily, pb)
    second = second_sizes(table, pb, np.array([first]), np.array([uplift]))
    out = two_purchases(table, np.array([first]), np.array([3.0 * first]), second, 3.0 * second)
    return (
        float(second[0, 0]),
        float(out.cost[0, 0]),
        float(out.waste_tokens[0, 0]),
        bool(out.ran_out[0, 0]),
        float(out.blocked_days[0, 0]),
    )


def test_a_trigger_top_up_by_hand() -> None:
    # 2,900 now; the balance falls below 70 on day 283 (2,900 - 2,840 = 60). With no lead time
    # the 900 more land at once: 3,800 tokens for 3,650 of demand. The 150 left over belong to
    # a purchase made on day 283, valid 283 days past the year; the second half burns 10/day,
    # so all 150 carry over, credited at 3.00: 8,700 + 2,700 - 450 = 10,950, nothing wasted.
    assert trigger(book(), FLAT_10, 2900, 70.0, 900) == (10950.0, 0.0, False, 0.0)
    # 700 more: 3,600 tokens, 50 bought in an emergency at 3.30: 8,700 + 2,100 + 165 = 10,965
    assert trigger(book(), FLAT_10, 2900, 70.0, 700) == pytest.approx((10965.0, 0.0, True, 0.0))


def test_a_trigger_too_low_for_the_lead_time_blocks_work() -> None:
    pb = book(lead=7, blocked="100")
    # Trigger 70: ordered on day 283, lands on day 290, the day 2,900 would run out: no gap.
    assert trigger(pb, FLAT_10, 2900, 70.0, 900) == (10950.0, 0.0, False, 0.0)
    # Trigger 30: ordered on day 287 (2,900 - 2,880 = 20 < 30), lands on day 294; 2,900 runs
    # out on day 290, so days 290..293 are blocked (4 x 100, 40 tokens lost). The 900 then
    # cover 2,940 + 900 = 3,840: 190 left, all carried (287 days x 10 >= 190).
    # 8,700 + 2,700 - 570 + 400 = 11,230.
    assert trigger(pb, FLAT_10, 2900, 30.0, 900) == (11230.0, 0.0, True, 4.0)


def test_two_purchases_by_hand() -> None:
    # 1,900 now; the second is ordered on day 182 (no lead time) from 1,820 seen in 182 days:
    # 10/day x 183 days left - (1,900 - 1,820) = 1,750 -> 1,800. 3,700 tokens, 50 left of a
    # purchase made on day 182 (valid 182 days past the year): carried, 5,700 + 5,400 - 150.
    assert split(book(), FLAT_10, 1900, 1.0) == (1800.0, 10950.0, 0.0, False, 0.0)
    # Uplift 1.25: 1.25 x 1,830 - 80 = 2,207.5 -> 2,300, 550 carried: 5,700 + 6,900 - 1,650.
    assert split(book(), FLAT_10, 1900, 1.25) == (2300.0, 10950.0, 0.0, False, 0.0)


def test_two_purchases_with_a_lead_time_and_an_early_run_out() -> None:
    # Lead 7: ordered on day 175 from 1,750 seen: 10 x 190 - 0 left = 1,900. 1,500 run out on
    # day 150; an emergency top-up lands on day 157 (150..156 blocked: 7 x 100) and serves to
    # day 181: 1,820 - 1,570 = 250 x 3.30 = 825. From day 182 the second pack covers
    # 1,820 + 1,900 = 3,720: 70 carried. 4,500 + 5,700 - 210 + 825 + 700 = 11,515.
    pb = book(lead=7, blocked="100")
    assert split(pb, FLAT_10, 1500, 1.0) == pytest.approx((1900.0, 11515.0, 0.0, True, 7.0))


def test_what_cannot_be_used_before_it_expires_is_waste() -> None:
    # Demand stops at mid-year: 10/day on days 0..181, then nothing. 1,900 now, 80 of them
    # forfeited; the second purchase (1,830 - 80 = 1,750 -> 1,800) is never used and the path
    # burns nothing after the year either: all 1,800 wasted. 5,700 + 5,400 = 11,100.
    daily = np.concatenate([np.full(182, 10.0), np.zeros(183)])[np.newaxis, :]
    assert split(book(), daily, 1900, 1.0) == (1800.0, 11100.0, 1880.0, False, 0.0)


def test_the_decision_compares_the_timings() -> None:
    # Top-up 3.30: the single purchase is 3,600 (10,800 + 50 x 3.30 = 10,965). Every trigger
    # setting on the grid reaches 3,700 (Q0 + B = 1,000 + 2,700, 1,900 + 1,800, 2,800 + 900) and
    # carries its 50 spare tokens over: 3 x 3,700 - 150 = 10,950; so does every split setting.
    # Ties go to the first setting and to the first strategy listed.
    d = decide(FLAT_10, D0, [], book(), D0, last_year_consumption_tokens=None)
    assert [(t.label, t.first_purchase_tokens, t.expected_cost) for t in d.timing] == [
        ("single purchase", 3600, Decimal("10965.00")),
        ("top up at a trigger", 1000, Decimal("10950.00")),
        ("two purchases", 1900, Decimal("10950.00")),
    ]
    assert [t.cvar_cost for t in d.timing] == [t.expected_cost for t in d.timing]
    assert d.timing[0].runout_probability == 1.0 and d.timing[1].runout_probability == 0.0
    assert d.timing[1].description == (
        "buy 1,000 tokens now; when the balance falls below 70, buy 2,700 more "
        "(usable 0 days after the order)"
    )
    assert str(D0 + timedelta(days=182)) in d.timing[2].description
    assert d.cheapest_timing_label == d.cheapest_timing_at_risk_label == "top up at a trigger"


def test_with_a_lead_time_the_single_purchase_buys_its_safety() -> None:
    # Lead 7, 100 per blocked day: the single purchase is 3,700 (11,100, see the run-out tests);
    # the trigger settings still land in time (trigger 10 x (7 + 7) = 140: ordered on day 86
    # for Q0 = 1,000, landing on day 93 < 100) and cost 10,950.
    d = decide(
        FLAT_10, D0, [], book(top_up="3.00", lead=7, blocked="100"), D0,
        last_year_consumption_tokens=None, objective=Objective.CVAR, cvar_alpha=0.9,
    )  # fmt: skip
    single, top_up, _ = d.timing
    assert (single.first_purchase_tokens, single.expected_cost) == (3700, Decimal("11100.00"))
    assert top_up.expected_cost == Decimal("10950.00")
    assert top_up.expected_blocked_days == 0.0 and top_up.cvar_alpha == 0.9
    assert d.cheapest_timing_label == "top up at a trigger"


def test_timing_can_be_left_out() -> None:
    d = decide(FLAT_10, D0, [], book(), D0, last_year_consumption_tokens=None, timing=False)
    assert d.timing == ()
    assert d.cheapest_timing_label is None and d.cheapest_timing_at_risk_label is None


def test_the_single_purchase_risk_is_priced_path_by_path() -> None:
    rng = np.random.default_rng(4)
    paths = rng.poisson(rng.lognormal(np.log(10.0), 0.3, size=(400, 1)) * np.ones((1, 365)))
    d = decide(
        paths.astype(np.float64), D0, [], book(), D0,
        last_year_consumption_tokens=None, cvar_alpha=0.9,
    )  # fmt: skip
    single = d.timing[0]
    assert single.expected_cost == d.chosen.expected_cost
    q = d.chosen.quantity
    cost = np.sort(3.0 * q + 3.3 * np.maximum(paths.sum(axis=1) - q, 0.0))
    assert float(single.cvar_cost) == pytest.approx(cost[-40:].mean(), abs=0.006)
    assert single.expected_waste_tokens == pytest.approx(d.chosen.expected_waste_tokens)
    for t in d.timing:
        assert isinstance(t.expected_cost, Decimal) and isinstance(t.cvar_cost, Decimal)
        assert t.cvar_cost >= t.expected_cost
        assert t.expected_waste_tokens >= 0 and t.expected_blocked_days == 0.0
