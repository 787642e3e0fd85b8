"""Known changes applied to forecast sample paths.

The paths stay joint: a project is won on some paths and lost on others (one Bernoulli draw per
path), so pipeline risk widens the spread of horizon totals instead of shifting only the mean.

Order of application: rate changes first (they scale the forecast burn by the product's share),
then headcount, project and licence-mix changes in the order given. Additions priced by products
use each day's rate once rate changes are in force; additions and removals priced by user
profiles are scaled by the same mix factor as the forecast burn. Removals never take a day below
zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from models.changes.defaults import day_fractions
from models.changes.profiles import UserProfiles
from models.changes.rates import RateSchedule, day_offset
from models.changes.types import (
    Change,
    ChangeEffect,
    ChangeResult,
    HeadcountChange,
    LicenceMixChange,
    ProjectChange,
    RateChange,
    describe,
)
from models.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def apply_changes(
    paths: FloatArray,
    first_day: date,
    changes: Sequence[Change],
    profiles: UserProfiles,
    rng: np.random.Generator,
) -> ChangeResult:
    """Adjust daily-token sample paths for known changes.

    `paths` has shape (S, H): tokens on day `first_day + j` of path s; it is not modified.
    Returns the adjusted paths (S, H), never negative, and each change's effect on the horizon
    total in the order `changes` were given. All random draws (one uniform per path per project)
    come from `rng`, so the result is reproducible from the seed.
    """
    base = _checked(paths)
    ctx = _Context(first_day, base.shape[1], profiles, changes)
    current = base.copy()
    effects: dict[int, ChangeEffect] = {}
    rate_positions = [i for i, c in enumerate(changes) if isinstance(c, RateChange)]
    for k, i in enumerate(rate_positions):
        ctx.check_rate_change(changes[i])
        after = base * ctx.rates.mix_factor(k + 1)
        effects[i] = _effect(changes[i], current, after)
        current = after
    for i, change in enumerate(changes):
        if isinstance(change, RateChange):
            continue
        ctx.check_timing(change)
        after = _apply_one(change, current, ctx, rng)
        effects[i] = _effect(change, current, after)
        current = after
    if any(_uses_segments(c) for c in changes):
        ctx.warnings[:0] = [w for w in profiles.warnings if w not in ctx.warnings]
    ordered = tuple(effects[i] for i in range(len(changes)))
    return ChangeResult(current, ordered, tuple(ctx.warnings))


@dataclass
class _Context:
    """What every change needs: the horizon's calendar, the profiles, rates and warnings."""

    first_day: date
    horizon_days: int
    profiles: UserProfiles
    changes: Sequence[Change]
    warnings: list[str] = field(default_factory=list)
    rates: RateSchedule = field(init=False)
    weekdays: npt.NDArray[np.int64] = field(init=False)
    mix: FloatArray = field(init=False)

    def __post_init__(self) -> None:
        rate_changes = [c for c in self.changes if isinstance(c, RateChange)]
        self.rates = RateSchedule(self.profiles, rate_changes, self.first_day, self.horizon_days)
        self.weekdays = (
            np.arange(self.horizon_days, dtype=np.int64) + self.first_day.weekday()
        ) % 7
        self.mix = self.rates.mix_factor()

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def active(self, start: date, end: date | None = None) -> BoolArray:
        """Horizon days from `start` to `end` (inclusive; open-ended without one), shape (H,)."""
        mask = np.zeros(self.horizon_days, dtype=bool)
        stop = (
            self.horizon_days
            if end is None
            else day_offset(self.first_day, end + timedelta(days=1), self.horizon_days)
        )
        mask[day_offset(self.first_day, start, self.horizon_days) : stop] = True
        return mask

    def products_per_use_day(self, products: Sequence[str], label: str) -> FloatArray:
        """Tokens one user burns on a day of use of all `products`, per horizon day, (H,)."""
        total = np.zeros(self.horizon_days, dtype=np.float64)
        for product in products:
            path = self.rates.rate_path(product)
            if np.isnan(path).any():
                self.warn(
                    f"No daily rate is known for '{product}' (it is not in the organization's "
                    f"history or the published rates): '{label}' counts 0 tokens for it."
                )
            total += np.nan_to_num(path, nan=0.0)
        return total

    def check_timing(self, change: Change) -> None:
        label = describe(change)
        if isinstance(change, ProjectChange) and change.end < self.first_day:
            self.warn(f"'{label}' ended before the forecast's first day: it has no effect.")
        elif change.start < self.first_day:
            self.warn(
                f"'{label}' started on {change.start.isoformat()}, before the forecast's first "
                f"day {self.first_day.isoformat()}: it is applied in full from that day, though "
                "the history may already show part of it."
            )

    def check_rate_change(self, change: Change) -> None:
        assert isinstance(change, RateChange)
        self.check_timing(change)
        if self.rates.scales_burn(change):
            return
        if not self.profiles.product_share:
            why = "the history has no per-product breakdown"
        elif self.profiles.rate(change.product) is None:
            why = f"no current rate is known for '{change.product}'"
        else:
            why = f"'{change.product}' has no usage in the history"
        self.warn(
            f"'{describe(change)}' cannot scale the forecast ({why}); it changes only the "
            "projects and new users that name the product."
        )


