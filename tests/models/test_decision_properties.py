"""Properties over random price books and paths, each checked by an independent brute force."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.decision import decide, price, residual_demand
from models.decision.expectations import SortedResidual
from models.decision.types import Decision, Objective, Pack, PriceBook, Tier, TierKind
from tests.models.test_decision_runout import simulate

D0 = date(2025, 1, 1)


NO_LEAD = st.just(0)


@st.composite
def price_books(draw: st.DrawFn, lead: st.SearchStrategy[int] = NO_LEAD) -> PriceBook:
    minimum = draw(st.integers(1, 300))
    increment = draw(st.integers(1, 100))
    starts = [draw(st.integers(0, minimum))]
    for _ in range(draw(st.integers(0, 2))):
        if draw(st.booleans()):  # breaks on the increment grid, where buying up to them is valid
            starts.append((starts[-1] // increment + draw(st.integers(1, 40))) * increment)
        else:
            starts.append(starts[-1] + draw(st.integers(1, 3000)))
    cents = [draw(st.integers(50, 600)) for _ in starts]
    return PriceBook(
        currency="USD",
        minimum_purchase=minimum,
        pack_increment=increment,
        validity_days=draw(st.integers(1, 12)),
        tier_kind=draw(st.sampled_from(list(TierKind))),
        tiers=tuple(Tier(s, Decimal(c) / 100) for s, c in zip(starts, cents, strict=True)),
        top_up_price=Decimal(draw(st.integers(50, 900))) / 100,
        top_up_lead_days=draw(lead),
        # with no lead time these must change nothing: the brute force below ignores them
        blocked_day_cost=Decimal(draw(st.integers(0, 50_000))) / 100,
        top_up_block_tokens=draw(st.sampled_from([0, 0, 1, 50, 400])),
    )


def valid_quantities(pb: PriceBook, upto: int) -> np.ndarray:
    """The minimum, then every multiple of the increment above it (written out independently)."""
    above = [q for q in range(pb.pack_increment, upto + 1, pb.pack_increment)]
    return np.array([pb.minimum_purchase, *[q for q in above if q > pb.minimum_purchase]])


def float_prices(pb: PriceBook, qs: np.ndarray) -> np.ndarray:
    """Prices by a different method: per-token marginal prices summed (incremental), or the
    last tier reached times the quantity (all-units)."""
    unit_prices = [float(t.unit_price) for t in pb.tiers]
    if pb.tier_kind == TierKind.INCREMENTAL:
        positions = np.arange(int(qs.max()))
        marginal = np.full(positions.size, unit_prices[0])
        for t, c in zip(pb.tiers[1:], unit_prices[1:], strict=True):
            marginal[positions >= t.min_tokens] = c
        return np.asarray(np.concatenate([[0.0], np.cumsum(marginal)])[qs])
    unit = np.full(qs.size, unit_prices[0])
    for t, c in zip(pb.tiers[1:], unit_prices[1:], strict=True):
        unit[qs >= t.min_tokens] = c
    return np.asarray(unit * qs)


def exact_price(pb: PriceBook, q: int) -> Decimal:
    if pb.tier_kind == TierKind.ALL_UNITS:
        reached = [t for t in pb.tiers if t.min_tokens <= q] or [pb.tiers[0]]
        return reached[-1].unit_price * q
    total, tier = Decimal(0), 0
    for position in range(q):  # token by token: the token at `position` (0-based)
        while tier + 1 < len(pb.tiers) and pb.tiers[tier + 1].min_tokens <= position:
            tier += 1
        total += pb.tiers[tier].unit_price
    return total


def brute_objective(
    objective: Objective,
    level: float,
    prices: np.ndarray,
    top_up: float,
    r: np.ndarray,
    qs: np.ndarray,
) -> np.ndarray:
    """Every candidate's objective from the S x K matrix of path costs (+inf if infeasible)."""
    costs = prices[None, :] + top_up * np.maximum(r[:, None] - qs[None, :], 0.0)
    return objective_of(costs, r[:, None] > qs[None, :], objective, level)


