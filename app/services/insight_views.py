"""Insights as replies: the summary, the ordered findings, the users."""

from __future__ import annotations

from decimal import Decimal

from app.schemas.insights import (
    BreakEvenRead,
    DormantBurnFinding,
    Finding,
    HolidayBurn,
    InactiveUser,
    InsightsRead,
    InsightSummary,
    MigrationCandidate,
    OffHoursFinding,
    OffHoursRead,
    ProductSelectionFinding,
    SegmentCounts,
    ShortLaunchesFinding,
    ThresholdsRead,
    TokenPriceRead,
    UserInsightRead,
    UserInsightsRead,
    WindowRead,
)
from app.services.insights import InsightRules, Insights, TokenPrice
from models.insights.activity import token_decimal
from models.insights.indicators import OffHoursBurn
from models.insights.segments import segment_counts

CENT = Decimal("0.01")


def tokens_out(tokens: float) -> float:
    return round(float(tokens), 3)


def money(price: TokenPrice | None, tokens: float) -> Decimal | None:
    """Tokens as money at the effective token price, to the cent (None without a price)."""
    if price is None:
        return None
    return (token_decimal(tokens) * price.unit_price).quantize(CENT)


def value(ins: Insights, tokens: float) -> Decimal | None:
    return money(ins.price, tokens)


def price_read(price: TokenPrice | None) -> TokenPriceRead | None:
    if price is None:
        return None
    return TokenPriceRead(
        unit_price=price.unit_price,
        currency=price.currency,
        source=price.source,
        explanation=price.explanation,
    )


def window(ins: Insights) -> WindowRead:
    return WindowRead(first_day=ins.usage.start, last_day=ins.as_of, days=ins.usage.n_days)


def thresholds(rules: InsightRules) -> ThresholdsRead:
    return ThresholdsRead(
        power_days_per_week=rules.segments.power_days_per_week,
        occasional_days_per_year=rules.segments.occasional_days_per_year,
        inactive_after_days=rules.segments.inactive_after_days,
        sustained_days_per_week=rules.sustained_days_per_week,
        window_days=rules.window_days,
    )


def off_hours_read(oh: OffHoursBurn, price: TokenPrice | None) -> OffHoursRead:
    return OffHoursRead(
        total_tokens=tokens_out(oh.total_tokens),
        weekend_tokens=tokens_out(oh.weekend_tokens),
        holiday_tokens=tokens_out(oh.holiday_tokens),
        off_hours_tokens=tokens_out(oh.off_hours_tokens),
        share=round(oh.share, 4),
        value=money(price, oh.off_hours_tokens),
        holidays=[HolidayBurn(date=d, tokens=tokens_out(t)) for d, t in oh.holidays],
    )


def summary(ins: Insights) -> InsightSummary:
    cands = ins.candidates
    money = ins.price is not None and bool(ins.comparisons)
    flex = sum((c.annual_flex_cost for c in cands), Decimal(0))
    named = sum((c.named_user_price for c in cands), Decimal(0))
    dormant_tokens = sum(d.tokens for d in ins.dormant)
    excess = sum(s.excess_tokens for s in ins.selection)
    counts = segment_counts(ins.standings)
    return InsightSummary(
        users=len(ins.standings),
        segments=SegmentCounts(**counts),
        tokens=tokens_out(float(ins.usage.tokens.sum())),
        migration_candidates=len(cands),
        migration_users=len({c.user_key for c in cands}),
        annual_flex_cost_of_candidates=flex if money else None,
        annual_named_user_cost=named if money else None,
        annual_saving_if_moved=flex - named if money else None,
        break_evens=[
            BreakEvenRead(
                product=b.product,
                named_user_price=b.named_user_price,
                tokens_per_day=round(b.tokens_per_day, 3),
                break_even_days_per_year=float(b.break_even_days_per_year),
            )
            for b in ins.break_evens
        ],
        inactive_users=counts["inactive"],
        dormant_users=len(ins.dormant),
        dormant_tokens=tokens_out(dormant_tokens),
        dormant_value=value(ins, dormant_tokens),
        product_selection_users=len({s.user_key for s in ins.selection}),
        product_selection_excess_tokens=tokens_out(excess),
        product_selection_value=value(ins, excess),
        short_launches=sum(x.short_launches for x in ins.launches),
        users_with_short_launches=len({x.user_key for x in ins.launches}),
        off_hours=off_hours_read(ins.off_hours, ins.price),
    )


def findings(ins: Insights) -> list[Finding]:
    """Every finding, kinds in order, each kind largest first (ties by user key)."""
    migration = sorted(_migration(ins), key=lambda f: (-f.annual_saving, f.user, f.product))
    inactive = sorted(_inactive(ins), key=lambda f: (-f.tokens, f.user))
    dormant = sorted(_dormant(ins), key=lambda f: (-f.tokens, f.user))
    selection = sorted(_selection(ins), key=lambda f: (-f.excess_tokens, f.user, f.product))
    off = sorted(_off_hours(ins), key=lambda f: (-f.weekend_tokens - f.holiday_tokens, f.user))
    launches = sorted(_launches(ins), key=lambda f: (-f.short_launches, f.user, f.product))
    out: list[Finding] = []
    for group in (migration, inactive, dormant, selection, off, launches):
        out.extend(group)
    return out


