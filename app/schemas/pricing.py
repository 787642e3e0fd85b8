"""Price books and purchased packs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.schemas.common import Currency, Day, Money, MoneyOut, StrictModel


class TierIn(StrictModel):
    min_tokens: int = Field(ge=0, le=10**9, description="The tier applies from this quantity up.")
    unit_price: Money


class PriceBookWrite(StrictModel):
    currency: Currency = "USD"
    minimum_purchase: int = Field(default=100, ge=1, le=10**9)
    pack_increment: int = Field(default=100, ge=1, le=10**9)
    validity_days: int = Field(default=365, ge=1, le=3650)
    tier_kind: Literal["all_units", "incremental"] = "all_units"
    tiers: list[TierIn] = Field(min_length=1, max_length=50)
    top_up_price: Money | None = Field(
        default=None,
        description="Price of a token bought in an emergency; default: the first tier.",
    )
    top_up_lead_days: int = Field(
        default=0,
        ge=0,
        le=90,
        description="Days from a run-out until an emergency purchase is usable; the demand of "
        "those days is blocked work. Set blocked_day_cost with it.",
    )
    blocked_day_cost: Money = Field(
        default=Decimal(0), description="Cost of a day on which some work is blocked."
    )
    top_up_block_tokens: int = Field(
        default=0,
        ge=0,
        le=10**9,
        description="Size of an emergency purchase; 0: enough for the rest of the pack's life at "
        "the recent burn rate plus 20 %.",
    )

    @model_validator(mode="after")
    def _tiers_in_order(self) -> PriceBookWrite:
        for i in range(1, len(self.tiers)):
            if self.tiers[i].min_tokens <= self.tiers[i - 1].min_tokens:
                raise ValueError(
                    f"tiers[{i}].min_tokens ({self.tiers[i].min_tokens}) must be greater than "
                    f"tiers[{i - 1}].min_tokens ({self.tiers[i - 1].min_tokens}): "
                    "tiers must be in increasing order"
                )
        if self.tiers[0].min_tokens > self.minimum_purchase:
            raise ValueError(
                f"tiers[0].min_tokens ({self.tiers[0].min_tokens}) is above minimum_purchase "
                f"({self.minimum_purchase}): the smallest purchase would have no price"
            )
        for i, tier in enumerate(self.tiers):
            if tier.unit_price <= 0:
                raise ValueError(f"tiers[{i}].unit_price must be greater than 0")
        if self.top_up_price is not None and self.top_up_price <= 0:
            raise ValueError("top_up_price must be greater than 0")
        return self


class TierRead(BaseModel):
    min_tokens: int
    unit_price: MoneyOut


class PriceBookRead(BaseModel):
    currency: str
    minimum_purchase: int
    pack_increment: int
    validity_days: int
    tier_kind: str
    tiers: list[TierRead]
    top_up_price: MoneyOut
    top_up_lead_days: int
    blocked_day_cost: MoneyOut
    top_up_block_tokens: int
    updated_at: datetime


class PurchaseCreate(StrictModel):
    purchased_on: Day
    tokens: int = Field(gt=0, le=10**9, description="Whole tokens bought; at least 1.")
    unit_price: Money
    expires_on: Day | None = Field(
        default=None,
        description="First day the pack can no longer be used; default purchased_on plus the "
        "price book's validity (365 days without a price book).",
    )
    currency: Currency | None = Field(default=None, description="Default: the price book's.")

    @model_validator(mode="after")
    def _expiry_after_purchase(self) -> PurchaseCreate:
        if self.expires_on is not None and self.expires_on <= self.purchased_on:
            raise ValueError("expires_on must be after purchased_on")
        return self


class PurchaseRead(BaseModel):
    id: uuid.UUID
    purchased_on: date
    tokens: int
    unit_price: MoneyOut
    total_price: MoneyOut
    currency: str
    expires_on: date
    created_at: datetime


class PurchaseList(BaseModel):
    purchases: list[PurchaseRead]
    total: int
    limit: int
    offset: int


def total_price(tokens: int, unit_price: Decimal) -> Decimal:
    return (unit_price * tokens).quantize(Decimal("0.01"))
