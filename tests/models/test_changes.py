"""Known changes on forecast paths, against totals worked out by hand or from the raw history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pytest

from models.changes import (
    HeadcountChange,
    LicenceMixChange,
    ProjectChange,
    RateChange,
    UserProfiles,
    apply_changes,
    build_user_profiles,
    default_profiles,
    usage_from_rows,
)
from models.errors import InvalidInputError

WINDOW_END = date(2024, 12, 31)
WINDOW_START = WINDOW_END - timedelta(days=364)
FIRST_DAY = date(2025, 1, 1)
H = 365

Row = tuple[date, str, str, float]

# (name prefix, how many, chance of use on a weekday, product, tokens per use)
GROUPS = [
    ("power", 6, 0.95, "Revit", 10.0),
    ("regular", 10, 0.4, "AutoCAD", 7.0),
    ("occasional", 5, 0.07, "3ds Max", 6.0),
]


def window_days() -> list[date]:
    return [WINDOW_START + timedelta(days=i) for i in range(365)]


def synthetic_history(seed: int = 7) -> list[Row]:
    """Users whose segment is known by construction, plus two who stopped in the spring."""
    rng = np.random.default_rng(seed)
    rows: list[Row] = []
    for prefix, count, chance, product, tokens in GROUPS:
        for u in range(count):
            for d in window_days():
                if d.weekday() < 5 and rng.random() < chance:
                    rows.append((d, f"{prefix}{u}", product, tokens))
    for u in range(2):
        rows += [(d, f"gone{u}", "Revit", 10.0) for d in window_days()[:120] if d.weekday() < 5]
    return rows


def burned(rows: list[Row], prefix: str) -> float:
    return sum(r[3] for r in rows if r[1].startswith(prefix))


@pytest.fixture(scope="module")
def history() -> list[Row]:
    return synthetic_history()


@pytest.fixture(scope="module")
def profiles(history: list[Row]) -> UserProfiles:
    return build_user_profiles(usage_from_rows(WINDOW_START, WINDOW_END, history))


def baseline(n_paths: int, mean: float, sd: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.normal(mean, sd, (n_paths, H)), 0.0, None)


def test_users_are_classified_by_how_often_they_use(profiles: UserProfiles) -> None:
    assert {s: p.n_users for s, p in profiles.segments.items()} == {
        "power": 6,
        "regular": 10,
        "occasional": 5,
    }
    assert not any(k.startswith("gone") for k in profiles.user_keys)
    assert profiles.observed_rates == {"revit": 10.0, "autocad": 7.0, "3ds max": 6.0}
    power = profiles.segments["power"].tokens_per_weekday
    assert power[5] == power[6] == 0.0
    assert power[:5] == pytest.approx([9.5] * 5, abs=1.0)  # 0.95 x 10 tokens


def test_ten_power_users_raise_the_median_by_ten_power_users_last_year(
    history: list[Row], profiles: UserProfiles
) -> None:
    expected = burned(history, "power") / 6 * 10
    base = baseline(500, 2000.0, 300.0)
    change = HeadcountChange(start=FIRST_DAY, users=10, profile="power")
    res = apply_changes(base, FIRST_DAY, [change], profiles, np.random.default_rng(0))
    shift = np.median(res.adjusted_paths.sum(axis=1)) - np.median(base.sum(axis=1))
    assert shift == pytest.approx(expected, rel=0.02)
    assert res.effects[0].mean_total_delta_tokens == pytest.approx(expected, rel=0.02)
    assert res.effects[0].kind == "headcount"


def test_project_at_half_probability_adds_half_and_widens_the_spread(
    profiles: UserProfiles,
) -> None:
    # 2025-03-03 (Mon) to 2025-05-30 (Fri): 13 full work weeks, 65 weekdays.
    full = 4 * (3 / 5) * (10 + 7) * 65
    base = baseline(4000, 2000.0, 30.0)
    change = ProjectChange(
        name="Harbour",
        start=date(2025, 3, 3),
        end=date(2025, 5, 30),
        team_size=4,
        products=("Revit", "AutoCAD"),
        days_per_week=3,
        win_probability=0.5,
    )
    res = apply_changes(base, FIRST_DAY, [change], profiles, np.random.default_rng(3))
    before, after = base.sum(axis=1), res.adjusted_paths.sum(axis=1)
    delta = after - before
    assert set(np.round(delta, 6)) == {0.0, round(full, 6)}
    assert delta.mean() == pytest.approx(0.5 * full, rel=0.05)
    spread = np.subtract(*np.quantile(after, [0.9, 0.1]))
    base_spread = np.subtract(*np.quantile(before, [0.9, 0.1]))
    assert spread > base_spread + 0.5 * full
    effect = res.effects[0]
    assert effect.label == "Harbour"
    assert effect.p10_total_delta_tokens == 0.0
    assert effect.p90_total_delta_tokens == pytest.approx(full)


def test_licence_mix_of_named_users_removes_their_burn(
    history: list[Row], profiles: UserProfiles
) -> None:
    expected = burned(history, "power0") + burned(history, "regular3")
    base = baseline(200, 2000.0, 100.0)
    change = LicenceMixChange(start=FIRST_DAY, user_keys=("power0", "regular3"))
    res = apply_changes(base, FIRST_DAY, [change], profiles, np.random.default_rng(0))
    removed = base.sum() / 200 - res.adjusted_paths.sum() / 200
    assert removed == pytest.approx(expected, rel=0.03)
    assert res.warnings == ()


def test_licence_mix_of_a_segment_and_an_unknown_user(
    history: list[Row], profiles: UserProfiles
) -> None:
    expected = burned(history, "regular") / 10 * 3
    base = baseline(50, 2000.0, 100.0)
    by_segment = LicenceMixChange(start=FIRST_DAY, users_of_segment=("regular", 3))
    unknown = LicenceMixChange(start=FIRST_DAY, user_keys=("gone0",), label="gone")
    res = apply_changes(base, FIRST_DAY, [by_segment, unknown], profiles, np.random.default_rng(0))
    assert -res.effects[0].mean_total_delta_tokens == pytest.approx(expected, rel=0.03)
    assert res.effects[1].mean_total_delta_tokens == 0.0
    assert any("gone0" in w for w in res.warnings)


def test_leavers_never_push_a_day_below_zero(profiles: UserProfiles) -> None:
    base = baseline(100, 15.0, 10.0)
    start = date(2025, 2, 1)
    change = HeadcountChange(start=start, users=-20, profile="power")
    res = apply_changes(base, FIRST_DAY, [change], profiles, np.random.default_rng(0))
    adj = res.adjusted_paths
    k = (start - FIRST_DAY).days
    assert (adj >= 0).all()
    np.testing.assert_array_equal(adj[:, :k], base[:, :k])
    weekdays = np.array([(FIRST_DAY + timedelta(days=j)).weekday() for j in range(H)])
    after_start = np.arange(H) >= k
    # 20 power users burn ~190 tokens a weekday, far more than the ~15 of these paths.
    assert (adj[:, after_start & (weekdays < 5)] == 0).all()
    weekend = after_start & (weekdays >= 5)
    np.testing.assert_array_equal(adj[:, weekend], base[:, weekend])
    assert res.effects[0].mean_total_delta_tokens == pytest.approx(
        -base[:, after_start & (weekdays < 5)].sum(axis=1).mean()
    )


def flat_history() -> list[Row]:
    """Six Revit users (10 a day) and four AutoCAD users (7 a day), every weekday."""
    rows: list[Row] = []
    for d in window_days():
        if d.weekday() < 5:
            rows += [(d, f"r{u}", "Revit", 10.0) for u in range(6)]
            rows += [(d, f"a{u}", "AutoCAD", 7.0) for u in range(4)]
    return rows


def test_rate_change_scales_the_products_share_and_prices_projects() -> None:
    profiles = build_user_profiles(usage_from_rows(WINDOW_START, WINDOW_END, flat_history()))
    revit_share = 60 / (60 + 28)
    factor = 1 + revit_share * (12 / 10 - 1)
    base = baseline(20, 500.0, 50.0)
    k = 100
    start = FIRST_DAY + timedelta(days=k)
    rate = RateChange(start=start, product="revit", tokens_per_day=12)
    project = ProjectChange(
        name="P",
        start=start,
        end=start + timedelta(days=6),
        team_size=1,
        products=("Revit",),
        days_per_week=5,
        win_probability=1.0,
    )
    res = apply_changes(base, FIRST_DAY, [project, rate], profiles, np.random.default_rng(0))
    adj = res.adjusted_paths
    np.testing.assert_array_equal(adj[:, :k], base[:, :k])
    np.testing.assert_allclose(adj[:, k + 7 :], base[:, k + 7 :] * factor)
    # one user, five weekdays in a week, at the new rate of 12
    assert res.effects[0].mean_total_delta_tokens == pytest.approx(5 * 12)
    scaled = (factor - 1) * base[:, k:].sum(axis=1).mean()
    assert res.effects[1].mean_total_delta_tokens == pytest.approx(scaled)
    assert res.effects[1].kind == "rate_change"


def test_rate_change_without_a_product_breakdown_warns_and_changes_nothing() -> None:
    profiles = default_profiles(WINDOW_START, 365)
    base = baseline(10, 500.0, 50.0)
    change = RateChange(start=FIRST_DAY, product="Revit", tokens_per_day=12)
    res = apply_changes(base, FIRST_DAY, [change], profiles, np.random.default_rng(0))
    np.testing.assert_array_equal(res.adjusted_paths, base)
    assert any("cannot scale" in w and "per-product" in w for w in res.warnings)


def test_totals_only_history_falls_back_to_published_defaults() -> None:
    rows = [(d, "", "", 300.0) for d in window_days()]
    profiles = build_user_profiles(usage_from_rows(WINDOW_START, WINDOW_END, rows))
    published_mean = (7 + 10 + 6 + 9 + 4) / 5
    power = profiles.segments["power"]
    assert power.from_defaults
    np.testing.assert_allclose(power.tokens_per_weekday, [0.9 * published_mean] * 5 + [0, 0])
    occasional = profiles.segments["occasional"].tokens_per_weekday
    np.testing.assert_allclose(occasional, [0.12 * published_mean] * 5 + [0, 0])
    assert any("defaults" in w for w in profiles.warnings)
    base = baseline(10, 500.0, 50.0)
    change = HeadcountChange(start=FIRST_DAY, users=2, profile="regular")
    res = apply_changes(base, FIRST_DAY, [change], profiles, np.random.default_rng(0))
    assert any("defaults" in w for w in res.warnings)
    assert res.effects[0].mean_total_delta_tokens == pytest.approx(2 * 0.5 * published_mean * 261)


def test_explicit_products_headcount_uses_the_rate_on_weekdays(profiles: UserProfiles) -> None:
    base = np.zeros((3, H))
    change = HeadcountChange(start=FIRST_DAY, users=3, products=("Revit",), days_per_week=2.5)
    res = apply_changes(base, FIRST_DAY, [change], profiles, np.random.default_rng(0))
    weekdays = np.array([(FIRST_DAY + timedelta(days=j)).weekday() for j in range(H)])
    expected = np.where(weekdays < 5, 3 * 0.5 * 10.0, 0.0)
    np.testing.assert_allclose(res.adjusted_paths, np.tile(expected, (3, 1)))


def test_same_seed_same_paths_other_seed_other_draws(profiles: UserProfiles) -> None:
    base = baseline(300, 2000.0, 30.0)
    change = ProjectChange("X", FIRST_DAY, date(2025, 6, 30), 5, ("Revit",), 4, 0.5)

    def run(seed: int) -> np.ndarray:
        out = apply_changes(base, FIRST_DAY, [change], profiles, np.random.default_rng(seed))
        return out.adjusted_paths

    np.testing.assert_array_equal(run(11), run(11))
    assert not np.array_equal(run(11), run(12))


def test_a_change_that_started_before_the_forecast_warns(profiles: UserProfiles) -> None:
    base = baseline(5, 500.0, 50.0)
    change = HeadcountChange(start=date(2024, 6, 1), users=1, profile="regular", label="Anna")
    res = apply_changes(base, FIRST_DAY, [change], profiles, np.random.default_rng(0))
    assert any("'Anna' started on 2024-06-01" in w for w in res.warnings)
    assert res.effects[0].label == "Anna"


@pytest.mark.parametrize(
    "make",
    [
        lambda: HeadcountChange(FIRST_DAY, 0, "power"),
        lambda: HeadcountChange(FIRST_DAY, 3, "power", ("Revit",), 2.0),
        lambda: HeadcountChange(FIRST_DAY, 3, products=("Revit",)),
        lambda: ProjectChange("P", FIRST_DAY, date(2024, 1, 1), 2, ("Revit",), 3, 0.5),
        lambda: ProjectChange("P", FIRST_DAY, FIRST_DAY, 2, ("Revit",), 3, 1.5),
        lambda: ProjectChange("P", FIRST_DAY, FIRST_DAY, 2, ("Revit",), 8, 0.5),
        lambda: LicenceMixChange(FIRST_DAY),
        lambda: LicenceMixChange(FIRST_DAY, ("a",), ("power", 2)),
        lambda: RateChange(FIRST_DAY, "Revit", -1),
    ],
)
def test_impossible_changes_are_refused(make: Callable[[], object]) -> None:
    with pytest.raises(InvalidInputError):
        make()