def objective_of(
    costs: np.ndarray, short: np.ndarray, objective: Objective, level: float
) -> np.ndarray:
    """Each column's objective from path costs (S, K) and which paths run out (S, K)."""
    r = costs[:, 0]
    if objective == Objective.CVAR:
        worst_first = -np.sort(-costs, axis=0)
        mass = (1.0 - level) * r.size
        weights = np.clip(mass - np.arange(r.size), 0.0, 1.0)  # 1, 1, ..., the fraction, 0, ...
        return np.asarray((weights[:, None] * worst_first).sum(axis=0) / mass)
    mean = costs.mean(axis=0)
    if objective == Objective.SERVICE_LEVEL:
        return np.where(short.sum(axis=0) <= r.size * (1.0 - level) + 1e-9, mean, np.inf)
    return np.asarray(mean)


@settings(max_examples=80, deadline=None)
@given(
    pb=price_books(),
    objective=st.sampled_from(list(Objective)),
    level=st.floats(0.5, 0.99),
    data=st.data(),
)
def test_the_choice_beats_every_quantity(
    pb: PriceBook, objective: Objective, level: float, data: st.DataObject
) -> None:
    n_paths = data.draw(st.integers(1, 25))
    daily = data.draw(
        st.lists(
            st.lists(
                st.floats(0, 400, allow_nan=False),
                min_size=pb.validity_days,
                max_size=pb.validity_days,
            ),
            min_size=n_paths,
            max_size=n_paths,
        )
    )
    paths = np.array(daily, dtype=np.float64)
    d = decide(
        paths,
        D0,
        [],
        pb,
        D0,
        last_year_consumption_tokens=float(paths.sum() / n_paths),
        objective=objective,
        cvar_alpha=level,
        service_level=level,
    )
    r = paths.sum(axis=1)
    upto = int(max(r.max(), pb.tiers[-1].min_tokens)) + 2 * pb.pack_increment + pb.minimum_purchase
    qs = valid_quantities(pb, upto)
    value = brute_objective(objective, level, float_prices(pb, qs), float(pb.top_up_price), r, qs)
    best = float(value.min())
    assert float(value[list(qs).index(d.chosen.quantity)]) <= best + 1e-9 * max(1.0, best)
    check_money_and_tokens(d, pb)
    assert all(o.expected_blocked_days == 0.0 for o in (d.chosen, *d.alternatives))


def check_money_and_tokens(d: Decision, pb: PriceBook) -> None:
    for o in (d.chosen, *d.alternatives):
        assert o.total_price == price(pb, o.quantity) == exact_price(pb, o.quantity)
        assert o.expected_waste_tokens >= 0 and o.expected_shortfall_tokens >= 0
        assert o.expected_waste_value >= 0 and o.expected_top_up_cost >= 0
        assert o.expected_blocked_days >= 0 and o.expected_blocked_cost >= 0
        assert all(
            isinstance(m, Decimal)
            for m in (
                o.total_price,
                o.expected_cost,
                o.expected_top_up_cost,
                o.expected_blocked_cost,
            )
        )
        assert o.expected_cost == o.total_price + o.expected_top_up_cost + o.expected_blocked_cost
        assert 0 <= o.shortfall_probability <= 1 and 0 <= o.prob_waste_over_10pct <= 1
    assert np.all(np.isfinite(d.curve.expected_cost))
    assert len({o.quantity for o in (d.chosen, *d.alternatives)}) == 1 + len(d.alternatives)
    for t in d.timing:
        assert isinstance(t.expected_cost, Decimal) and isinstance(t.cvar_cost, Decimal)
        assert t.expected_cost == t.expected_cost.quantize(Decimal("0.01"))
        assert t.expected_waste_tokens >= -1e-9 and t.expected_blocked_days >= 0
        assert 0 <= t.runout_probability <= 1
    assert d.cheapest_timing_label in {t.label for t in d.timing}


