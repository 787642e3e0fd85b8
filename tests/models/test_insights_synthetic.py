"""The synthetic organization: its truth holds, and the rules find it, seed after seed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.changes import normalize_product, usage_from_rows
from models.errors import InvalidInputError
from models.insights.activity import product_rates, user_activity
from models.insights.indicators import dormant_burn, product_selection, short_launches
from models.insights.named_user import compare_named_user
from models.insights.segments import SegmentRules, segment_users
from models.insights.synthetic import SyntheticMix, synthetic_organization
from tests import insight_truth

SEEDS = range(12)


def _found(seed: int, mix: SyntheticMix | None = None, price: str = "2.85") -> dict[str, object]:
    org = synthetic_organization(seed, mix=mix)
    rows = [(d, u, p, float(t)) for d, u, p, t in org.rows]
    activity = user_activity(usage_from_rows(org.first_day, org.last_day, rows))
    standings = segment_users(activity, SegmentRules())
    prices = {normalize_product(p): v for p, v in org.named_user_prices.items()}
    comparisons = compare_named_user(activity, standings, Decimal(price), prices)
    return {
        "org": org,
        "rows": rows,
        "segments": {s.user_key: s.segment for s in standings},
        "candidates": {(c.user_key, c.product) for c in comparisons if c.candidate},
        "dormant": {
            d.user_key for d in dormant_burn(activity, standings, after_days=90, sustained_days=2)
        },
        "selection": {s.user_key for s in product_selection(activity, product_rates(activity))},
        "launches": {x.user_key: x.short_launches for x in short_launches(activity)},
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_every_user_lands_in_their_segment_and_every_candidate_is_found(seed: int) -> None:
    found = _found(seed)
    org = found["org"]
    assert found["segments"] == {u.key: u.segment for u in org.users}
    truth = {(u.key, p) for u in org.users for p in u.candidate_products}
    assert truth and found["candidates"] == truth
    assert found["dormant"] == {u.key for u in org.users if u.dormant}
    assert found["selection"] == {u.key for u in org.users if u.mixes_rates}
    assert found["launches"] == {u.key: u.short_launches for u in org.users if u.short_launches}


@pytest.mark.parametrize("price", ["2.50", "3.00"])
def test_the_truth_holds_across_token_prices(price: str) -> None:
    found = _found(3, price=price)
    org = found["org"]
    assert found["candidates"] == {(u.key, p) for u in org.users for p in u.candidate_products}


def test_the_truth_agrees_with_the_plain_definitions() -> None:
    found = _found(5, SyntheticMix(power=7, regular=9, occasional=8, inactive=4, dormant=2))
    org = found["org"]
    rows = found["rows"]
    plain = insight_truth.segments(rows, org.last_day, org.first_day)
    assert plain == {u.key: u.segment for u in org.users}
    prices = dict(org.named_user_prices)
    savings = insight_truth.candidates(rows, org.last_day, org.first_day, Decimal("2.85"), prices)
    assert set(savings) == {(u.key, p) for u in org.users for p in u.candidate_products}
    assert all(s > 0 for s in savings.values())


def test_every_kind_of_user_is_there_and_the_seed_decides_the_rows() -> None:
    org = synthetic_organization(11)
    kinds = {u.segment for u in org.users}
    assert kinds == {"power", "regular", "occasional", "inactive"}
    assert any(t == 0 for *_, t in org.rows)  # short launches
    assert any(d.weekday() >= 5 for d, *_ in org.rows)  # weekend burn
    assert synthetic_organization(11).rows == org.rows
    assert synthetic_organization(12).rows != org.rows
    assert len({(d, u, p) for d, u, p, _ in org.rows}) == len(org.rows)  # one row per cell
    with pytest.raises(InvalidInputError):
        SyntheticMix(power=0, regular=0, occasional=0, inactive=0, dormant=0)
