"""Price books and purchased packs, and their conversion to the core's types."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.tables import PriceBookRow, TokenPack
from app.errors import NotFoundError, UnprocessableError
from app.money import money_text
from app.schemas.pricing import PriceBookWrite, PurchaseCreate
from app.services.keys import now
from app.services.usage_locks import lock_usage
from models.decision.types import PriceBook, Tier, TierKind

DEFAULT_VALIDITY_DAYS = 365


def put_price_book(
    session: Session, *, organization_id: uuid.UUID, body: PriceBookWrite
) -> PriceBookRow:
    # Writers of one organization take turns (PostgreSQL: two first writes would both insert).
    lock_usage(session, organization_id, exclusive=True)
    row = session.get(PriceBookRow, organization_id)
    if row is None:
        row = PriceBookRow(organization_id=organization_id)
        session.add(row)
    row.currency = body.currency
    row.minimum_purchase = body.minimum_purchase
    row.pack_increment = body.pack_increment
    row.validity_days = body.validity_days
    row.tier_kind = body.tier_kind
    row.tiers = [
        {"min_tokens": t.min_tokens, "unit_price": money_text(t.unit_price)} for t in body.tiers
    ]
    row.top_up_price = (
        body.top_up_price if body.top_up_price is not None else body.tiers[0].unit_price
    )
    row.top_up_lead_days = body.top_up_lead_days
    row.blocked_day_cost = body.blocked_day_cost
    row.top_up_block_tokens = body.top_up_block_tokens
    row.updated_at = now()
    session.flush()
    return row


def get_price_book_row(session: Session, organization_id: uuid.UUID) -> PriceBookRow:
    row = session.get(PriceBookRow, organization_id)
    if row is None:
        raise NotFoundError("no price book yet: set one with PUT /v1/price-book")
    return row


def to_core_price_book(row: PriceBookRow) -> PriceBook:
    return PriceBook(
        currency=row.currency,
        minimum_purchase=row.minimum_purchase,
        pack_increment=row.pack_increment,
        validity_days=row.validity_days,
        tier_kind=TierKind(row.tier_kind),
        tiers=tuple(Tier(int(t["min_tokens"]), Decimal(t["unit_price"])) for t in row.tiers),
        top_up_price=Decimal(row.top_up_price),
        top_up_lead_days=row.top_up_lead_days,
        blocked_day_cost=Decimal(row.blocked_day_cost),
        top_up_block_tokens=row.top_up_block_tokens,
    )


def price_book_from_body(body: PriceBookWrite) -> PriceBook:
    """The core price book of an inline (not stored) price book, as /v1/plan receives it."""
    return PriceBook(
        currency=body.currency,
        minimum_purchase=body.minimum_purchase,
        pack_increment=body.pack_increment,
        validity_days=body.validity_days,
        tier_kind=TierKind(body.tier_kind),
        tiers=tuple(Tier(t.min_tokens, t.unit_price) for t in body.tiers),
        top_up_price=body.top_up_price
        if body.top_up_price is not None
        else body.tiers[0].unit_price,
        top_up_lead_days=body.top_up_lead_days,
        blocked_day_cost=body.blocked_day_cost,
        top_up_block_tokens=body.top_up_block_tokens,
    )


def create_purchase(
    session: Session, *, organization_id: uuid.UUID, body: PurchaseCreate
) -> TokenPack:
    book = session.get(PriceBookRow, organization_id)
    validity = book.validity_days if book else DEFAULT_VALIDITY_DAYS
    currency = body.currency or (book.currency if book else "USD")
    if book is not None and currency != book.currency:
        raise UnprocessableError(
            f"currency: {currency} differs from the price book's {book.currency}"
        )
    pack = TokenPack(
        id=uuid.uuid4(),
        organization_id=organization_id,
        purchased_on=body.purchased_on,
        tokens=body.tokens,
        unit_price=body.unit_price,
        currency=currency,
        expires_on=body.expires_on or body.purchased_on + timedelta(days=validity),
        created_at=now(),
    )
    session.add(pack)
    session.flush()
    return pack


def list_purchases(
    session: Session, organization_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[TokenPack], int]:
    base = select(TokenPack).where(TokenPack.organization_id == organization_id)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(
        base.order_by(TokenPack.purchased_on, TokenPack.created_at).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)


def packs_before(session: Session, organization_id: uuid.UUID, day: date) -> list[TokenPack]:
    """Packs bought before `day` (the ones a purchase on `day` would find in the account)."""
    return list(
        session.scalars(
            select(TokenPack)
            .where(TokenPack.organization_id == organization_id)
            .where(TokenPack.purchased_on < day)
            .order_by(TokenPack.purchased_on)
        )
    )
