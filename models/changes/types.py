"""Known changes: the four kinds of event an organization can tell us about, and their effects.

Every change is a small frozen dataclass that checks itself on construction (an impossible change
raises `InvalidInputError`, so a bad change never reaches a forecast). Token quantities are tokens
per day per user unless the name says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt

from models.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]

Segment = Literal["power", "regular", "occasional"]
SEGMENTS: tuple[Segment, ...] = ("power", "regular", "occasional")


def _check_days_per_week(days_per_week: float, what: str) -> None:
    if not 0 < days_per_week <= 7:
        raise InvalidInputError(f"{what}: days_per_week must be above 0 and at most 7")


def _check_products(products: tuple[str, ...], what: str) -> None:
    if not products or any(not p.strip() for p in products):
        raise InvalidInputError(f"{what}: products must name at least one product, none empty")


@dataclass(frozen=True)
class HeadcountChange:
    """From `start`, `users` people join (positive) or leave (negative).

    Their usage is either a segment of the organization's own users (`profile`), or explicit
    `products` opened on `days_per_week` days a week (each product charged its daily rate on
    every day used).
    """

    kind: ClassVar[str] = "headcount"
    start: date
    users: int
    profile: Segment | None = None
    products: tuple[str, ...] = ()
    days_per_week: float | None = None
    label: str = ""
    change_id: str = ""

    def __post_init__(self) -> None:
        if self.users == 0:
            raise InvalidInputError("headcount: users must not be 0 (+N join, -N leave)")
        explicit = bool(self.products) or self.days_per_week is not None
        if (self.profile is None) == (not explicit):
            raise InvalidInputError(
                "headcount: give either a profile (power, regular, occasional) or products "
                "with days_per_week, not both"
            )
        if self.profile is not None and self.profile not in SEGMENTS:
            raise InvalidInputError(f"headcount: unknown profile '{self.profile}'")
        if explicit:
            _check_products(self.products, "headcount")
            if self.days_per_week is None:
                raise InvalidInputError("headcount: products need days_per_week")
            _check_days_per_week(self.days_per_week, "headcount")


@dataclass(frozen=True)
class ProjectChange:
    """A project that may happen: `team_size` people using `products` on `days_per_week` days a
    week from `start` to `end` (both inclusive). On each path it happens with `win_probability`.
    """

    kind: ClassVar[str] = "project"
    name: str
    start: date
    end: date
    team_size: int
    products: tuple[str, ...]
    days_per_week: float
    win_probability: float
    change_id: str = ""

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InvalidInputError("project: name must not be empty")
        if self.end < self.start:
            raise InvalidInputError(f"project '{self.name}': end is before start")
        if self.team_size < 1:
            raise InvalidInputError(f"project '{self.name}': team_size must be at least 1")
        _check_products(self.products, f"project '{self.name}'")
        _check_days_per_week(self.days_per_week, f"project '{self.name}'")
        if not 0.0 <= self.win_probability <= 1.0:
            raise InvalidInputError(f"project '{self.name}': win_probability must be in [0, 1]")

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class LicenceMixChange:
    """From `start`, some users move to named-user subscriptions and stop burning tokens: either
    the users named in `user_keys`, or `users_of_segment = (segment, count)` typical users.

    With `products` (named users only), the subscriptions cover those products alone: the users
    stop burning tokens on them and go on burning on their other products (a hybrid model).
    """

    kind: ClassVar[str] = "licence_mix"
    start: date
    user_keys: tuple[str, ...] | None = None
    users_of_segment: tuple[Segment, int] | None = None
    label: str = ""
    change_id: str = ""
    products: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.user_keys is None) == (self.users_of_segment is None):
            raise InvalidInputError(
                "licence_mix: give either user_keys or users_of_segment, not both"
            )
        if self.user_keys is not None and not self.user_keys:
            raise InvalidInputError("licence_mix: user_keys must name at least one user")
        if self.users_of_segment is not None:
            segment, count = self.users_of_segment
            if segment not in SEGMENTS or count < 1:
                raise InvalidInputError(
                    "licence_mix: users_of_segment needs a segment (power, regular, occasional) "
                    "and a count of at least 1"
                )
        if self.products:
            _check_products(self.products, "licence_mix")
            if self.user_keys is None:
                raise InvalidInputError("licence_mix: products go with user_keys, not a segment")


@dataclass(frozen=True)
class RateChange:
    """From `start`, `product` costs `tokens_per_day` per user per day used."""

    kind: ClassVar[str] = "rate_change"
    start: date
    product: str
    tokens_per_day: float
    label: str = ""
    change_id: str = ""

    def __post_init__(self) -> None:
        if not self.product.strip():
            raise InvalidInputError("rate_change: product must not be empty")
        if not 0 <= self.tokens_per_day < 1e6:
            raise InvalidInputError("rate_change: tokens_per_day must be 0 or more")


Change = HeadcountChange | ProjectChange | LicenceMixChange | RateChange


def describe(change: Change) -> str:
    """The change's label, or a short plain description when it has none."""
    if change.label:
        return change.label
    day = change.start.isoformat()
    if isinstance(change, HeadcountChange):
        who = change.profile or f"{'+'.join(change.products)} {change.days_per_week:g} d/wk"
        return f"{change.users:+d} {who} users from {day}"
    if isinstance(change, LicenceMixChange):
        if change.user_keys is not None and change.products:
            what = ", ".join(change.products)
            return f"{len(change.user_keys)} named users to {what} subscriptions from {day}"
        if change.user_keys is not None:
            return f"{len(change.user_keys)} named users to subscriptions from {day}"
        segment, count = change.users_of_segment or ("", 0)
        return f"{count} {segment} users to subscriptions from {day}"
    if isinstance(change, RateChange):
        return f"{change.product} at {change.tokens_per_day:g} tokens/day from {day}"
    return change.name


@dataclass(frozen=True)
class ChangeEffect:
    """What one change did to the horizon total (tokens), over the S paths.

    `mean_total_delta_tokens` is the mean over paths of (adjusted - before) summed over the
    horizon; `p10/p50/p90_total_delta_tokens` are quantiles of that per-path delta.
    """

    change_id: str
    label: str
    kind: str
    mean_total_delta_tokens: float
    p10_total_delta_tokens: float
    p50_total_delta_tokens: float
    p90_total_delta_tokens: float


@dataclass(frozen=True)
class ChangeResult:
    """Paths after the known changes, shape (S, H) tokens per day, never negative; each change's
    effect in the order the changes were given; plain-sentence warnings."""

    adjusted_paths: FloatArray
    effects: tuple[ChangeEffect, ...]
    warnings: tuple[str, ...]
