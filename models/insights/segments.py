"""User segments: power, regular, occasional, inactive, after the Flex optimization whitepaper's
four-category segmentation turned into rules on days used.

The window is the trailing `n_days` days ending at `as_of` (the service uses 365 days, shortened
to the organization's first day of data when its history is shorter). A *day used* is a day with
a charged row (tokens > 0) on any product; short launches (0-token rows) do not count. Rules, in
order (the first that holds wins):

1. inactive: no day used in the last `inactive_after_days` days up to `as_of`;
2. power: days used x 7 / window days >= `power_days_per_week` (on average, over the window);
3. occasional: days used < `occasional_days_per_year` x window days / 365;
4. regular: everyone else.

Every user is judged on the same window, so someone who joined three months ago and works
daily counts about 1.2 days a week over a year: a newcomer grows into their segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from models.errors import InvalidInputError
from models.insights.activity import Activity

UserSegment = Literal["power", "regular", "occasional", "inactive"]
USER_SEGMENTS: tuple[UserSegment, ...] = ("power", "regular", "occasional", "inactive")


@dataclass(frozen=True)
class SegmentRules:
    """The thresholds, with the whitepaper's values as defaults."""

    power_days_per_week: float = 4.0
    occasional_days_per_year: float = 40.0
    inactive_after_days: int = 90

    def __post_init__(self) -> None:
        if not 0 < self.power_days_per_week <= 7:
            raise InvalidInputError("power_days_per_week must be above 0 and at most 7")
        if not 0 < self.occasional_days_per_year <= 366:
            raise InvalidInputError("occasional_days_per_year must be above 0 and at most 366")
        if self.inactive_after_days < 1:
            raise InvalidInputError("inactive_after_days must be at least 1")


def classify(
    days_used: int, days_since_last_use: int | None, window_days: int, rules: SegmentRules
) -> UserSegment:
    """One user's segment from their days used in a window of `window_days` days and the days
    from their last day used to the window's last day (0: used on `as_of`; None: never)."""
    if window_days < 1:
        raise InvalidInputError("window_days must be at least 1")
    if days_since_last_use is None or days_since_last_use >= rules.inactive_after_days:
        return "inactive"
    if days_used * 7.0 / window_days >= rules.power_days_per_week:
        return "power"
    if days_used < rules.occasional_days_per_year * window_days / 365.0:
        return "occasional"
    return "regular"


@dataclass(frozen=True)
class UserStanding:
    """One user's segment and the numbers it rests on."""

    user_key: str
    segment: UserSegment
    days_used: int
    days_per_week: float
    days_since_last_use: int | None
    tokens: float
    short_launches: int


def segment_users(activity: Activity, rules: SegmentRules) -> tuple[UserStanding, ...]:
    """Every named user of the window with their segment, in `activity.user_keys` order."""
    days_used = activity.days_used
    tokens = activity.tokens
    launches = activity.pair_short_launches.sum(axis=1)
    out = []
    for i, key in enumerate(activity.user_keys):
        last = activity.last_use(i)
        since = None if last is None else (activity.as_of - last).days
        days = int(days_used[i])
        out.append(
            UserStanding(
                user_key=key,
                segment=classify(days, since, activity.n_days, rules),
                days_used=days,
                days_per_week=days * 7.0 / activity.n_days,
                days_since_last_use=since,
                tokens=float(tokens[i]),
                short_launches=int(launches[i]),
            )
        )
    return tuple(out)


def segment_counts(standings: tuple[UserStanding, ...]) -> dict[UserSegment, int]:
    """Users per segment, every segment present (0 where none)."""
    counts: dict[UserSegment, int] = dict.fromkeys(USER_SEGMENTS, 0)
    for s in standings:
        counts[s.segment] += 1
    return counts
