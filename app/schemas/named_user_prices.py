"""The organization's named-user subscription price list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from app.schemas.common import Currency, Money, MoneyOut, Name, StrictModel
from models.changes import normalize_product

ProductName = Annotated[
    Name, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]


class NamedUserPriceIn(StrictModel):
    product: ProductName = Field(
        description="The product as the usage names it (case and spacing do not matter)."
    )
    currency: Currency
    annual_price: Money = Field(
        description='A year\'s named-user subscription for one user, e.g. "2910.00".'
    )


class NamedUserPricesWrite(StrictModel):
    prices: list[NamedUserPriceIn] = Field(
        max_length=1000,
        description="The whole list; it replaces the stored one (an empty list clears it).",
    )

    @model_validator(mode="after")
    def _distinct(self) -> NamedUserPricesWrite:
        seen: dict[tuple[str, str], int] = {}
        for i, item in enumerate(self.prices):
            if item.annual_price <= 0:
                raise ValueError(f"prices[{i}].annual_price must be greater than 0")
            key = (normalize_product(item.product), item.currency)
            if key in seen:
                raise ValueError(
                    f"prices[{i}]: '{item.product}' in {item.currency} is already priced by "
                    f"prices[{seen[key]}]"
                )
            seen[key] = i
        return self


class NamedUserPriceRead(BaseModel):
    product: str
    currency: str
    annual_price: MoneyOut


class NamedUserPricesRead(BaseModel):
    prices: list[NamedUserPriceRead] = Field(description="By currency, then product.")
    updated_at: datetime | None = Field(description="When the list was last set; null if never.")