def _migration(ins: Insights) -> list[MigrationCandidate]:
    return [
        MigrationCandidate(
            user=c.user_key,
            product=c.product,
            segment=c.segment,
            days_used=c.days_used,
            annual_days=round(c.annual_days, 1),
            tokens=float(c.tokens),
            annual_flex_cost=c.annual_flex_cost,
            named_user_price=c.named_user_price,
            break_even_days_per_year=float(c.break_even_days_per_year),
            annual_saving=c.annual_saving,
        )
        for c in ins.candidates
    ]


def _inactive(ins: Insights) -> list[InactiveUser]:
    out = []
    for u, s in enumerate(ins.standings):
        if s.segment == "inactive":
            out.append(
                InactiveUser(
                    user=s.user_key,
                    last_use=ins.activity.last_use(u),
                    days_since_last_use=s.days_since_last_use,
                    days_used=s.days_used,
                    tokens=tokens_out(s.tokens),
                )
            )
    return out


def _dormant(ins: Insights) -> list[DormantBurnFinding]:
    segment = {s.user_key: s.segment for s in ins.standings}
    return [
        DormantBurnFinding(
            user=d.user_key,
            segment=segment[d.user_key],
            last_real_use=d.last_real_use,
            days_since_real_use=d.days_since_real_use,
            burn_days=d.burn_days,
            tokens=tokens_out(d.tokens),
            value=value(ins, d.tokens),
        )
        for d in ins.dormant
    ]


def _selection(ins: Insights) -> list[ProductSelectionFinding]:
    return [
        ProductSelectionFinding(
            user=s.user_key,
            product=s.product,
            product_rate=round(s.product_rate, 3),
            cheaper_product=s.cheaper_product,
            cheaper_rate=round(s.cheaper_rate, 3),
            days=s.days,
            tokens=tokens_out(s.tokens),
            excess_tokens=tokens_out(s.excess_tokens),
            value=value(ins, s.excess_tokens),
        )
        for s in ins.selection
    ]


def _off_hours(ins: Insights) -> list[OffHoursFinding]:
    oh = ins.off_hours
    out = []
    for u, s in enumerate(ins.standings):
        weekend, holiday = float(oh.user_weekend_tokens[u]), float(oh.user_holiday_tokens[u])
        if weekend + holiday > 0:
            out.append(
                OffHoursFinding(
                    user=s.user_key,
                    segment=s.segment,
                    weekend_tokens=tokens_out(weekend),
                    holiday_tokens=tokens_out(holiday),
                    off_days=int(oh.user_off_days[u]),
                    value=value(ins, weekend + holiday),
                )
            )
    return out


def _launches(ins: Insights) -> list[ShortLaunchesFinding]:
    return [
        ShortLaunchesFinding(
            user=x.user_key,
            product=x.product,
            short_launches=x.short_launches,
            days_used=x.days_used,
        )
        for x in ins.launches
    ]


def insights_read(ins: Insights, *, kind: str | None, limit: int, offset: int) -> InsightsRead:
    """The reply of GET /v1/insights: the summary and one page of findings."""
    everything = [f for f in findings(ins) if kind is None or f.kind == kind]
    return InsightsRead(
        as_of=ins.as_of,
        window=window(ins),
        thresholds=thresholds(ins.rules),
        country=ins.country,
        token_price=price_read(ins.price),
        summary=summary(ins),
        findings=everything[offset : offset + limit],
        total=len(everything),
        limit=limit,
        offset=offset,
        notes=list(ins.notes),
    )


def users_read(ins: Insights, *, segment: str | None, limit: int, offset: int) -> UserInsightsRead:
    """The reply of GET /v1/insights/users: every user with their segment, by user key."""
    act = ins.activity
    rows = []
    for u, s in enumerate(ins.standings):
        if segment is not None and s.segment != segment:
            continue
        used = [act.products[p] for p in range(len(act.products)) if act.pair_days[u, p] > 0]
        last = act.last_use(u)
        rows.append(
            UserInsightRead(
                user=s.user_key,
                segment=s.segment,
                days_used=s.days_used,
                days_per_week=round(s.days_per_week, 3),
                last_use=last,
                days_since_last_use=s.days_since_last_use,
                tokens=tokens_out(s.tokens),
                short_launches=s.short_launches,
                products=used,
            )
        )
    return UserInsightsRead(
        as_of=ins.as_of,
        window=window(ins),
        users=rows[offset : offset + limit],
        total=len(rows),
        limit=limit,
        offset=offset,
    )
