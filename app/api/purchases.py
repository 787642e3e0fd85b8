"""Token packs the organization bought."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Query

from app.api.deps import (
    ReadKey,
    SessionDep,
    UsageWriteKey,
)
from app.api.key_first import v1_router
from app.db.tables import TokenPack
from app.schemas.common import PageOffset
from app.schemas.pricing import PurchaseCreate, PurchaseList, PurchaseRead, total_price
from app.services import pricing as svc

router = v1_router("/v1/purchases", "purchases")


def _read(p: TokenPack) -> PurchaseRead:
    unit = Decimal(p.unit_price).normalize()
    return PurchaseRead(
        id=p.id,
        purchased_on=p.purchased_on,
        tokens=p.tokens,
        unit_price=unit,
        total_price=total_price(p.tokens, unit),
        currency=p.currency,
        expires_on=p.expires_on,
        created_at=p.created_at,
    )


@router.post("", status_code=201, response_model=PurchaseRead, summary="Record a pack bought")
def post_purchase(
    body: PurchaseCreate, session: SessionDep, principal: UsageWriteKey
) -> PurchaseRead:
    """Record a token pack. It is used in the vendor's consumption order from `purchased_on`
    until the day before `expires_on`."""
    return _read(svc.create_purchase(session, organization_id=principal.organization_id, body=body))


@router.get("", response_model=PurchaseList, summary="List packs bought")
def list_purchases(
    session: SessionDep,
    principal: ReadKey,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[PageOffset, Query()] = 0,
) -> PurchaseList:
    rows, total = svc.list_purchases(session, principal.organization_id, limit=limit, offset=offset)
    return PurchaseList(purchases=[_read(r) for r in rows], total=total, limit=limit, offset=offset)