@settings(max_examples=60, deadline=None)
@given(
    pb=price_books(lead=st.integers(1, 6)),
    objective=st.sampled_from(list(Objective)),
    level=st.floats(0.5, 0.99),
    data=st.data(),
)
def test_with_a_lead_time_the_choice_beats_every_quantity(
    pb: PriceBook, objective: Objective, level: float, data: st.DataObject
) -> None:
    # Whole tokens a day, so that the simulation's running balance and the optimizer's running
    # sums are both exact and the comparison needs no tolerance on which day a pack runs out.
    n_paths = data.draw(st.integers(1, 8))
    days = pb.validity_days
    rows = st.lists(st.integers(0, 60), min_size=days, max_size=days)
    paths = np.array(data.draw(st.lists(rows, min_size=n_paths, max_size=n_paths)), dtype=float)
    d = decide(
        paths, D0, [], pb, D0,
        last_year_consumption_tokens=float(paths.sum() / n_paths),
        objective=objective, cvar_alpha=level, service_level=level,
    )  # fmt: skip
    r = paths.sum(axis=1)
    upto = int(max(r.max(), pb.tiers[-1].min_tokens)) + 2 * pb.pack_increment + pb.minimum_purchase
    qs = valid_quantities(pb, upto)
    runs = [simulate(p, qs, pb) for p in paths]
    tu, bc = float(pb.top_up_price), float(pb.blocked_day_cost)
    costs = float_prices(pb, qs)[None, :] + np.array([tu * b + bc * k for b, k in runs])
    value = objective_of(costs, r[:, None] > qs[None, :], objective, level)
    best = float(value.min())
    k = list(qs).index(d.chosen.quantity)
    assert float(value[k]) <= best + 1e-9 * max(1.0, best)
    assert float(d.chosen.expected_cost) == pytest.approx(costs[:, k].mean(), abs=0.011)
    blocked = np.array([b[1] for b in runs])
    assert d.chosen.expected_blocked_days == pytest.approx(blocked[:, k].mean())
    check_money_and_tokens(d, pb)


def naive_residual(daily: np.ndarray, packs: list[Pack], offset: int) -> tuple[float, float, float]:
    """One path, one day and one token pool at a time: (residual, existing waste, gap)."""
    left = {i: p.remaining_tokens for i, p in enumerate(packs)}
    residual = gap = 0.0
    for t, need in enumerate(daily):
        today = D0 + timedelta(days=t)
        usable = [i for i, p in enumerate(packs) if p.purchased_on <= today < p.expires_on]
        for i in sorted(usable, key=lambda i: (packs[i].expires_on, packs[i].tokens)):
            used = min(left[i], need)
            left[i] -= used
            need -= used
        if t < offset:
            gap += need
        else:
            residual += need
    return residual, sum(left.values()), gap


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_the_consumption_kernel_matches_a_naive_replay(data: st.DataObject) -> None:
    validity = data.draw(st.integers(1, 40))
    offset = data.draw(st.integers(0, 10))
    n_days = offset + validity
    packs = []
    for _ in range(data.draw(st.integers(0, 4))):
        bought = data.draw(st.integers(-30, n_days - 1))
        expires = data.draw(st.integers(max(bought + 1, 1), n_days))
        tokens = data.draw(st.integers(1, 300))
        packs.append(
            Pack(
                D0 + timedelta(days=bought),
                tokens,
                float(data.draw(st.integers(0, tokens))),
                D0 + timedelta(days=expires),
            )
        )
    paths = np.array(
        data.draw(
            st.lists(
                st.lists(st.integers(0, 30), min_size=n_days, max_size=n_days),
                min_size=1,
                max_size=4,
            )
        ),
        dtype=np.float64,
    )
    res = residual_demand(paths, D0, packs, D0 + timedelta(days=offset), validity)
    for s in range(paths.shape[0]):
        residual, waste, gap = naive_residual(paths[s], packs, offset)
        assert res.residual_total[s] == residual
        assert res.existing_waste_tokens[s] == waste
        assert res.gap_shortfall[s] == gap


def test_cvar_of_the_shortfall_by_hand() -> None:
    # R = 0, 10, 20, 30; alpha = 0.6 -> the worst 1.6 paths: all of R = 30 and 0.6 of R = 20.
    # At Q = 5: (25 + 0.6 x 15) / 1.6 = 21.25.
    r = SortedResidual.of(np.array([20.0, 0.0, 30.0, 10.0]))
    assert r.tail_shortfall(np.array([5]), 0.6)[0] == pytest.approx(21.25)
    # At Q = 25 only the top path is short: 5 / 1.6 = 3.125
    assert r.tail_shortfall(np.array([25]), 0.6)[0] == pytest.approx(3.125)
