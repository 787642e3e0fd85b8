"""The named-user price list: replaced whole, read by currency."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.tables import NamedUserPrice
from app.schemas.named_user_prices import NamedUserPricesWrite
from app.services.keys import now
from app.services.usage_locks import lock_usage
from models.changes import normalize_product


def put_named_user_prices(
    session: Session, *, organization_id: uuid.UUID, body: NamedUserPricesWrite
) -> list[NamedUserPrice]:
    # Writers of one organization take turns (PostgreSQL: two first writes would both insert).
    lock_usage(session, organization_id, exclusive=True)
    session.execute(delete(NamedUserPrice).where(NamedUserPrice.organization_id == organization_id))
    stamp = now()
    rows = [
        NamedUserPrice(
            organization_id=organization_id,
            currency=p.currency,
            product=p.product,
            annual_price=p.annual_price,
            updated_at=stamp,
        )
        for p in body.prices
    ]
    session.add_all(rows)
    session.flush()
    return list_named_user_prices(session, organization_id)


def list_named_user_prices(session: Session, organization_id: uuid.UUID) -> list[NamedUserPrice]:
    return list(
        session.scalars(
            select(NamedUserPrice)
            .where(NamedUserPrice.organization_id == organization_id)
            .order_by(NamedUserPrice.currency, NamedUserPrice.product)
        )
    )


def prices_in(session: Session, organization_id: uuid.UUID, currency: str) -> dict[str, Decimal]:
    """The price list in one currency, keyed by normalized product name."""
    return {
        normalize_product(row.product): Decimal(row.annual_price)
        for row in list_named_user_prices(session, organization_id)
        if row.currency == currency
    }
