"""POST /v1/plan: the whole decision from one request, everything inline."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.schemas.changes import ChangeCreate
from app.schemas.common import Day, Money, StrictModel
from app.schemas.forecasts import ForecastRead
from app.schemas.organizations import Country
from app.schemas.pricing import PriceBookWrite
from app.schemas.recommendations import RecommendationRead
from app.schemas.usage import UsageRecordIn


class PackIn(StrictModel):
    purchased_on: Day
    tokens: int = Field(gt=0, le=10**9)
    unit_price: Money
    expires_on: Day | None = Field(
        default=None,
        description="First day the pack can no longer be used; default purchased_on plus the "
        "price book's validity.",
    )

    @model_validator(mode="after")
    def _expiry_after_purchase(self) -> PackIn:
        if self.expires_on is not None and self.expires_on <= self.purchased_on:
            raise ValueError("expires_on must be after purchased_on")
        return self


class PlanCreate(StrictModel):
    usage: list[UsageRecordIn] = Field(
        min_length=1, max_length=200_000, description="Usage records as in POST /v1/usage."
    )
    price_book: PriceBookWrite
    packs: list[PackIn] = Field(default=[], max_length=1000)
    changes: list[ChangeCreate] = Field(default=[], max_length=200)
    purchase_date: Day | None = Field(
        default=None, description="Default: the day after the usage ends."
    )
    objective: Literal["expected_cost", "cvar", "service_level"] = "expected_cost"
    cvar_level: float = Field(default=0.95, ge=0.5, le=0.999)
    service_level: float = Field(default=0.95, ge=0.5, le=0.9999)
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    country: Country | None = Field(default=None, description="Public holidays of this country.")
    include_daily: bool = Field(
        default=False, description="Include the forecast's daily quantiles in the reply."
    )


class PlanRead(BaseModel):
    recommendation: RecommendationRead = Field(
        description="As POST /v1/recommendations; only its document is stored."
    )
    forecast: ForecastRead = Field(description="The forecast used (not stored).")
