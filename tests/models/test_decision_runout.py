"""Running out with a lead time: costs worked out by hand, and a day-by-day simulation.

`simulate` is the independent reference: it walks one path a day at a time with a balance, an
emergency order in transit and its landing day, for many pack sizes at once. The optimizer's
tables (`models.decision.runout`) must agree with it.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from models.decision import decide
from models.decision.runout import RunoutTable, count_below, first_over
from models.decision.types import Decision, Objective, OptionEvaluation, PriceBook, Tier, TierKind

D0 = date(2025, 1, 1)


def book(
    *,
    top_up: str = "3.00",
    lead: int = 0,
    blocked: str = "0",
    block: int = 0,
    tiers: tuple[tuple[int, str], ...] = ((100, "3.00"),),
    validity: int = 365,
) -> PriceBook:
    return PriceBook(
        "USD",
        100,
        100,
        validity,
        TierKind.ALL_UNITS,
        tuple(Tier(m, Decimal(p)) for m, p in tiers),
        Decimal(top_up),
        top_up_lead_days=lead,
        blocked_day_cost=Decimal(blocked),
        top_up_block_tokens=block,
    )


def rate_block(daily: np.ndarray, day: int, lead: int, minimum: int, increment: int) -> float:
    """The emergency purchase after a run-out on `day`: the last 28 days' tokens (the run-out day
    included) x (days left after it lands x 6) / (window days x 5), as a valid purchase."""
    start = max(0, day - 27)
    tokens = float(daily[start : day + 1].sum())
    remaining = len(daily) - day - lead
    wanted = tokens * (remaining * 6.0 / ((day - start + 1) * 5.0))
    return float(minimum if wanted <= minimum else math.ceil(wanted / increment) * increment)


def simulate(
    daily: np.ndarray, quantities: np.ndarray, pb: PriceBook
) -> tuple[np.ndarray, np.ndarray]:
    """Emergency tokens bought and blocked days on one path (n,) for each pack size (K,)."""
    lead = pb.top_up_lead_days
    pack = np.asarray(quantities, dtype=np.float64).copy()
    left = np.zeros_like(pack)  # what is left of the emergency purchase in use
    lands = np.full(pack.size, -1)  # the day the emergency purchase on order lands; -1: none
    size = np.zeros_like(pack)
    bought, blocked = np.zeros_like(pack), np.zeros_like(pack)
    for day, demand in enumerate(np.asarray(daily, dtype=np.float64)):
        arrived = lands == day
        left[arrived], lands[arrived] = size[arrived], -1
        waiting = lands >= 0  # the demand is lost until the purchase lands
        blocked += waiting & (demand > 0)
        need = np.where(waiting, 0.0, demand)
        used = np.minimum(pack, need)
        pack -= used
        need -= used
        used = np.minimum(left, need)
        left -= used
        bought += used
        need -= used
        short = need > 0
        if lead == 0:
            bought += need
        elif short.any():
            blocked += short
            lands[short] = day + lead
            size[short] = pb.top_up_block_tokens or rate_block(
                daily, day, lead, pb.minimum_purchase, pb.pack_increment
            )
    return bought, blocked


def option(d: Decision, label: str) -> OptionEvaluation:
    return next(o for o in (d.chosen, *d.alternatives) if label in o.label)


def curve_cost(d: Decision, q: int) -> float:
    return float(d.curve.expected_cost[list(d.curve.quantities).index(q)])


FLAT_10 = np.full((1, 365), 10.0)


def test_a_lead_time_and_a_blocked_day_cost_buy_more() -> None:
    # 10/day for 365 days, list and top-up both 3.00: without a lead time every Q <= 3,600
    # costs 10,950 and the tie goes to the minimum, 100.
    plain = decide(FLAT_10, D0, [], book(), D0, last_year_consumption_tokens=None)
    assert plain.chosen.quantity == 100
    # Lead 7 days, 100 per blocked day. Q (a multiple of 100) runs out on day Q / 10.
    # Q = 3,600: out on day 360, days 360..364 blocked (5 x 100), the purchase would land on day
    # 367: 10,800 + 500 = 11,300. Q = 3,500: out on day 350, 350..356 blocked (700), 357..364
    # bought (80 x 3.00): 10,500 + 700 + 240 = 11,440. Q = 100: out on day 10, 7 blocked days,
    # then days 17..364 (3,480 tokens) bought: 300 + 700 + 10,440 = 11,440 (the purchase,
    # 110 x 348 x 6 / (11 x 5) = 4,176 -> 4,200 tokens, lasts to the end). Q = 3,700 never runs
    # out: 11,100, the answer.
    d = decide(FLAT_10, D0, [], book(lead=7, blocked="100"), D0, last_year_consumption_tokens=None)
    assert (d.chosen.quantity, d.chosen.expected_cost) == (3700, Decimal("11100.00"))
    assert curve_cost(d, 3600) == pytest.approx(11300.0)
    assert curve_cost(d, 3500) == pytest.approx(11440.0)
    assert curve_cost(d, 100) == pytest.approx(11440.0)
    assert d.chosen.expected_blocked_days == 0.0


def test_a_lead_time_without_a_blocked_day_cost_buys_less() -> None:
    # Lead 7, no cost per blocked day: the blocked demand is neither served nor paid for, so a
    # run-out saves 7 days of top-ups. Q <= 3,580 costs 3 Q + 3 x 10 x (358 - Q / 10) = 10,740;
    # 3,600 costs 10,800. The tie goes to 100, and 10,740 < 10,950 without the lead time.
    d = decide(FLAT_10, D0, [], book(lead=7), D0, last_year_consumption_tokens=3000.0)
    assert (d.chosen.quantity, d.chosen.expected_cost) == (100, Decimal("10740.00"))
    assert d.chosen.expected_blocked_days == 7.0
    assert d.chosen.expected_blocked_cost == Decimal("0.00")
    assert d.chosen.expected_top_up_cost == Decimal("10440.00")  # 3,480 tokens
    # 3,650 demanded, 3,580 served by the pack and top-ups: 10,740 / 3,580 = 3.0000
    assert d.chosen.cost_per_token_consumed == Decimal("3.0000")


def test_a_fixed_emergency_block_runs_out_again() -> None:
    # Q = 3,000 at 10/day, lead 7, 200-token emergency purchases, top-up 3.30, 100 per day.
    # Out on day 300: 300..306 blocked; lands day 307 and covers 3,070 + 200: out on day 327,
    # 327..333 blocked; lands 334, covers 3,340 + 200: out on day 354, 354..360 blocked; lands
    # 361 and serves 361..364 (40 tokens). 21 blocked days, 440 tokens bought:
    # 9,000 + 440 x 3.30 + 21 x 100 = 9,000 + 1,452 + 2,100 = 12,552.
    pb = book(top_up="3.30", lead=7, blocked="100", block=200)
    d = decide(FLAT_10, D0, [], pb, D0, last_year_consumption_tokens=3000.0)
    o = option(d, "last year's consumption")
    assert o.quantity == 3000
    assert o.expected_blocked_days == 21.0
    assert o.expected_top_up_cost == Decimal("1452.00")
    assert o.expected_blocked_cost == Decimal("2100.00")
    assert o.expected_cost == Decimal("12552.00")
    assert o.expected_shortfall_tokens == 650.0  # 440 bought + 210 blocked
    bought, blocked = simulate(FLAT_10[0], np.array([3000]), pb)
    assert (bought[0], blocked[0]) == (440.0, 21.0)


def test_lead_zero_is_the_closed_form_whatever_the_blocked_day_cost() -> None:
    rng = np.random.default_rng(5)
    paths = rng.poisson(rng.uniform(5, 15, size=(300, 1)) * np.ones((1, 365))).astype(float)
    pb = book(top_up="3.40", tiers=((100, "3.00"), (3000, "2.90")))
    for objective in Objective:
        base = decide(
            paths, D0, [], pb, D0, last_year_consumption_tokens=3500.0, objective=objective
        )
        again = decide(
            paths,
            D0,
            [],
            dataclasses.replace(pb, blocked_day_cost=Decimal("500"), top_up_block_tokens=300),
            D0,
            last_year_consumption_tokens=3500.0,
            objective=objective,
        )
        assert (again.chosen, again.alternatives) == (base.chosen, base.alternatives)
        assert np.array_equal(again.curve.expected_cost, base.curve.expected_cost)
        assert base.chosen.expected_blocked_days == 0.0
        assert base.chosen.expected_blocked_cost == Decimal("0.00")


@pytest.mark.parametrize("block", [0, 150])
def test_the_tables_agree_with_a_day_by_day_simulation(block: int) -> None:
    rng = np.random.default_rng(9)
    level = rng.uniform(3, 20, size=(40, 1))
    daily = rng.poisson(level * (rng.random((40, 60)) < 0.7)).astype(np.float64)
    pb = book(top_up="3.30", lead=5, blocked="40", block=block, validity=60)
    table = RunoutTable.build(daily, pb)
    quantities = np.arange(100, 1300, 100)
    assert table.cost is not None
    costs = table.path_costs(quantities)
    for s in range(daily.shape[0]):
        bought, blocked = simulate(daily[s], quantities, pb)
        assert costs[s] == pytest.approx(3.3 * bought + 40.0 * blocked)
    expected = np.mean(
        [3.3 * b + 40.0 * k for b, k in (simulate(p, quantities, pb) for p in daily)], axis=0
    )
    assert table.expected_costs(quantities) == pytest.approx(expected)


def test_cvar_with_a_lead_time_by_hand() -> None:
    # Two paths over 10 days, 100/day (A) and 300/day (B); lead 3, 1,000 per blocked day, top-up
    # 4.50, list 3.00. On B a pack of Q runs out on day d = floor(Q / 300). For d <= 6 the
    # purchase lands on day d + 3 and serves the 7 - d days left (it is 1.2 times that: B's rate
    # is steady), so B costs 3 Q + 3,000 + 1,350 (7 - d); for d >= 7 it would land after day 9
    # and days d..9 are blocked: 3 Q + 1,000 (10 - d). B is the dearer path for every Q, so the
    # CVaR at 0.5 is B's cost: 2,100 -> 9,300, 2,400 -> 9,200, 2,700 -> 9,100, 3,000 -> 9,000
    # (no run-out), the answer.
    pb = book(top_up="4.50", lead=3, blocked="1000", validity=10)
    paths = np.outer([100.0, 300.0], np.ones(10))
    d = decide(
        paths, D0, [], pb, D0, last_year_consumption_tokens=900.0,
        objective=Objective.CVAR, cvar_alpha=0.5,
    )  # fmt: skip
    assert d.chosen.quantity == 3000
    assert d.chosen.expected_cost == Decimal("9000.00")
    # In expectation, Q = 1,200: A wastes 200 (3,600); B runs out on day 4, days 4..6 blocked,
    # 900 tokens bought: 3,600 + 3,000 + 4,050 = 10,650; mean 7,125. (Q = 1,000: B runs out on
    # day 3: (3,000 + 3,000 + 3,000 + 5,400) / 2 = 7,200; Q = 1,500: 7,350.)
    neutral = option(d, "risk-neutral")
    assert (neutral.quantity, neutral.expected_cost) == (1200, Decimal("7125.00"))
    # Q = 900: A runs out on day 9, blocked that day (1,000): 3,700; B out on day 3, 3 days
    # blocked, then 1,200 tokens (the purchase: 1,200 x (4 x 6) / (4 x 5) = 1,440 -> 1,500):
    # 2,700 + 3,000 + 5,400 = 11,100; mean 7,400.
    last = option(d, "last year's consumption")
    assert (last.quantity, last.expected_cost) == (900, Decimal("7400.00"))
    assert last.expected_blocked_days == 2.0  # (1 + 3) / 2


def test_first_over_and_count_below_against_brute_force() -> None:
    rng = np.random.default_rng(2)
    for n_days in (1, 2, 3, 7, 64, 365):
        cum = np.cumsum(rng.integers(0, 4, size=(30, n_days)).astype(float), axis=1)
        levels = rng.integers(-1, int(cum.max()) + 2, size=(30, 3)).astype(float)
        brute = (cum[:, :, None] <= levels[:, None, :]).sum(axis=1)
        assert np.array_equal(first_over(cum, levels), brute)
    grid = np.array([150, 200, 300, 350, 400])
    values = np.array([0.0, 149.9, 150.0, 150.5, 350.0, 399.99, 400.0, 400.01, 10_000.0])
    assert count_below(grid, values).tolist() == np.searchsorted(grid, values).tolist()


def test_bad_terms_are_refused() -> None:
    from models.decision import validate_price_book
    from models.errors import InvalidPriceBookError

    with pytest.raises(InvalidPriceBookError, match="top_up_lead_days must not be negative"):
        validate_price_book(book(lead=-1))
    with pytest.raises(InvalidPriceBookError, match="blocked_day_cost must be non-negative"):
        validate_price_book(book(blocked="-1"))
    with pytest.raises(InvalidPriceBookError, match="top_up_block_tokens must not be negative"):
        validate_price_book(book(block=-5))
