"""The named-user subscription price list the insights compare Flex against."""

from __future__ import annotations

from decimal import Decimal

from app.api.deps import (
    ReadKey,
    SessionDep,
    UsageWriteKey,
)
from app.api.key_first import v1_router
from app.db.tables import NamedUserPrice
from app.schemas.named_user_prices import (
    NamedUserPriceRead,
    NamedUserPricesRead,
    NamedUserPricesWrite,
)
from app.services import named_user_prices as svc

router = v1_router("/v1/named-user-prices", "insights")


def _read(rows: list[NamedUserPrice]) -> NamedUserPricesRead:
    return NamedUserPricesRead(
        prices=[
            NamedUserPriceRead(
                product=r.product, currency=r.currency, annual_price=Decimal(r.annual_price)
            )
            for r in rows
        ],
        updated_at=max((r.updated_at for r in rows), default=None),
    )


@router.put("", response_model=NamedUserPricesRead, summary="Set the named-user price list")
def put_prices(
    body: NamedUserPricesWrite, session: SessionDep, principal: UsageWriteKey
) -> NamedUserPricesRead:
    """Replace the organization's named-user subscription prices: per product and currency, what
    one user's subscription costs a year. `GET /v1/insights` compares each user's Flex cost on a
    product with the price in the currency of the organization's token price; products without
    a price there are not compared."""
    rows = svc.put_named_user_prices(session, organization_id=principal.organization_id, body=body)
    return _read(rows)


@router.get("", response_model=NamedUserPricesRead, summary="Read the named-user price list")
def get_prices(session: SessionDep, principal: ReadKey) -> NamedUserPricesRead:
    """The stored list, by currency then product (empty until set)."""
    return _read(svc.list_named_user_prices(session, principal.organization_id))
