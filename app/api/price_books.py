"""The organization's price book."""

from __future__ import annotations

from decimal import Decimal

from app.api.deps import (
    ReadKey,
    SessionDep,
    UsageWriteKey,
)
from app.api.key_first import v1_router
from app.db.tables import PriceBookRow
from app.schemas.pricing import PriceBookRead, PriceBookWrite, TierRead
from app.services import pricing as svc

router = v1_router("/v1/price-book", "price book")


def _read(row: PriceBookRow) -> PriceBookRead:
    return PriceBookRead(
        currency=row.currency,
        minimum_purchase=row.minimum_purchase,
        pack_increment=row.pack_increment,
        validity_days=row.validity_days,
        tier_kind=row.tier_kind,
        tiers=[
            TierRead(min_tokens=t["min_tokens"], unit_price=Decimal(t["unit_price"]))
            for t in row.tiers
        ],
        top_up_price=Decimal(row.top_up_price),
        top_up_lead_days=row.top_up_lead_days,
        blocked_day_cost=Decimal(row.blocked_day_cost),
        top_up_block_tokens=row.top_up_block_tokens,
        updated_at=row.updated_at,
    )


@router.put("", response_model=PriceBookRead, summary="Set the price book")
def put_price_book(
    body: PriceBookWrite, session: SessionDep, principal: UsageWriteKey
) -> PriceBookRead:
    """Replace the organization's price book: tiers in increasing `min_tokens`, all-units by
    default (the whole purchase at the tier its quantity reaches)."""
    return _read(svc.put_price_book(session, organization_id=principal.organization_id, body=body))


@router.get("", response_model=PriceBookRead, summary="Read the price book")
def get_price_book(session: SessionDep, principal: ReadKey) -> PriceBookRead:
    return _read(svc.get_price_book_row(session, principal.organization_id))
