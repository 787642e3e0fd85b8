"""The purchase decision against costs worked out by hand and against brute force."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from models.decision import decide
from models.decision.types import (
    DateQuantiles,
    Decision,
    Objective,
    OptionEvaluation,
    Pack,
    PriceBook,
    Tier,
    TierKind,
)
from models.errors import InvalidInputError

D0 = date(2025, 1, 1)


def book(
    tiers: tuple[tuple[int, str], ...] = ((100, "3.00"),),
    *,
    top_up: str = "3.00",
    validity: int = 365,
    kind: TierKind = TierKind.ALL_UNITS,
    minimum: int = 100,
    increment: int = 100,
) -> PriceBook:
    return PriceBook(
        "USD",
        minimum,
        increment,
        validity,
        kind,
        tuple(Tier(m, Decimal(p)) for m, p in tiers),
        Decimal(top_up),
    )


def flat(per_day: list[float], n_days: int) -> np.ndarray:
    return np.outer(np.asarray(per_day, dtype=np.float64), np.ones(n_days))


def run(
    paths: np.ndarray,
    pb: PriceBook,
    *,
    packs: tuple[Pack, ...] = (),
    last_year: float | None = None,
    objective: Objective = Objective.EXPECTED_COST,
    cvar_alpha: float = 0.95,
    service_level: float = 0.95,
) -> Decision:
    return decide(
        paths,
        D0,
        list(packs),
        pb,
        D0,
        last_year_consumption_tokens=last_year,
        objective=objective,
        cvar_alpha=cvar_alpha,
        service_level=service_level,
    )


def curve_cost(d: Decision, q: int) -> float:
    return float(d.curve.expected_cost[list(d.curve.quantities).index(q)])


def option(d: Decision, label: str) -> OptionEvaluation:
    return next(o for o in (d.chosen, *d.alternatives) if label in o.label)


def test_top_up_at_list_price_makes_every_smaller_purchase_a_tie() -> None:
    # 10/day for 365 days: 3,650 tokens. With top-ups at the list price every Q <= 3,600 costs
    # 3.00 Q + 3.00 (3,650 - Q) = 10,950; 3,700 costs 11,100 (50 tokens forfeited). The tie goes
    # to the smaller purchase: the minimum, 100 tokens.
    d = run(flat([10.0], 365), book())
    assert curve_cost(d, 3600) == pytest.approx(10950.0)
    assert curve_cost(d, 3700) == pytest.approx(11100.0)
    assert d.chosen.quantity == 100
    assert d.chosen.expected_cost == Decimal("10950.00")
    assert d.chosen.label == "recommended"


def test_a_top_up_premium_buys_up_to_the_last_full_increment() -> None:
    # Top-up 3.30: Q <= 3,650 costs 3 Q + 3.3 (3,650 - Q) = 12,045 - 0.3 Q, lowest at 3,600:
    # 10,800 + 50 x 3.30 = 10,965 < 11,100 for 3,700.
    d = run(flat([10.0], 365), book(top_up="3.30"))
    c = d.chosen
    assert c.quantity == 3600
    assert c.total_price == Decimal("10800.00")
    assert c.expected_top_up_cost == Decimal("165.00")
    assert c.expected_cost == Decimal("10965.00")
    assert c.shortfall_probability == 1.0
    assert c.expected_shortfall_tokens == 50.0
    # cumulative demand 10 (d + 1) first exceeds 3,600 on day 360: 2025-12-27
    assert c.runout_date == DateQuantiles(
        date(2025, 12, 27), date(2025, 12, 27), date(2025, 12, 27)
    )
    assert c.expected_consumption.p50 == 3600.0


@pytest.mark.parametrize(("top_up", "expected"), [("6.00", 3600), ("6.01", 3700)])
def test_break_even_between_topping_up_and_forfeiting(top_up: str, expected: int) -> None:
    # 3,600 + 50 top-ups: 10,800 + 50 c; 3,700: 11,100. Equal at c = 6.00 (tie: the smaller).
    d = run(flat([10.0], 365), book(top_up=top_up))
    assert d.chosen.quantity == expected


def test_buying_the_exact_need_wastes_only_the_rounding() -> None:
    d = run(flat([10.0], 365), book(top_up="6.01"))
    c = d.chosen
    assert c.expected_cost == Decimal("11100.00")
    assert c.expected_waste_tokens == 50.0
    assert c.expected_waste_value == Decimal("150.00")  # 50 x 3.00
    assert c.prob_waste_over_10pct == 0.0  # 50 < 370
    assert c.runout_date is None
    assert c.cost_per_token_consumed == Decimal("3.0411")  # 11,100 / 3,650 = 3.04109...


def test_a_tier_break_makes_buying_more_cheaper() -> None:
    # 49/day for 100 days = 4,900. 4,900 x 3.00 = 14,700 > 5,000 x 2.85 = 14,250.
    pb = book(((100, "3.00"), (5000, "2.85")), validity=100)
    d = run(flat([49.0], 100), pb, last_year=4000.0)
    c = d.chosen
    assert c.quantity == 5000
    assert c.label == "recommended; tier break at 5,000"
    assert c.tier_index == 1
    assert c.unit_price == Decimal("2.85")
    assert c.total_price == Decimal("14250.00")
    assert c.expected_waste_tokens == 100.0
    assert c.expected_waste_value == Decimal("285.00")
    # last year's 4,000 and + 20 % = 4,800: both cost 14,700 (top-ups at list price)
    assert [(a.label, a.quantity, a.expected_cost) for a in d.alternatives] == [
        ("last year's consumption", 4000, Decimal("14700.00")),
        ("last year's + 20 %", 4800, Decimal("14700.00")),
    ]


@pytest.mark.parametrize(("top_up", "expected"), [("3.30", 6000), ("2.85", 5000)])
def test_a_top_up_at_the_tier_price_buys_less(top_up: str, expected: int) -> None:
    # 60/day for 100 days = 6,000; 3.00, or 2.85 from 5,000. Top-up 3.30: in the 2.85 tier
    # Q <= 6,000 costs 2.85 Q + 3.30 (6,000 - Q) = 19,800 - 0.45 Q, lowest at 6,000: 17,100.
    # Top-up 2.85, the tier's price: every Q from 5,000 to 6,000 costs 17,100 (a token bought
    # later costs what it costs now, and buying it later risks nothing), below 5,000
    # 3 Q + 2.85 (6,000 - Q) > 17,100. The tie goes to the smaller purchase: 5,000.
    pb = book(((100, "3.00"), (5000, "2.85")), top_up=top_up, validity=100)
    d = run(flat([60.0], 100), pb)
    assert (d.chosen.quantity, d.chosen.expected_cost) == (expected, Decimal("17100.00"))


def test_critical_fractile_with_uncertain_demand() -> None:
    # Top-up 4.50, list 3.00: one more token costs 3.00 and saves 4.50 x P(R > Q), so the
    # optimum is at the (4.50 - 3.00) / 4.50 = 1/3 quantile of R, rounded to the 100-token grid.
    rng = np.random.default_rng(11)
    level = rng.lognormal(np.log(12.0), 0.35, size=(4000, 1))
    paths = rng.poisson(level * np.ones((1, 365))).astype(np.float64)
    d = run(paths, book(top_up="4.50"))
    r = paths.sum(axis=1)
    q_star = float(np.quantile(r, 1 / 3, method="inverted_cdf"))
    assert d.chosen.quantity in {math.floor(q_star / 100) * 100, math.ceil(q_star / 100) * 100}
    # brute force over the same grid, S x K
    qs = np.arange(100, int(r.max()) + 1000, 100)
    cost = 3.0 * qs + 4.5 * np.maximum(r[:, None] - qs[None, :], 0.0).mean(axis=0)
    assert d.chosen.quantity == qs[np.argmin(cost)]
    assert float(d.chosen.expected_cost) == pytest.approx(cost.min(), abs=0.005)


def test_existing_packs_reduce_what_to_buy() -> None:
    # A 1,000-token pack expiring on day 100 covers days 0..99 at 10/day: R = 2,650.
    # Top-up 3.30: buy 2,600 (7,800 + 50 x 3.30 = 7,965 < 2,700 x 3.00 = 8,100).
    held = Pack(date(2024, 4, 11), 5000, 1000.0, D0 + timedelta(days=100))
    d = run(flat([10.0], 365), book(top_up="3.30"), packs=(held,))
    assert d.chosen.quantity == 2600
    assert d.chosen.expected_cost == Decimal("7965.00")
    assert d.residual_demand.p50 == 2650.0
    assert d.existing_packs_expected_waste_tokens == 0.0


def test_labels_name_the_nearby_breaks_and_merge_duplicates() -> None:
    # Tiers 3.00 / 2.90 from 2,000 / 2.85 from 5,000; R = 3,650; top-up 3.30.
    # In the 2.90 tier Q <= 3,650 costs 2.9 Q + 3.3 (3,650 - Q) = 12,045 - 0.4 Q -> 3,600 at
    # 10,605; 3,700 costs 10,730; the 2,000 break costs 5,800 + 1,650 x 3.3 = 11,245; 5,000
    # costs 14,250. Last year 2,000 falls on the 2,000 break; + 20 % = 2,400.
    pb = book(((100, "3.00"), (2000, "2.90"), (5000, "2.85")), top_up="3.30")
    d = run(flat([10.0], 365), pb, last_year=2000.0)
    assert (d.chosen.quantity, d.chosen.expected_cost) == (3600, Decimal("10605.00"))
    assert [(a.label, a.quantity, a.expected_cost) for a in d.alternatives] == [
        ("tier break at 2,000; last year's consumption", 2000, Decimal("11245.00")),
        ("last year's + 20 %", 2400, Decimal("11085.00")),  # 6,960 + 1,250 x 3.3
        ("tier break at 5,000", 5000, Decimal("14250.00")),
    ]


def test_last_year_is_rounded_up_to_a_valid_quantity() -> None:
    d = run(flat([10.0], 365), book(), last_year=3650.5)
    assert option(d, "last year's consumption").quantity == 3700
    assert option(d, "+ 20 %").quantity == 4400  # 4,380.6 -> 4,400
    exact = run(flat([10.0], 365), book(), last_year=5000.0)
    assert option(exact, "+ 20 %").quantity == 6000


def test_one_option_evaluated_by_hand() -> None:
    # Four paths at 5, 10, 20 and 40 tokens/day: R = 1,825, 3,650, 7,300, 14,600.
    # Last year's 3,600 tokens: waste (1,775 + 0 + 0 + 0) / 4 = 443.75; shortfall
    # (50 + 3,700 + 11,000) / 4 = 3,687.5; run-out on day 360, 180, 90 (never on the 5/day path).
    d = run(flat([5.0, 10.0, 20.0, 40.0], 365), book(top_up="3.30"), last_year=3600.0)
    o = option(d, "last year's consumption")
    assert o.quantity == 3600
    assert o.expected_waste_tokens == pytest.approx(443.75)
    assert o.expected_waste_value == Decimal("1331.25")  # 443.75 x 3.00
    assert o.prob_waste_over_10pct == 0.25  # only R = 1,825 < 3,240
    assert o.shortfall_probability == 0.75
    assert o.expected_shortfall_tokens == pytest.approx(3687.5)
    assert o.expected_top_up_cost == Decimal("12168.75")  # 3,687.5 x 3.30
    assert o.expected_cost == Decimal("22968.75")  # + 10,800
    # consumed from the pack: 1,825, 3,600, 3,600, 3,600; p10 interpolates 0.3 of the way
    assert (o.expected_consumption.p10, o.expected_consumption.p90) == (2357.5, 3600.0)
    # days [90, 180, 360, never]: p10 -> day 90, p50 -> day 180, p90 -> never (only 75 % run out)
    assert o.runout_date == DateQuantiles(D0 + timedelta(days=90), D0 + timedelta(days=180), None)
    # 22,968.75 / E[R] = 22,968.75 / 6,843.75 = 735 / 219 = 3.356164...
    assert o.cost_per_token_consumed == Decimal("3.3562")


def test_incremental_tiers() -> None:
    # Need 6,000; tiers 3.00 / 2.50 from 1,000 / 2.00 from 5,000, each block at its own price.
    # Below 6,000 every marginal token costs <= 3.00 = top-up, so buying all 6,000 is best:
    # 3,000 + 10,000 + 2,000 = 15,000; 5,900 costs 14,800 + 100 x 3.00 = 15,100.
    pb = book(
        ((0, "3.00"), (1000, "2.50"), (5000, "2.00")), kind=TierKind.INCREMENTAL, validity=100
    )
    d = run(flat([60.0], 100), pb)
    c = d.chosen
    assert (c.quantity, c.total_price, c.expected_cost) == (
        6000,
        Decimal("15000.00"),
        Decimal("15000.00"),
    )
    assert c.unit_price == Decimal("2.5000")
    assert c.tier_index == 2
    assert curve_cost(d, 5900) == pytest.approx(15100.0)


def test_cvar_and_service_level_buy_for_the_bad_path() -> None:
    # Two paths over 10 days: R = 1,000 or 3,000. List 3.00, top-up 4.50.
    # Expected cost: 3 Q + 2.25 ((1,000 - Q)+ + (3,000 - Q)+), lowest at Q = 1,000: 7,500.
    # CVaR at 0.5 is the cost on the 3,000 path, 3 Q + 4.5 (3,000 - Q)+, lowest at 3,000: 9,000.
    pb = book(top_up="4.50", validity=10)
    paths = flat([100.0, 300.0], 10)
    neutral = run(paths, pb)
    assert (neutral.chosen.quantity, neutral.chosen.expected_cost) == (1000, Decimal("7500.00"))
    cvar = run(paths, pb, objective=Objective.CVAR, cvar_alpha=0.5)
    assert cvar.chosen.quantity == 3000
    assert cvar.objective_level == 0.5
    # the risk-neutral optimum is listed because it differs; 3,000 costs 9,000 in expectation
    assert option(cvar, "risk-neutral optimum").quantity == 1000
    assert cvar.chosen.expected_cost == Decimal("9000.00")
    # P(shortfall) <= 0.5 allows one short path: 1,000; <= 0.1 allows none: 3,000
    loose = run(paths, pb, objective=Objective.SERVICE_LEVEL, service_level=0.5)
    tight = run(paths, pb, objective=Objective.SERVICE_LEVEL, service_level=0.9)
    assert (loose.chosen.quantity, tight.chosen.quantity) == (1000, 3000)
    assert not any("risk-neutral" in o.label for o in loose.alternatives)
    # the constraint binds: it costs 9,000 - 7,500 in expectation
    assert tight.chosen.expected_cost == Decimal("9000.00")
    assert option(tight, "risk-neutral optimum").expected_cost == Decimal("7500.00")


def test_zero_demand_gives_finite_answers() -> None:
    d = run(flat([0.0, 0.0], 365), book(((100, "3.00"), (5000, "2.85"))), last_year=0.0)
    assert d.chosen.quantity == 100
    assert d.chosen.cost_per_token_consumed is None
    assert d.chosen.runout_date is None
    assert np.all(np.isfinite(d.curve.expected_cost))
    assert d.chosen.prob_waste_over_10pct == 1.0


def test_gap_shortfall_is_reported() -> None:
    # Purchase 30 days in; a 200-token pack covers days 0..19 of 10/day: 100 tokens unserved.
    held = Pack(date(2024, 6, 1), 1000, 200.0, D0 + timedelta(days=100))
    d = decide(
        flat([10.0], 395),
        D0,
        [held],
        book(top_up="3.30"),
        D0 + timedelta(days=30),
        last_year_consumption_tokens=None,
    )
    assert d.expected_gap_shortfall_tokens == 100.0
    assert d.gap_shortfall_probability == 1.0
    assert d.pack_expires_on == D0 + timedelta(days=30 + 365)


def test_coarse_grids_still_find_the_exact_optimum() -> None:
    # Increment 1 and R around 80,000: the full grid (over 84,000 quantities) is coarsened.
    # The break at 50,001 and the critical fractile are off the coarse grid; brute force over
    # every integer quantity must agree.
    rng = np.random.default_rng(3)
    paths = rng.uniform(6000.0, 10000.0, size=(40, 10))
    pb = book(((1, "3.00"), (50_001, "2.95")), top_up="3.40", minimum=1, increment=1, validity=10)
    d = run(paths, pb)
    assert len(d.curve.quantities) < 60_000
    r = paths.sum(axis=1)
    qs = np.arange(1, int(r.max() * 1.1), dtype=np.int64)
    prices = np.where(qs >= 50_001, 2.95, 3.0) * qs
    cost = prices + 3.4 * np.maximum(r[:, None] - qs[None, :], 0.0).mean(axis=0)
    best = float(cost.min())
    assert float(d.chosen.expected_cost) == pytest.approx(best, abs=0.01)
    assert cost[d.chosen.quantity - 1] <= best + 1e-6 * best


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="cvar_alpha"):
        run(flat([1.0], 365), book(), objective=Objective.CVAR, cvar_alpha=1.0)
    with pytest.raises(InvalidInputError, match="last_year_consumption_tokens"):
        run(flat([1.0], 365), book(), last_year=float("nan"))
