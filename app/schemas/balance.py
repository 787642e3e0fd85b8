"""The balance: packs after replaying usage in the vendor's consumption order."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.common import MoneyOut


class PackBalanceRead(BaseModel):
    id: uuid.UUID
    purchased_on: date
    expires_on: date = Field(description="First day the pack can no longer be used.")
    tokens: int
    unit_price: MoneyOut
    currency: str
    consumed_tokens: float
    remaining_tokens: float = Field(description="Usable at the end of as_of (0 once expired).")
    expired_unused_tokens: float = Field(description="Forfeited at expiry, on or before as_of.")
    expired_unused_value: MoneyOut
    status: Literal["active", "depleted", "expired", "not_yet_bought"]


class ExpiryRead(BaseModel):
    expires_on: date
    tokens: float = Field(description="Tokens that expire that day unless used before.")


class BalanceRead(BaseModel):
    as_of: date
    remaining_tokens: float
    packs: list[PackBalanceRead]
    upcoming_expiries: list[ExpiryRead]
    expired_unused_tokens: float
    unserved_tokens: float = Field(
        description="Usage on days no pack could cover (a run-out), up to as_of."
    )
    unserved_days: int
    first_unserved_day: date | None
    consumption_order: str
