"""Segment rules, Flex against named user, and the indicators, on hand-made rows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from models.changes import usage_from_rows
from models.errors import InvalidInputError
from models.insights.activity import product_rates, user_activity
from models.insights.indicators import (
    dormant_burn,
    last_real_use,
    off_hours_burn,
    product_selection,
    short_launches,
)
from models.insights.named_user import (
    annual_flex_cost,
    break_even_days,
    compare_named_user,
    product_break_evens,
)
from models.insights.segments import SegmentRules, classify, segment_users

RULES = SegmentRules()
END = date(2025, 12, 31)
START = END - timedelta(days=364)  # 2025-01-01, a Wednesday


def day(i: int) -> date:
    return START + timedelta(days=i)


@pytest.mark.parametrize(
    ("days_used", "since", "window", "expected"),
    [
        (209, 0, 365, "power"),  # 209 * 7 / 365 = 4.008
        (208, 0, 365, "regular"),  # 3.989 a week
        (40, 0, 365, "regular"),
        (39, 0, 365, "occasional"),
        (300, 89, 365, "power"),  # used 89 days before as_of: still active
        (300, 90, 365, "inactive"),  # nothing in the last 90 days (as_of and 89 before)
        (0, None, 365, "inactive"),  # only short launches
        (20, 0, 182, "regular"),  # 40 * 182 / 365 = 19.9 is the line on a short window
        (19, 0, 182, "occasional"),
        (104, 0, 182, "power"),  # 104 * 7 / 182 = 4.0
    ],
)
def test_classify_at_the_thresholds(
    days_used: int, since: int | None, window: int, expected: str
) -> None:
    assert classify(days_used, since, window, RULES) == expected


def test_thresholds_are_parameters() -> None:
    strict = SegmentRules(
        power_days_per_week=5, occasional_days_per_year=10, inactive_after_days=30
    )
    assert classify(209, 0, 365, strict) == "regular"
    assert classify(12, 0, 365, strict) == "regular"
    assert classify(300, 30, 365, strict) == "inactive"
    with pytest.raises(InvalidInputError):
        SegmentRules(power_days_per_week=0)


def test_short_launches_are_not_days_used() -> None:
    rows = [(day(i), "ann", "Revit", 10.0) for i in range(0, 200)]
    rows += [(day(364), "ann", "Revit", 0.0), (day(363), "ann", "AutoCAD", 0.0)]
    rows += [(day(i), "", "Revit", 5.0) for i in range(0, 365, 7)]  # no user: left out
    activity = user_activity(usage_from_rows(START, END, rows))
    (ann,) = segment_users(activity, RULES)
    assert ann.user_key == "ann" and ann.days_used == 200 and ann.short_launches == 2
    assert ann.days_since_last_use == 364 - 199 and ann.segment == "inactive"
    assert ann.tokens == 2000.0
    launches = short_launches(activity)
    assert [(x.product, x.short_launches, x.days_used) for x in launches] == [
        ("AutoCAD", 1, 0),
        ("Revit", 1, 200),
    ]


def test_flex_against_named_user_by_hand() -> None:
    # 120 days of Revit at 10 tokens: 1,200 tokens x 2.85 = 3,420.00 a year against 2,910.00.
    rows = [(day(i), "ann", "Revit", 10.0) for i in range(120)]
    rows += [(day(330 + i), "ann", "AutoCAD", 7.0) for i in range(30)]  # no price for AutoCAD
    rows += [(day(300 + i), "bob", "revit ", 10.0) for i in range(50)]  # 1,425.00: stays
    activity = user_activity(usage_from_rows(START, END, rows))
    standings = segment_users(activity, RULES)
    prices = {"revit": Decimal("2910.00")}
    out = compare_named_user(activity, standings, Decimal("2.85"), prices)
    assert [(c.user_key, c.product) for c in out] == [("ann", "Revit"), ("bob", "revit ")]
    ann, bob = out
    assert ann.annual_flex_cost == Decimal("3420.00") and ann.candidate
    assert ann.annual_saving == Decimal("510.00")
    assert ann.break_even_days_per_year == Decimal("102.1")  # 2910 / 28.5 = 102.105
    assert bob.annual_flex_cost == Decimal("1425.00") and not bob.candidate
    assert bob.annual_saving == Decimal(0)
    evens = product_break_evens(product_rates(activity), Decimal("2.85"), prices)
    assert [(b.product, b.break_even_days_per_year) for b in evens] == [
        ("Revit", Decimal("102.1")),
        ("revit ", Decimal("102.1")),
    ]


def test_a_short_window_is_scaled_to_a_year() -> None:
    # 600 tokens in 182 days: 600 x 2.85 x 365 / 182 = 3429.3956 -> 3429.40
    assert annual_flex_cost(Decimal(600), 182, Decimal("2.85")) == Decimal("3429.40")
    assert break_even_days(Decimal("2030"), Decimal(7), Decimal("3.00")) == Decimal("96.7")
    with pytest.raises(InvalidInputError):
        break_even_days(Decimal("2030"), Decimal(0), Decimal("3.00"))


def test_inactive_users_are_never_candidates() -> None:
    rows = [(day(i), "gone", "Revit", 10.0) for i in range(250)]  # stopped 115 days ago
    activity = user_activity(usage_from_rows(START, END, rows))
    standings = segment_users(activity, RULES)
    (c,) = compare_named_user(activity, standings, Decimal("2.85"), {"revit": Decimal(100)})
    assert standings[0].segment == "inactive" and not c.candidate


def test_off_hours_burn_counts_weekends_and_weekday_holidays() -> None:
    saturday, sunday, monday = date(2025, 1, 4), date(2025, 1, 5), date(2025, 1, 6)
    christmas = date(2025, 12, 25)  # a Thursday
    new_year_weekend = date(2025, 11, 1)  # a Saturday named as a holiday: counted once
    rows = [
        (saturday, "ann", "Revit", 10.0),
        (sunday, "", "Revit", 4.0),
        (monday, "ann", "Revit", 10.0),
        (christmas, "bob", "AutoCAD", 7.0),
        (new_year_weekend, "bob", "AutoCAD", 7.0),
    ]
    usage = usage_from_rows(START, END, rows)
    activity = user_activity(usage)
    oh = off_hours_burn(usage, activity, {christmas, new_year_weekend})
    assert (oh.total_tokens, oh.weekend_tokens, oh.holiday_tokens) == (38.0, 21.0, 7.0)
    assert oh.share == pytest.approx(28 / 38)
    assert oh.holidays == ((christmas, 7.0),)
    assert activity.user_keys == ("ann", "bob")
    assert oh.user_weekend_tokens.tolist() == [10.0, 7.0]
    assert oh.user_holiday_tokens.tolist() == [0.0, 7.0]
    assert oh.user_off_days.tolist() == [1, 2]


def test_last_real_use_needs_a_week_with_enough_days() -> None:
    used = np.zeros(60, dtype=bool)
    used[[3, 10, 20, 40]] = True  # 7 or more days apart: no two in one week
    assert last_real_use(used, 2) is None
    used[25] = True  # 20 and 25 fall in one week
    assert last_real_use(used, 2) == 25
    assert last_real_use(used, 1) == 40
    assert last_real_use(used, 3) is None


def test_dormant_burn_after_the_last_real_use() -> None:
    worked = [i for i in range(0, 150) if i % 7 in (0, 1)]  # two days a week until day 148
    trickle = [200, 230, 260, 290, 320, 350]
    rows = [(day(i), "dora", "AutoCAD", 7.0) for i in worked + trickle]
    rows += [(day(i), "reg", "AutoCAD", 7.0) for i in range(0, 365, 3)]  # real use to the end
    activity = user_activity(usage_from_rows(START, END, rows))
    standings = segment_users(activity, RULES)
    (found,) = dormant_burn(activity, standings, after_days=90, sustained_days=2)
    assert found.user_key == "dora" and found.last_real_use == day(148)
    assert found.days_since_real_use == 364 - 148
    assert (found.burn_days, found.tokens) == (6, 42.0)


def test_product_selection_counts_days_without_the_cheaper_product() -> None:
    rows = [(day(i), "ann", "Revit", 10.0) for i in range(10)]
    rows += [(day(i), "ann", "AutoCAD", 7.0) for i in range(8, 20)]  # shares days 8 and 9
    rows += [(day(i), "bob", "Revit", 10.0) for i in range(5)]  # one product only
    activity = user_activity(usage_from_rows(START, END, rows))
    rates = product_rates(activity)
    assert rates == {"AutoCAD": 7.0, "Revit": 10.0}
    (found,) = product_selection(activity, rates)
    assert (found.user_key, found.product, found.cheaper_product) == ("ann", "Revit", "AutoCAD")
    assert (found.days, found.tokens, found.excess_tokens) == (8, 80.0, 80.0 - 8 * 7.0)
