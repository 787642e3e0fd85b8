"""A licence-mix change for some products only: the users keep burning on their others."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from models.changes import (
    LicenceMixChange,
    RateChange,
    apply_changes,
    build_user_profiles,
    licence_mix_tokens_per_day,
    usage_from_rows,
)
from models.errors import InvalidInputError

WINDOW_END = date(2024, 12, 29)  # a Sunday: the window is 52 whole weeks
WINDOW_START = WINDOW_END - timedelta(days=363)
FIRST_DAY = WINDOW_END + timedelta(days=1)  # a Monday
H = 28


def _rows() -> list[tuple[date, str, str, float]]:
    rows = []
    for i in range(364):
        d = WINDOW_START + timedelta(days=i)
        if d.weekday() < 4:  # Monday to Thursday: Revit
            rows.append((d, "ann", "Revit", 10.0))
        if d.weekday() == 4:  # Friday: AutoCAD
            rows.append((d, "ann", "AutoCAD", 7.0))
        if d.weekday() in (0, 2):
            rows.append((d, "bob", "Revit", 10.0))
    return rows


@pytest.fixture(scope="module")
def profiles():  # type: ignore[no-untyped-def]
    return build_user_profiles(usage_from_rows(WINDOW_START, WINDOW_END, _rows()))


def test_only_the_named_products_stop_burning(profiles) -> None:  # type: ignore[no-untyped-def]
    # Every week ann burns 40 Revit tokens (Monday to Thursday) and 7 AutoCAD (Friday).
    paths = np.full((3, H), 20.0)
    revit_only = LicenceMixChange(start=FIRST_DAY, user_keys=("ann",), products=("Revit",))
    everything = LicenceMixChange(start=FIRST_DAY, user_keys=("ann",))
    per_day = licence_mix_tokens_per_day(revit_only, FIRST_DAY, H, profiles)
    assert per_day.sum() == pytest.approx(4 * 40.0)
    assert per_day[:7].tolist() == pytest.approx([10.0, 10.0, 10.0, 10.0, 0.0, 0.0, 0.0])
    assert licence_mix_tokens_per_day(everything, FIRST_DAY, H, profiles).sum() == pytest.approx(
        4 * 47.0
    )
    rng = np.random.default_rng(0)
    result = apply_changes(paths, FIRST_DAY, [revit_only], profiles, rng)
    assert result.effects[0].mean_total_delta_tokens == pytest.approx(-160.0)
    assert result.effects[0].label == "1 named users to Revit subscriptions from 2024-12-30"


def test_a_rate_change_scales_only_its_product(profiles) -> None:  # type: ignore[no-untyped-def]
    change = LicenceMixChange(start=FIRST_DAY, user_keys=("ann", "bob"), products=("revit",))
    dearer = RateChange(start=FIRST_DAY + timedelta(days=14), product="Revit", tokens_per_day=12)
    per_day = licence_mix_tokens_per_day(change, FIRST_DAY, H, profiles, [dearer])
    # 60 Revit tokens a week for two weeks, then at 12/10 of that for two more.
    assert per_day.sum() == pytest.approx(2 * 60.0 + 2 * 72.0)


def test_a_user_without_the_product_is_warned_about(profiles) -> None:  # type: ignore[no-untyped-def]
    change = LicenceMixChange(start=FIRST_DAY, user_keys=("bob",), products=("AutoCAD",))
    paths = np.full((2, H), 10.0)
    result = apply_changes(paths, FIRST_DAY, [change], profiles, np.random.default_rng(0))
    assert result.effects[0].mean_total_delta_tokens == 0.0
    assert any("no use of 'AutoCAD'" in w for w in result.warnings)


def test_products_need_named_users() -> None:
    with pytest.raises(InvalidInputError, match="products go with user_keys"):
        LicenceMixChange(start=FIRST_DAY, users_of_segment=("power", 2), products=("Revit",))
    with pytest.raises(InvalidInputError):
        LicenceMixChange(start=FIRST_DAY, user_keys=("ann",), products=(" ",))
