"""Per-user usage profiles learnt from the organization's own user-level history.

Users active in the window are classified by how often they use any product:
- power: on 4 or more days a week on average over the window;
- occasional: on fewer than 40 days a year (scaled to the window's length);
- regular: everyone else.
Users with no use in the window's last 90 days are inactive and left out. A segment's profile is
the mean over its users of each user's mean tokens per weekday (days without use count as 0), so
N new users of a segment are expected to burn N times that profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from models.changes.defaults import (
    DEFAULT_DAYS_PER_WEEK,
    day_fractions,
    default_tokens_per_use_day,
    normalize_product,
    published_rate,
)
from models.changes.types import SEGMENTS, Segment
from models.changes.usage import UserDailyUsage

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

POWER_DAYS_PER_WEEK = 4.0
OCCASIONAL_DAYS_PER_YEAR = 40.0
INACTIVE_AFTER_DAYS = 90


@dataclass(frozen=True)
class SegmentProfile:
    """One typical user of a segment: mean tokens on each weekday, Mon..Sun, shape (7,), and
    mean days of use a week. `n_users` is 0 when the profile comes from the defaults."""

    segment: Segment
    n_users: int
    tokens_per_weekday: FloatArray
    days_per_week: float
    from_defaults: bool


@dataclass(frozen=True)
class UserProfiles:
    """What the organization's history says about its users and products.

    - `segments`: the power, regular and occasional profiles (learnt or default);
    - `user_keys` (n,), `user_segments` (n,), `user_tokens_per_weekday` (n, 7): the active users
      and each one's mean tokens per weekday, Mon..Sun;
    - `observed_rates`: tokens per user per day of use, the median per product (keys are
      normalized product names);
    - `product_share`: each product's share of the window's tokens (empty when the history has
      no products);
    - `warnings`: plain sentences, e.g. that defaults were used;
    - `user_product_tokens_per_weekday`: (active user key, normalized product) -> that user's
      mean tokens per weekday on that product alone, shape (7,).
    """

    window_start: date
    window_days: int
    segments: Mapping[Segment, SegmentProfile]
    user_keys: tuple[str, ...] = ()
    user_segments: tuple[Segment, ...] = ()
    user_tokens_per_weekday: FloatArray = field(
        default_factory=lambda: np.zeros((0, 7), dtype=np.float64)
    )
    observed_rates: Mapping[str, float] = field(default_factory=dict)
    product_share: Mapping[str, float] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    user_product_tokens_per_weekday: Mapping[tuple[str, str], FloatArray] = field(
        default_factory=dict
    )

    def rate(self, product: str) -> float | None:
        """Tokens per day of use of `product`: as observed, else as published, else None."""
        observed = self.observed_rates.get(normalize_product(product))
        return observed if observed is not None else published_rate(product)

    def user_profile(self, user_key: str) -> FloatArray | None:
        """An active user's mean tokens per weekday, shape (7,), or None if not active."""
        if user_key not in self.user_keys:
            return None
        row: FloatArray = self.user_tokens_per_weekday[self.user_keys.index(user_key)]
        return row

    def user_product_profile(self, user_key: str, product: str) -> FloatArray | None:
        """An active user's mean tokens per weekday on one product, shape (7,), or None if the
        user is not active or never used the product in the window."""
        return self.user_product_tokens_per_weekday.get((user_key, normalize_product(product)))


def default_profiles(
    window_start: date, window_days: int, product_share: Mapping[str, float] | None = None
) -> UserProfiles:
    """Profiles for an organization whose history has no users: the default days a week per
    profile at the published rates (see `models.changes.defaults`), with a warning saying so.

    `product_share` (normalized product -> share of tokens) weights the published rates.
    """
    share = dict(product_share or {})
    rate = default_tokens_per_use_day(share)
    segments = {s: _default_segment(s, rate) for s in SEGMENTS}
    days = ", ".join(f"{s} users {DEFAULT_DAYS_PER_WEEK[s]:g} days a week" for s in SEGMENTS)
    warning = (
        "The usage history has no per-user rows, so the user profiles are defaults: "
        f"{days}, at {rate:.1f} tokens per day of use (from Autodesk's published rates)."
    )
    return UserProfiles(
        window_start, window_days, segments, product_share=share, warnings=(warning,)
    )


def build_user_profiles(usage: UserDailyUsage) -> UserProfiles:
    """Classify the window's users and learn segment profiles, product rates and product mix.

    Falls back to `default_profiles` when no row has a user, and to a default profile (at the
    organization's own mean tokens per day of use) for a segment with no active user.
    """
    share = _product_share(usage)
    per_user, used = _user_day_matrices(usage)
    active = np.asarray(used[:, -INACTIVE_AFTER_DAYS:].any(axis=1), dtype=bool)
    if not active.any():
        return default_profiles(usage.start, usage.n_days, share)
    keys = tuple(k for k, a in zip(_named_users(usage), active.tolist(), strict=True) if a)
    per_user, used = per_user[active], used[active]
    labels = _classify(used.sum(axis=1), usage.n_days)
    weekday_means = _weekday_means(per_user, usage.start)
    rate = float(per_user.sum() / max(int(used.sum()), 1))
    segments: dict[Segment, SegmentProfile] = {}
    warnings: list[str] = []
    for s in SEGMENTS:
        members = np.array([label == s for label in labels], dtype=bool)
        if members.any():
            days = float(used[members].sum(axis=1).mean() * 7.0 / usage.n_days)
            profile = weekday_means[members].mean(axis=0)
            segments[s] = SegmentProfile(s, int(members.sum()), profile, days, False)
            continue
        segments[s] = _default_segment(s, rate)
        warnings.append(
            f"No active {s} users in the history: the {s} profile is a default, "
            f"{DEFAULT_DAYS_PER_WEEK[s]:g} days a week at {rate:.1f} tokens per day of use."
        )
    return UserProfiles(
        window_start=usage.start,
        window_days=usage.n_days,
        segments=segments,
        user_keys=keys,
        user_segments=tuple(labels),
        user_tokens_per_weekday=weekday_means,
        observed_rates=_observed_rates(usage),
        product_share=share,
        warnings=tuple(warnings),
        user_product_tokens_per_weekday=_user_product_weekday_means(usage, set(keys)),
    )


