"""The monthly governance report: the month's tokens by user and product, how segments moved
since last month, the inactive users and the off-hours burn.

Segments are judged as of the month's last day (or the last day with usage when the data ends
earlier) over the insights window ending then, and compared with the same as of the previous
month's last day.
"""

from __future__ import annotations

import uuid
from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from app.errors import UnprocessableError
from app.limits import MAX_DAY, MIN_DAY
from app.schemas.insights import SegmentCounts
from app.schemas.reports import (
    InactiveUserRead,
    MonthlyReportRead,
    MonthTotals,
    ProductMonth,
    SegmentChangeRead,
    UserProductMonthRead,
)
from app.services.insight_views import money, off_hours_read, price_read, tokens_out
from app.services.insights import (
    InsightRules,
    effective_token_price,
    load_rows,
    public_holidays,
)
from app.services.organizations import organization_country
from app.services.usage import covered_range
from models.changes import usage_from_rows
from models.insights.activity import Activity, user_activity
from models.insights.indicators import off_hours_burn
from models.insights.monthly import (
    UserProductMonth,
    segment_changes,
    tokens_by_user_product,
    transition_counts,
)
from models.insights.segments import UserStanding, segment_counts, segment_users

Row = tuple[date, str, str, float]


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of `YYYY-MM`; 422 naming `month` outside the service's dates."""
    year, number = (int(part) for part in month.split("-"))
    if not (MIN_DAY.year <= year <= MAX_DAY.year and 1 <= number <= 12):
        raise UnprocessableError(f"month: {month!r} is outside {MIN_DAY:%Y-%m} to {MAX_DAY:%Y-%m}")
    return date(year, number, 1), date(year, number, monthrange(year, number)[1])


def _standings(
    rows: list[Row], as_of: date, first_covered: date, rules: InsightRules
) -> tuple[UserStanding, ...]:
    start = max(as_of - timedelta(days=rules.window_days - 1), first_covered)
    return segment_users(user_activity(usage_from_rows(start, as_of, rows)), rules.segments)


@dataclass(frozen=True)
class _SegmentsThen:
    as_of: date
    previous_as_of: date | None
    current: tuple[UserStanding, ...]
    previous: tuple[UserStanding, ...]


def _segments_then(
    rows: list[Row],
    first: date,
    last: date,
    covered: tuple[date, date],
    rules: InsightRules,
    notes: list[str],
) -> _SegmentsThen:
    """Segments as of the month's end and last month's, from `rows`, which must cover the
    window before last month's end."""
    as_of = min(last, covered[1])
    if as_of < last:
        notes.append(f"The usage data ends on {as_of}: the month is incomplete.")
    current = _standings(rows, as_of, covered[0], rules)
    previous_as_of = first - timedelta(days=1)
    if previous_as_of < covered[0]:
        notes.append("No usage before this month: every user is new to the segments.")
        return _SegmentsThen(as_of, None, current, ())
    previous = _standings(rows, previous_as_of, covered[0], rules)
    return _SegmentsThen(as_of, previous_as_of, current, previous)


def monthly_report(
    session: Session,
    *,
    organization_id: uuid.UUID,
    month: str,
    rules: InsightRules,
    limit: int,
    offset: int,
) -> MonthlyReportRead:
    first, last = month_bounds(month)
    covered = covered_range(session, organization_id)
    if covered is None or first > covered[1] or last < covered[0]:
        span = "none" if covered is None else f"{covered[0]} to {covered[1]}"
        raise UnprocessableError(f"month: no usage in {month} (the data covers {span})")
    notes: list[str] = []
    since = max(first - timedelta(days=rules.window_days), covered[0])
    rows = load_rows(session, organization_id, since, last)
    seg = _segments_then(rows, first, last, covered, rules, notes)
    usage = usage_from_rows(first, last, rows)
    activity = user_activity(usage)
    country = organization_country(session, organization_id)
    tokens = float(usage.tokens.sum())
    price = effective_token_price(
        session, organization_id, tokens * 365.0 / usage.n_days, seg.as_of
    )
    pairs = tokens_by_user_product(activity)
    changes = segment_changes(seg.previous, seg.current)
    holidays = public_holidays(country, first, last)
    return MonthlyReportRead(
        month=month,
        first_day=first,
        last_day=last,
        as_of=seg.as_of,
        previous_as_of=seg.previous_as_of,
        country=country,
        token_price=price_read(price),
        totals=_totals(tokens, activity, pairs, money(price, tokens)),
        by_product=_by_product(pairs),
        segments=SegmentCounts(**segment_counts(seg.current)),
        previous_segments=SegmentCounts(**segment_counts(seg.previous)),
        segment_changes=[
            SegmentChangeRead(user=c.user_key, previous=c.previous, current=c.current)
            for c in changes
        ],
        transitions=transition_counts(changes),
        inactive_users=_inactive(seg),
        off_hours=off_hours_read(off_hours_burn(usage, activity, holidays), price),
        by_user_product=[
            UserProductMonthRead(
                user=p.user_key,
                product=p.product,
                days_used=p.days_used,
                tokens=tokens_out(p.tokens),
                short_launches=p.short_launches,
            )
            for p in pairs[offset : offset + limit]
        ],
        total=len(pairs),
        limit=limit,
        offset=offset,
        notes=notes,
    )


def _inactive(seg: _SegmentsThen) -> list[InactiveUserRead]:
    out = []
    for s in seg.current:
        if s.segment != "inactive":
            continue
        since = s.days_since_last_use
        last_use = None if since is None else seg.as_of - timedelta(days=since)
        out.append(InactiveUserRead(user=s.user_key, last_use=last_use, days_since_last_use=since))
    return out


def _totals(
    tokens: float, activity: Activity, pairs: list[UserProductMonth], value: Decimal | None
) -> MonthTotals:
    return MonthTotals(
        tokens=tokens_out(tokens),
        user_tokens=tokens_out(sum(p.tokens for p in pairs)),
        users=len(activity.user_keys),
        products=len({p.product for p in pairs}),
        user_days=sum(p.days_used for p in pairs),
        short_launches=sum(p.short_launches for p in pairs),
        value=value,
    )


def _by_product(pairs: list[UserProductMonth]) -> list[ProductMonth]:
    tokens: dict[str, float] = defaultdict(float)
    users: dict[str, int] = defaultdict(int)
    days: dict[str, int] = defaultdict(int)
    for p in pairs:
        tokens[p.product] += p.tokens
        users[p.product] += 1
        days[p.product] += p.days_used
    return [
        ProductMonth(product=k, tokens=tokens_out(tokens[k]), users=users[k], user_days=days[k])
        for k in sorted(tokens, key=lambda k: (-tokens[k], k))
    ]
