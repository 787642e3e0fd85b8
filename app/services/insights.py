"""Usage insights: load the window's user-level rows and prices, run the core's rules.

The window is the `window_days` days ending on `as_of` (default: the last day with usage),
shortened to the organization's first day of usage. The effective token price is what a token
costs the organization now: the price book's price per token for a purchase of a year's
consumption at the window's rate (the tier that purchase reaches; the average price with
incremental tiers); without a price book, the unit price of the latest purchase on or before
`as_of`; without either, no money is shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from sqlalchemy import Float, cast, select
from sqlalchemy.orm import Session

from app.db.tables import PriceBookRow, TokenPack, UsageRow
from app.errors import UnprocessableError
from app.services.named_user_prices import prices_in
from app.services.organizations import organization_country
from app.services.pricing import to_core_price_book
from app.services.usage import covered_range
from app.settings import Settings
from models.changes import UserDailyUsage, usage_from_rows
from models.decision.pricing import tier_index, unit_price, valid_ceil
from models.insights.activity import Activity, product_rates, user_activity
from models.insights.indicators import (
    DormantBurn,
    OffHoursBurn,
    ProductSelection,
    ShortLaunches,
    dormant_burn,
    off_hours_burn,
    product_selection,
    short_launches,
)
from models.insights.named_user import (
    NamedUserComparison,
    ProductBreakEven,
    compare_named_user,
    product_break_evens,
)
from models.insights.segments import SegmentRules, UserStanding, segment_users


@dataclass(frozen=True)
class InsightRules:
    """The thresholds, from the settings."""

    segments: SegmentRules
    window_days: int = 365
    sustained_days_per_week: int = 2

    @classmethod
    def from_settings(cls, settings: Settings) -> InsightRules:
        return cls(
            SegmentRules(
                power_days_per_week=settings.segment_power_days_per_week,
                occasional_days_per_year=settings.segment_occasional_days_per_year,
                inactive_after_days=settings.segment_inactive_after_days,
            ),
            window_days=settings.insights_window_days,
            sustained_days_per_week=settings.insights_sustained_days_per_week,
        )


@dataclass(frozen=True)
class TokenPrice:
    unit_price: Decimal
    currency: str
    source: Literal["price_book", "latest_purchase"]
    explanation: str


@dataclass(frozen=True)
class Insights:
    """Everything the insights reply, the document section and the apply call read."""

    as_of: date
    usage: UserDailyUsage
    activity: Activity
    standings: tuple[UserStanding, ...]
    rules: InsightRules
    country: str | None
    price: TokenPrice | None
    rates: dict[str, float]
    comparisons: list[NamedUserComparison]
    break_evens: list[ProductBreakEven]
    off_hours: OffHoursBurn
    dormant: list[DormantBurn]
    selection: list[ProductSelection]
    launches: list[ShortLaunches]
    notes: list[str] = field(default_factory=list)

    @property
    def candidates(self) -> list[NamedUserComparison]:
        return [c for c in self.comparisons if c.candidate]


def insight_window(
    session: Session, organization_id: uuid.UUID, as_of: date | None, window_days: int
) -> tuple[date, date, list[str]]:
    """(first day, last day, notes) of the window; 422 when there is no usage to look at."""
    covered = covered_range(session, organization_id)
    if covered is None:
        raise UnprocessableError(
            "this organization has no usage yet: import a user-level export with "
            "POST /v1/usage/imports first"
        )
    notes = []
    end = covered[1] if as_of is None else min(as_of, covered[1])
    if as_of is not None and as_of > covered[1]:
        notes.append(
            f"The usage data ends on {covered[1].isoformat()}, before as_of "
            f"{as_of.isoformat()}: the insights are as of {end.isoformat()}."
        )
    if end < covered[0]:
        raise UnprocessableError(
            f"as_of: no usage on or before {end.isoformat()}; the data starts on "
            f"{covered[0].isoformat()}"
        )
    start = max(end - timedelta(days=window_days - 1), covered[0])
    n = (end - start).days + 1
    if n < window_days:
        notes.append(
            f"The usage covers {n} days, fewer than the {window_days}-day window: days a week "
            f"and a year are measured over those {n} days and Flex costs are scaled to a year."
        )
    return start, end, notes


def load_rows(
    session: Session, organization_id: uuid.UUID, start: date, end: date
) -> list[tuple[date, str, str, float]]:
    """(day, user key, product, tokens) of the rows from `start` to `end` inclusive."""
    # Tokens come out as floats from the database: Decimal conversion per row would be most of
    # the time on a big export, and the analysis works in floats.
    # Table columns, not ORM attributes: a plain Core query skips the ORM's row loading.
    t = UsageRow.__table__.c
    stmt = (
        select(t.day, t.user_key, t.product, cast(t.tokens, Float))
        .where(t.organization_id == organization_id)
        .where(t.day.between(start, end))
    )
    return [(d, u, p, tokens) for d, u, p, tokens in session.connection().execute(stmt)]


def load_usage(
    session: Session, organization_id: uuid.UUID, start: date, end: date
) -> UserDailyUsage:
    return usage_from_rows(start, end, load_rows(session, organization_id, start, end))


@lru_cache(maxsize=256)
def _holidays_of(country: str, year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays(country, years=year))


def public_holidays(country: str | None, start: date, end: date) -> frozenset[date]:
    if country is None:
        return frozenset()
    days = frozenset().union(*(_holidays_of(country, y) for y in range(start.year, end.year + 1)))
    return frozenset(d for d in days if start <= d <= end)


def effective_token_price(
    session: Session, organization_id: uuid.UUID, annual_tokens: float, as_of: date
) -> TokenPrice | None:
    """See the module docstring."""
    book = session.get(PriceBookRow, organization_id)
    if book is not None:
        pb = to_core_price_book(book)
        quantity = valid_ceil(pb, annual_tokens)
        unit = unit_price(pb, quantity)
        tier = pb.tiers[tier_index(pb, quantity)]
        return TokenPrice(
            unit,
            pb.currency,
            "price_book",
            f"the price book's price per token for a year's consumption at the window's rate "
            f"({quantity:,} tokens, the tier from {tier.min_tokens:,} tokens)",
        )
    pack = session.scalars(
        select(TokenPack)
        .where(TokenPack.organization_id == organization_id)
        .where(TokenPack.purchased_on <= as_of)
        .order_by(TokenPack.purchased_on.desc(), TokenPack.created_at.desc())
        .limit(1)
    ).first()
    if pack is None:
        return None
    return TokenPrice(
        Decimal(pack.unit_price),
        pack.currency,
        "latest_purchase",
        f"the unit price of the latest purchase ({pack.purchased_on.isoformat()}); "
        "set a price book to price at the tier a year's consumption reaches",
    )


def compute_insights(
    session: Session,
    *,
    organization_id: uuid.UUID,
    as_of: date | None,
    rules: InsightRules,
    token_price: TokenPrice | None = None,
) -> Insights:
    """Every insight of the window ending on `as_of` (see the module docstring); `token_price`
    replaces the effective token price (a reproduction uses the one its document recorded)."""
    start, end, notes = insight_window(session, organization_id, as_of, rules.window_days)
    usage = load_usage(session, organization_id, start, end)
    activity = user_activity(usage)
    standings = segment_users(activity, rules.segments)
    annual = float(usage.tokens.sum()) * 365.0 / usage.n_days
    price = token_price or effective_token_price(session, organization_id, annual, end)
    rates = product_rates(activity)
    comparisons, break_evens = _named_user(session, organization_id, activity, standings, price)
    country = organization_country(session, organization_id)
    notes += _gaps(activity, price, bool(break_evens or comparisons), country)
    return Insights(
        as_of=end,
        usage=usage,
        activity=activity,
        standings=standings,
        rules=rules,
        country=country,
        price=price,
        rates=rates,
        comparisons=comparisons,
        break_evens=break_evens,
        off_hours=off_hours_burn(usage, activity, public_holidays(country, start, end)),
        dormant=dormant_burn(
            activity,
            standings,
            after_days=rules.segments.inactive_after_days,
            sustained_days=rules.sustained_days_per_week,
        ),
        selection=product_selection(activity, rates),
        launches=short_launches(activity),
        notes=notes,
    )


def _gaps(
    activity: Activity, price: TokenPrice | None, priced: bool, country: str | None
) -> list[str]:
    """Plain notes on what the data or the settings leave out."""
    notes = []
    if not activity.user_keys:
        notes.append(
            "The usage has no per-user rows (for example an Enterprise Token Flex export): "
            "segments and per-user findings need a user-level export such as the Autodesk "
            "Account token usage export."
        )
    if price is None:
        notes.append(
            "No price book and no purchase: money and the named-user comparison need a token "
            "price (PUT /v1/price-book)."
        )
    elif not priced:
        notes.append(
            f"No named-user price in {price.currency} for any product used: set them with "
            "PUT /v1/named-user-prices to find migration candidates."
        )
    if country is None:
        notes.append(
            "The organization has no country, so public holidays are not counted as off-hours "
            "(PATCH /v1/organization)."
        )
    return notes


def _named_user(
    session: Session,
    organization_id: uuid.UUID,
    activity: Activity,
    standings: tuple[UserStanding, ...],
    price: TokenPrice | None,
) -> tuple[list[NamedUserComparison], list[ProductBreakEven]]:
    if price is None or price.unit_price <= 0:
        return [], []
    prices = prices_in(session, organization_id, price.currency)
    if not prices:
        return [], []
    comparisons = compare_named_user(activity, standings, price.unit_price, prices)
    return comparisons, product_break_evens(product_rates(activity), price.unit_price, prices)
