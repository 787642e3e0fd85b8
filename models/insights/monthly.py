"""The monthly governance facts: tokens by user and product, and how segments moved.

A month's segments are those of the trailing window ending on the month's last day (the same
rules as everywhere); "since last month" compares them with the window ending on the previous
month's last day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.insights.activity import Activity
from models.insights.segments import USER_SEGMENTS, UserSegment, UserStanding


@dataclass(frozen=True)
class UserProductMonth:
    """One user x product in the month: charged days, tokens, short launches."""

    user_key: str
    product: str
    days_used: int
    tokens: float
    short_launches: int


def tokens_by_user_product(activity: Activity) -> list[UserProductMonth]:
    """Every user x product with a row in the activity's window (the month), by user then
    product, in the activity's order."""
    out = []
    for u, key in enumerate(activity.user_keys):
        for p, product in enumerate(activity.products):
            days = int(activity.pair_days[u, p])
            launches = int(activity.pair_short_launches[u, p])
            if days == 0 and launches == 0:
                continue
            out.append(
                UserProductMonth(key, product, days, float(activity.pair_tokens[u, p]), launches)
            )
    return out


@dataclass(frozen=True)
class SegmentChange:
    """A user whose segment differs between two windows; None: not in that window at all
    (no row for a whole window)."""

    user_key: str
    previous: UserSegment | None
    current: UserSegment | None


def segment_changes(
    previous: Sequence[UserStanding], current: Sequence[UserStanding]
) -> list[SegmentChange]:
    """Users whose segment changed, by user key."""
    before = {s.user_key: s.segment for s in previous}
    now = {s.user_key: s.segment for s in current}
    out = []
    for key in sorted(before.keys() | now.keys()):
        if before.get(key) != now.get(key):
            out.append(SegmentChange(key, before.get(key), now.get(key)))
    return out


def transition_counts(changes: Sequence[SegmentChange]) -> dict[str, int]:
    """Changes counted as "previous->current" ("none" for a user absent from a window), in the
    segments' order."""
    order = {s: i for i, s in enumerate((*USER_SEGMENTS, None))}
    counts: dict[str, int] = {}
    for c in sorted(changes, key=lambda c: (order[c.previous], order[c.current])):
        label = f"{c.previous or 'none'}->{c.current or 'none'}"
        counts[label] = counts.get(label, 0) + 1
    return counts
