"""Price books: validation messages, exact prices worked out by hand, and the candidate grid."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import numpy as np
import pytest

from models.decision import price, validate_price_book
from models.decision.pricing import (
    MAX_CANDIDATES,
    candidate_quantities,
    tier_index,
    unit_price,
    valid_ceil,
    valid_floor,
)
from models.decision.types import PriceBook, Tier, TierKind
from models.errors import InvalidPriceBookError


def book(
    tiers: tuple[tuple[int, str], ...] = ((100, "3.00"), (5000, "2.85")),
    *,
    kind: TierKind = TierKind.ALL_UNITS,
    minimum: int = 100,
    increment: int = 100,
    validity: int = 365,
    top_up: str = "3.00",
) -> PriceBook:
    return PriceBook(
        currency="USD",
        minimum_purchase=minimum,
        pack_increment=increment,
        validity_days=validity,
        tier_kind=kind,
        tiers=tuple(Tier(m, Decimal(p)) for m, p in tiers),
        top_up_price=Decimal(top_up),
    )


INCREMENTAL = book(((0, "3.00"), (1000, "2.50"), (5000, "2.00")), kind=TierKind.INCREMENTAL)


def test_the_published_book_is_valid() -> None:
    validate_price_book(book())
    validate_price_book(INCREMENTAL)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tiers": ()}, "tiers are empty"),
        (
            {"tiers": (Tier(100, Decimal("3")), Tier(100, Decimal("2.9")))},
            "strictly increasing: tier 1 starts at 100, tier 0 at 100",
        ),
        (
            {"tiers": (Tier(100, Decimal("3")), Tier(50, Decimal("2.9")))},
            "strictly increasing: tier 1 starts at 50",
        ),
        (
            {"tiers": (Tier(200, Decimal("3")),)},
            "first tier starts at 200 tokens, above the minimum",
        ),
        ({"tiers": (Tier(100, Decimal("0")),)}, "tier 0 unit_price must be positive, got 0"),
        (
            {"tiers": (Tier(100, Decimal("3")), Tier(5000, Decimal("-1")))},
            "tier 1 unit_price must be positive, got -1",
        ),
        ({"tiers": (Tier(100, Decimal("NaN")),)}, "tier 0 unit_price must be a finite amount"),
        (
            {"tiers": (Tier(100, 3.0),)},  # type: ignore[arg-type]  # what a careless caller sends
            "tier 0 unit_price must be a Decimal, got float",
        ),
        ({"pack_increment": 0}, "pack_increment must be at least 1 token, got 0"),
        ({"minimum_purchase": 0, "tiers": (Tier(0, Decimal(3)),)}, "minimum_purchase must be at"),
        ({"validity_days": 0}, "validity_days must be at least 1 day, got 0"),
        ({"top_up_price": Decimal("0")}, "top_up_price must be positive, got 0"),
        ({"top_up_price": Decimal("-3.00")}, "top_up_price must be positive, got -3.00"),
    ],
)
def test_invalid_books_say_what_is_wrong(change: dict[str, object], message: str) -> None:
    bad = dataclasses.replace(book(), **change)  # type: ignore[arg-type]
    with pytest.raises(InvalidPriceBookError, match=message):
        validate_price_book(bad)


def test_every_problem_is_reported_at_once() -> None:
    bad = dataclasses.replace(book(), pack_increment=0, validity_days=-1)
    with pytest.raises(InvalidPriceBookError) as err:
        validate_price_book(bad)
    assert "pack_increment" in str(err.value)
    assert "validity_days" in str(err.value)


def test_all_units_prices_by_hand() -> None:
    pb = book()
    assert price(pb, 100) == Decimal("300.00")
    assert price(pb, 4900) == Decimal("14700.00")  # 4,900 x 3.00
    assert price(pb, 5000) == Decimal("14250.00")  # the whole purchase at 2.85
    assert price(pb, 5100) == Decimal("14535.00")  # 5,100 x 2.85
    assert [tier_index(pb, q) for q in (100, 4999, 5000, 9000)] == [0, 0, 1, 1]
    assert unit_price(pb, 5000) == Decimal("2.85")
    assert unit_price(pb, 4900) == Decimal("3.00")


def test_incremental_prices_by_hand() -> None:
    pb = INCREMENTAL
    assert price(pb, 600) == Decimal("1800.00")  # 600 x 3.00
    assert price(pb, 1000) == Decimal("3000.00")  # the first 1,000 tokens are all at 3.00
    assert tier_index(pb, 1000) == 0
    assert price(pb, 1001) == Decimal("3002.50")  # + the 1,001st at 2.50
    assert tier_index(pb, 1001) == 1
    assert price(pb, 5000) == Decimal("13000.00")  # 3,000 + 4,000 x 2.50
    assert price(pb, 6000) == Decimal("15000.00")  # 3,000 + 10,000 + 1,000 x 2.00
    assert tier_index(pb, 6000) == 2
    assert unit_price(pb, 6000) == Decimal("2.5000")  # 15,000 / 6,000
    assert unit_price(pb, 1300) == Decimal("2.8846")  # 3,750 / 1,300 = 2.884615...


def test_prices_stay_exact_decimals() -> None:
    pb = book(((1, "0.10"), (3, "0.07")), minimum=1, increment=1)
    assert price(pb, 2) == Decimal("0.20")  # 0.1 + 0.1 in floats would be 0.2000000000000000111
    inc = dataclasses.replace(pb, tier_kind=TierKind.INCREMENTAL)
    assert price(inc, 4) == Decimal("0.37")  # 3 x 0.10 + 1 x 0.07


def test_valid_quantities_when_the_minimum_is_not_a_multiple_of_the_increment() -> None:
    pb = book(((100, "3.00"),), minimum=150, increment=100)
    assert valid_ceil(pb, 10) == 150
    assert valid_ceil(pb, 151) == 200
    assert valid_floor(pb, 199) == 150
    assert valid_floor(pb, 301) == 300
    # 1.05 x 300 = 315 -> top 400; the minimum, then the increment grid
    assert candidate_quantities(pb, 300).tolist() == [150, 200, 300, 400]


def test_grid_runs_past_the_largest_residual() -> None:
    # 1.05 x 3,650 = 3,832.5 -> 3,900; the 5,000 break costs 14,250 > 3,900 x 3.00 = 11,700
    q = candidate_quantities(book(), 3650.0)
    assert q.dtype == np.int64
    assert q.tolist() == list(range(100, 3901, 100))


def test_grid_reaches_a_break_that_is_no_dearer_than_its_top() -> None:
    # 1.05 x 4,500 = 4,725 -> 4,800 costs 14,400 >= 14,250 for 5,000: the break is in reach
    assert candidate_quantities(book(), 4500.0)[-1] == 5000
    # 1.05 x 4,000 = 4,200 costs 12,600 < 14,250: buying up to the break can never pay
    assert candidate_quantities(book(), 4000.0)[-1] == 4200


def test_large_grids_are_coarsened_but_keep_the_breaks() -> None:
    pb = book(((1, "3.00"), (50_000, "2.85")), minimum=1, increment=1)
    q = candidate_quantities(pb, 100_000.0)  # 105,000 valid quantities before coarsening
    assert len(q) <= MAX_CANDIDATES + 10
    assert np.all(np.diff(q) > 0)
    assert q[0] == 1 and q[-1] == 105_000
    # the coarse step is 3 tokens; 50,000 and 49,999 are not on it but must be kept
    assert 50_000 in q and 49_999 in q
    assert np.count_nonzero(q % 3) == 3
