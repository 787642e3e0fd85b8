"""Existing packs and the consumption order, checked against totals worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from models.decision import replay_balance, residual_demand
from models.decision.types import Pack
from models.errors import InvalidInputError

D0 = date(2025, 1, 1)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def pack(
    tokens: int, expires_day: int, remaining: float | None = None, bought_day: int = -200
) -> Pack:
    left = float(tokens) if remaining is None else remaining
    return Pack(
        purchased_on=day(bought_day),
        tokens=tokens,
        remaining_tokens=left,
        expires_on=day(expires_day),
    )


def flat(per_day: list[float], n_days: int) -> np.ndarray:
    return np.outer(np.asarray(per_day, dtype=np.float64), np.ones(n_days))


def test_no_packs_leave_the_whole_year() -> None:
    res = residual_demand(flat([10.0], 365), D0, [], D0, 365)
    assert res.new_pack_daily.shape == (1, 365)
    assert res.residual_total.tolist() == [3650.0]
    assert res.existing_waste_tokens.tolist() == [0.0]
    assert res.gap_shortfall.tolist() == [0.0]


def test_a_pack_expiring_100_days_in() -> None:
    # 1,000 tokens usable on days 0..99.
    # 10/day: days 0..99 use exactly 1,000; the new pack serves days 100..364: 265 x 10 = 2,650.
    # 20/day: the pack is empty after day 49 (50 x 20); the new pack serves 315 x 20 = 6,300.
    # 5/day: days 0..99 use 500, 500 expire unused; the new pack serves 265 x 5 = 1,325.
    res = residual_demand(flat([10.0, 20.0, 5.0], 365), D0, [pack(1000, 100)], D0, 365)
    assert res.residual_total.tolist() == [2650.0, 6300.0, 1325.0]
    assert res.existing_waste_tokens.tolist() == [0.0, 0.0, 500.0]
    assert res.new_pack_daily[0, :100].sum() == 0.0 and res.new_pack_daily[0, 100] == 10.0
    assert res.new_pack_daily[1, 49] == 0.0 and res.new_pack_daily[1, 50] == 20.0


def test_the_pack_that_expires_first_is_used_first() -> None:
    # A: 300 expiring on day 10 serves days 0..9 (100) and forfeits 200.
    # B: 1,000 expiring on day 200 then serves days 10..109. Residual: 3,650 - 100 - 1,000.
    # (Used the other way round B would serve days 0..99 and A would forfeit all 300.)
    res = residual_demand(flat([10.0], 365), D0, [pack(1000, 200), pack(300, 10)], D0, 365)
    assert res.residual_total.tolist() == [2550.0]
    assert res.existing_waste_tokens.tolist() == [200.0]


def test_existing_packs_serve_the_gap_before_the_purchase() -> None:
    # Purchase 30 days after the first forecast day. The 1,000-token pack serves the gap (300),
    # then days 0..69 of the new pack's life (700) and is empty on its expiry (day 100).
    paths = flat([10.0], 395)
    res = residual_demand(paths, D0, [pack(1000, 100)], day(30), 365)
    assert res.residual_total.tolist() == [3650.0 - 700.0]
    assert res.gap_shortfall.tolist() == [0.0]
    assert res.existing_waste_tokens.tolist() == [0.0]
    # A 200-token pack is empty after day 19: days 20..29 (100 tokens) go unserved.
    short = residual_demand(paths, D0, [pack(200, 100)], day(30), 365)
    assert short.gap_shortfall.tolist() == [100.0]
    assert short.residual_total.tolist() == [3650.0]


def test_packs_that_expired_before_the_first_day_are_ignored() -> None:
    res = residual_demand(flat([10.0], 365), D0, [pack(500, 0)], D0, 365)
    assert res.residual_total.tolist() == [3650.0]
    assert res.existing_waste_tokens.tolist() == [0.0]


def test_the_caller_paths_are_not_modified() -> None:
    paths = flat([10.0], 365)
    res = residual_demand(paths, D0, [pack(1000, 100)], D0, 365)
    assert paths.sum() == 3650.0
    free = residual_demand(paths, D0, [], D0, 365)
    assert not free.new_pack_daily.flags.writeable
    assert res.new_pack_daily[0, 0] == 0.0


def test_equal_expiry_uses_the_smaller_pack_by_original_size() -> None:
    # Both expire on day 100; 80 days x 10 = 800 tokens of demand.
    # B was bought as 1,000 tokens, A as 2,000: B (the smaller pack) goes first although A has
    # less left: B 1,000 - 800 = 200 remaining, A keeps its 500.
    a = pack(2000, 100, remaining=500.0)
    b = pack(1000, 100)
    out = replay_balance(np.full(80, 10.0), D0, [a, b])
    assert [p.remaining_tokens for p in out.packs] == [500.0, 200.0]
    assert [p.consumed_tokens for p in out.packs] == [0.0, 800.0]
    # With A bought as 500 tokens it is the smaller one: A 0 left, B 1,000 - 300 = 700.
    small_a = pack(500, 100)
    again = replay_balance(np.full(80, 10.0), D0, [small_a, b])
    assert [p.remaining_tokens for p in again.packs] == [0.0, 700.0]
    assert again.unserved_tokens == 0.0


def test_a_pack_that_expires_with_tokens_left() -> None:
    # 1,000 tokens usable on days 0..49 at 10/day: 500 used, 500 forfeited on day 50, then
    # days 50..79 (300 tokens) have nothing to draw on.
    out = replay_balance(np.full(80, 10.0), D0, [pack(1000, 50)])
    (only,) = out.packs
    assert (only.consumed_tokens, only.remaining_tokens, only.expired_unused_tokens) == (
        500.0,
        0.0,
        500.0,
    )
    assert out.unserved_tokens == 300.0
    assert out.unserved_days == 30
    assert out.first_unserved_day == day(50)


def test_a_pack_bought_during_the_history_serves_only_from_its_purchase() -> None:
    # Bought on day 20: days 0..19 (200) are unserved; days 20..79 use 600 of 1,000.
    out = replay_balance(np.full(80, 10.0), D0, [pack(1000, 385, bought_day=20)])
    assert out.packs[0].remaining_tokens == 400.0
    assert out.packs[0].expired_unused_tokens == 0.0
    assert out.unserved_tokens == 200.0
    assert out.first_unserved_day == D0


def test_residual_and_replay_share_the_order() -> None:
    rng = np.random.default_rng(7)
    daily = rng.integers(0, 30, size=365).astype(np.float64)
    packs = [pack(900, 120), pack(400, 60), pack(2000, 300, remaining=700.0)]
    res = residual_demand(daily[np.newaxis, :], D0, packs, D0, 365)
    out = replay_balance(daily, D0, packs)
    assert res.residual_total[0] == pytest.approx(out.unserved_tokens)
    assert res.existing_waste_tokens[0] == pytest.approx(
        sum(p.expired_unused_tokens for p in out.packs)
    )


def test_bad_dates_are_refused_with_the_dates() -> None:
    paths = flat([10.0], 300)
    with pytest.raises(InvalidInputError, match="2024-12-31 is before the first forecast day"):
        residual_demand(paths, D0, [], day(-1), 300)
    with pytest.raises(InvalidInputError, match=r"2025-01-01 to 2025-10-27.*usable to 2025-12-31"):
        residual_demand(paths, D0, [], D0, 365)
    with pytest.raises(InvalidInputError, match="after the new pack's expiry"):
        residual_demand(flat([10.0], 365), D0, [pack(100, 400)], D0, 365)


@pytest.mark.parametrize("bad", [-1.0, np.nan, np.inf])
def test_bad_demand_is_refused(bad: float) -> None:
    paths = flat([10.0], 365)
    paths[0, 3] = bad
    with pytest.raises(InvalidInputError, match="finite and non-negative"):
        residual_demand(paths, D0, [], D0, 365)


def test_bad_packs_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="remaining_tokens -5"):
        replay_balance(np.ones(10), D0, [pack(10, 5, remaining=-5.0)])
    with pytest.raises(InvalidInputError, match="not after its purchase"):
        replay_balance(np.ones(10), D0, [pack(10, 5, bought_day=5)])