def _default_segment(segment: Segment, tokens_per_use_day: float) -> SegmentProfile:
    days = DEFAULT_DAYS_PER_WEEK[segment]
    return SegmentProfile(segment, 0, tokens_per_use_day * day_fractions(days), days, True)


def _named_users(usage: UserDailyUsage) -> list[str]:
    return [k for k in usage.user_keys if k]


def _user_day_matrices(usage: UserDailyUsage) -> tuple[FloatArray, BoolArray]:
    """Tokens per user and day, (n_users, n_days), and whether the user had any row that day,
    for the users with a key (in `user_keys` order)."""
    named = np.array([bool(k) for k in usage.user_keys], dtype=bool)
    position = np.cumsum(named) - 1
    rows = named[usage.user_index]
    n_users, n_days = int(named.sum()), usage.n_days
    flat = position[usage.user_index[rows]] * n_days + usage.day_index[rows]
    size = n_users * n_days
    tokens = np.bincount(flat, weights=usage.tokens[rows], minlength=size).astype(np.float64)
    seen = np.bincount(flat, minlength=size) > 0
    return tokens.reshape(n_users, n_days), seen.reshape(n_users, n_days)


def _classify(days_used: npt.NDArray[np.int64], n_days: int) -> list[Segment]:
    occasional_below = OCCASIONAL_DAYS_PER_YEAR * n_days / 365.0
    labels: list[Segment] = []
    for days in days_used:
        if days * 7.0 / n_days >= POWER_DAYS_PER_WEEK:
            labels.append("power")
        elif days < occasional_below:
            labels.append("occasional")
        else:
            labels.append("regular")
    return labels


def _weekday_means(per_user: FloatArray, start: date) -> FloatArray:
    """Each user's mean tokens on each weekday, Mon..Sun: (n_users, n_days) -> (n_users, 7)."""
    n_days = per_user.shape[1]
    weekday = (np.arange(n_days) + start.weekday()) % 7
    one_hot = (weekday[:, None] == np.arange(7)[None, :]).astype(np.float64)
    counts = one_hot.sum(axis=0)
    sums: FloatArray = per_user @ one_hot
    means: FloatArray = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    return means


def _user_product_weekday_means(
    usage: UserDailyUsage, active: set[str]
) -> dict[tuple[str, str], FloatArray]:
    """(user key, normalized product) -> mean tokens per weekday, Mon..Sun, for active users."""
    weekday = (usage.day_index + usage.start.weekday()) % 7
    n_products = len(usage.products)
    flat = (usage.user_index * n_products + usage.product_index) * 7 + weekday
    sums = np.bincount(flat, weights=usage.tokens, minlength=len(usage.user_keys) * n_products * 7)
    days = (np.arange(usage.n_days) + usage.start.weekday()) % 7
    counts = np.maximum(np.bincount(days, minlength=7), 1).astype(np.float64)
    per_pair = sums.reshape(len(usage.user_keys), n_products, 7) / counts
    out: dict[tuple[str, str], FloatArray] = {}
    for u, p in zip(*np.nonzero(per_pair.sum(axis=2) > 0), strict=True):
        key, product = usage.user_keys[u], usage.products[p]
        if key in active and product:
            pair = (key, normalize_product(product))
            out[pair] = out.get(pair, np.zeros(7)) + per_pair[u, p]
    return out


def _observed_rates(usage: UserDailyUsage) -> dict[str, float]:
    """Median tokens of one user's day on a product, over rows with a user and tokens > 0."""
    rates: dict[str, float] = {}
    named_user = np.array([bool(k) for k in usage.user_keys], dtype=bool)[usage.user_index]
    for i, product in enumerate(usage.products):
        rows = named_user & (usage.product_index == i) & (usage.tokens > 0)
        if product and rows.any():
            rates[normalize_product(product)] = float(np.median(usage.tokens[rows]))
    return rates


def _product_share(usage: UserDailyUsage) -> dict[str, float]:
    """Each product's share of the tokens that carry a product (normalized names); rows without
    a product are assumed to follow the same mix."""
    totals = np.bincount(usage.product_index, weights=usage.tokens, minlength=len(usage.products))
    known: dict[str, float] = {}
    for product, total in zip(usage.products, totals, strict=True):
        if product:
            key = normalize_product(product)
            known[key] = known.get(key, 0.0) + float(total)
    grand = sum(known.values())
    return {p: t / grand for p, t in known.items()} if grand > 0 else {}