def _checked(paths: FloatArray) -> FloatArray:
    arr = np.asarray(paths, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InvalidInputError("paths must have shape (n_paths, horizon_days), both above 0")
    if not np.isfinite(arr).all():
        raise InvalidInputError("paths must be finite")
    return arr


def _uses_segments(change: Change) -> bool:
    if isinstance(change, HeadcountChange):
        return change.profile is not None
    return isinstance(change, LicenceMixChange) and change.users_of_segment is not None


def _apply_one(
    change: Change, current: FloatArray, ctx: _Context, rng: np.random.Generator
) -> FloatArray:
    if isinstance(change, HeadcountChange):
        per_day = abs(change.users) * _headcount_user_per_day(change, ctx)
        if change.users > 0:
            return current + per_day[None, :]
        return np.maximum(current - per_day[None, :], 0.0)
    if isinstance(change, ProjectChange):
        per_day = _project_per_day(change, ctx)
        won = rng.random(size=(current.shape[0],)) < change.win_probability
        return current + won[:, None] * per_day[None, :]
    if isinstance(change, LicenceMixChange):
        return np.maximum(current - _licence_mix_per_day(change, ctx)[None, :], 0.0)
    raise InvalidInputError(f"unknown change kind: {type(change).__name__}")


def _headcount_user_per_day(change: HeadcountChange, ctx: _Context) -> FloatArray:
    """Tokens one of the change's users burns on each horizon day from its start, shape (H,)."""
    active = ctx.active(change.start)
    if change.profile is not None:
        profile = ctx.profiles.segments[change.profile].tokens_per_weekday
        return profile[ctx.weekdays] * ctx.mix * active
    assert change.days_per_week is not None
    use = day_fractions(change.days_per_week)[ctx.weekdays]
    return use * ctx.products_per_use_day(change.products, describe(change)) * active


def _project_per_day(change: ProjectChange, ctx: _Context) -> FloatArray:
    """Tokens the whole team burns on each horizon day if the project happens, shape (H,)."""
    use = day_fractions(change.days_per_week)[ctx.weekdays]
    rates = ctx.products_per_use_day(change.products, change.name)
    return change.team_size * use * rates * ctx.active(change.start, change.end)


def _licence_mix_per_day(change: LicenceMixChange, ctx: _Context) -> FloatArray:
    """Tokens the moving users no longer burn on each horizon day, shape (H,)."""
    if change.products:
        return _licence_mix_products_per_day(change, ctx)
    weekly = np.zeros(7, dtype=np.float64)
    if change.user_keys is not None:
        for key in change.user_keys:
            own = ctx.profiles.user_profile(key)
            if own is None:
                ctx.warn(
                    f"User '{key}' has no use in the last 90 days of the history: "
                    f"'{describe(change)}' subtracts nothing for them."
                )
            else:
                weekly += own
    elif change.users_of_segment is not None:
        segment, count = change.users_of_segment
        weekly += count * ctx.profiles.segments[segment].tokens_per_weekday
    return weekly[ctx.weekdays] * ctx.mix * ctx.active(change.start)


def _licence_mix_products_per_day(change: LicenceMixChange, ctx: _Context) -> FloatArray:
    """The named users' burn on the change's products only, each product scaled by its own rate
    changes, shape (H,)."""
    total = np.zeros(ctx.horizon_days, dtype=np.float64)
    for product in change.products:
        weekly = np.zeros(7, dtype=np.float64)
        for key in change.user_keys or ():
            own = ctx.profiles.user_product_profile(key, product)
            if own is None:
                ctx.warn(
                    f"User '{key}' has no use of '{product}' in the history or no use at all in "
                    f"its last 90 days: '{describe(change)}' subtracts nothing for them there."
                )
            else:
                weekly += own
        total += weekly[ctx.weekdays] * _rate_factor(ctx, product)
    return total * ctx.active(change.start)


def _rate_factor(ctx: _Context, product: str) -> FloatArray:
    """The product's rate on each horizon day over its rate now (1 where nothing changes)."""
    base = ctx.profiles.rate(product)
    if not base:
        return np.ones(ctx.horizon_days, dtype=np.float64)
    factor: FloatArray = np.nan_to_num(ctx.rates.rate_path(product) / base, nan=1.0)
    return factor


def licence_mix_tokens_per_day(
    change: LicenceMixChange,
    first_day: date,
    horizon_days: int,
    profiles: UserProfiles,
    rate_changes: Sequence[RateChange] = (),
) -> FloatArray:
    """What a licence-mix change takes off each day of a horizon starting on `first_day`,
    shape (horizon_days,), tokens, with `rate_changes` in force: the amount `apply_changes`
    subtracts (before its floor at zero)."""
    ctx = _Context(first_day, horizon_days, profiles, list(rate_changes))
    return _licence_mix_per_day(change, ctx)


def _effect(change: Change, before: FloatArray, after: FloatArray) -> ChangeEffect:
    delta = after.sum(axis=1) - before.sum(axis=1)
    p10, p50, p90 = (float(q) for q in np.quantile(delta, [0.1, 0.5, 0.9]))
    return ChangeEffect(
        change_id=change.change_id,
        label=describe(change),
        kind=change.kind,
        mean_total_delta_tokens=float(delta.mean()),
        p10_total_delta_tokens=p10,
        p50_total_delta_tokens=p50,
        p90_total_delta_tokens=p90,
    )
