"""Usage insights: segments, Flex against named user, the consumption-trap indicators, and the
call that turns migration candidates into known changes."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import TypeAdapter

from app.api.deps import (
    ReadKey,
    SessionDep,
    SettingsDep,
    UsageWriteKey,
)
from app.api.key_first import v1_router
from app.db.tables import KnownChange
from app.schemas.changes import ChangeRead
from app.schemas.common import ErrorRead, PageOffset
from app.schemas.insights import (
    FindingKind,
    InsightsApplied,
    InsightsApply,
    InsightsRead,
    MoveRead,
    SegmentName,
    UserInsightsRead,
)
from app.services import insight_changes, insight_views
from app.services.insights import InsightRules, compute_insights
from app.services.usage import user_key_function

router = v1_router("/v1/insights", "insights")

AsOf = Annotated[
    date | None,
    Query(description="Judge the usage up to this day (default: the last day with usage)."),
]
_CHANGE: TypeAdapter[ChangeRead] = TypeAdapter(ChangeRead)


@router.get("", response_model=InsightsRead, summary="Usage insights and findings")
def get_insights(
    session: SessionDep,
    principal: ReadKey,
    settings: SettingsDep,
    as_of: AsOf = None,
    kind: Annotated[FindingKind | None, Query(description="Only findings of this kind.")] = None,
    limit: Annotated[int, Query(ge=0, le=1000, description="Findings per page.")] = 100,
    offset: Annotated[PageOffset, Query()] = 0,
) -> InsightsRead:
    """What the user-level usage of the window (the trailing 365 days up to `as_of` by
    default; `TOKENCAST_INSIGHTS_WINDOW_DAYS`) says, after the Flex optimization whitepaper:

    - **segments**: inactive (no day used in the last 90 days), power (4 or more days used a
      week on average), occasional (fewer than 40 days a year), regular (the rest); a day used
      is a day with tokens charged, so short launches do not count; thresholds are settings;
    - **migration candidates**: a user x product whose Flex cost a year (tokens x 365 / window
      days x the effective token price) is above the product's named-user price
      (`PUT /v1/named-user-prices`), with the break-even days a year and the saving if moved;
    - **indicators**: inactive users, dormant burn (tokens long after a user's last real use),
      product selection (a dearer product used by someone who also uses a cheaper one),
      off-hours burn (weekends and the organization's weekday public holidays) and short
      launches (0-token rows).

    The effective token price is the price book's price for a year's consumption at the
    window's rate (else the latest purchase's unit price). `user` is the stored user key.
    """
    ins = compute_insights(
        session,
        organization_id=principal.organization_id,
        as_of=as_of,
        rules=InsightRules.from_settings(settings),
    )
    return insight_views.insights_read(ins, kind=kind, limit=limit, offset=offset)


@router.get("/users", response_model=UserInsightsRead, summary="Users and their segments")
def get_users(
    session: SessionDep,
    principal: ReadKey,
    settings: SettingsDep,
    as_of: AsOf = None,
    segment: Annotated[SegmentName | None, Query(description="Only this segment.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[PageOffset, Query()] = 0,
) -> UserInsightsRead:
    """Every user with a row in the window, by user key: segment, days used (and a week), last
    day used, tokens, short launches and the products used."""
    ins = compute_insights(
        session,
        organization_id=principal.organization_id,
        as_of=as_of,
        rules=InsightRules.from_settings(settings),
    )
    return insight_views.users_read(ins, segment=segment, limit=limit, offset=offset)


def _change(row: KnownChange) -> ChangeRead:
    return _CHANGE.validate_python({**row.body, "id": row.id, "created_at": row.created_at})


@router.post(
    "/apply",
    status_code=201,
    response_model=InsightsApplied,
    summary="Move migration candidates to named-user subscriptions",
    responses={409: {"model": ErrorRead, "description": "Every chosen pair is already moved"}},
)
def apply_insights(
    body: InsightsApply, session: SessionDep, principal: UsageWriteKey, settings: SettingsDep
) -> InsightsApplied:
    """Turn migration candidates into known changes: one `licence_mix` change per product, from
    `start`, naming the users and the product, so forecasts stop counting their burn on that
    product (their other products stay on Flex) and the next recommendation prices the hybrid
    model. Choose `users` (stored keys, each a candidate) or `all_candidates`, optionally only
    some `products`. Pairs a live licence-mix change already moves are skipped (409 when
    nothing is left). Delete a change with `DELETE /v1/changes/{id}` to undo it.
    """
    done = insight_changes.apply_migrations(
        session,
        organization_id=principal.organization_id,
        rules=InsightRules.from_settings(settings),
        users=body.users,
        products=body.products,
        start=body.start,
        as_of=body.as_of,
        user_key=user_key_function(settings.user_key_secret),
    )
    flex, named = insight_changes.totals(done.moves)
    return InsightsApplied(
        changes=[_change(row) for row in done.changes],
        moves=[
            MoveRead(
                user=m.user_key,
                product=m.product,
                annual_flex_cost=m.annual_flex_cost,
                named_user_price=m.named_user_price,
                annual_saving=m.annual_saving,
            )
            for m in done.moves
        ],
        already_covered=done.already_covered,
        currency=done.currency,
        annual_flex_cost=flex,
        annual_named_user_cost=named,
        annual_saving=flex - named,
        start=done.start,
    )
