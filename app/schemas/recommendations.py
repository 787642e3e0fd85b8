"""Recommendation requests and replies (DESIGN.md section 5)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.common import Day, MoneyOut, StrictModel
from app.schemas.documents import DocumentRef


class RecommendationCreate(StrictModel):
    purchase_date: Day | None = Field(
        default=None,
        description="Day the pack would be bought. Default: the day after the usage data ends. "
        "Only usage before this day is used.",
    )
    objective: Literal["expected_cost", "cvar", "service_level"] = Field(
        default="expected_cost",
        description='"expected_cost": least expected cost. "cvar": least mean cost over the '
        'worst (1 - cvar_level) share of futures. "service_level": least expected cost with '
        "P(run-out before the pack expires) at most 1 - service_level.",
    )
    cvar_level: float = Field(default=0.95, ge=0.5, le=0.999, description="For objective cvar.")
    service_level: float = Field(
        default=0.95, ge=0.5, le=0.9999, description="For objective service_level."
    )
    forecast_id: uuid.UUID | None = Field(
        default=None, description="Reuse a stored forecast; default: a fresh one."
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=2**63 - 1,
        description="Seed of the forecast's sample paths. Default: derived from the data, so the "
        "same request on the same data gives the same recommendation.",
    )


class QuantilesRead(BaseModel):
    """10th, 50th and 90th percentiles over the simulated futures."""

    p10: float
    p50: float
    p90: float


class DateQuantilesRead(BaseModel):
    p10: date | None
    p50: date | None
    p90: date | None


class TierRef(BaseModel):
    index: int = Field(description="0 for the first (list-price) tier.")
    min_tokens: int
    unit_price: MoneyOut


class OptionRead(BaseModel):
    label: str = Field(description='What this option is, e.g. "recommended", "last year\'s".')
    quantity: int = Field(description="Tokens bought on the purchase date.")
    tier: TierRef = Field(description="The price tier the quantity reaches.")
    unit_price: MoneyOut = Field(description="Price per token paid (the average, for block tiers).")
    total_price: MoneyOut = Field(description="Price of the purchase, exact.")
    currency: str
    expected_cost: MoneyOut = Field(
        description="Price plus the expected cost of emergency top-ups and blocked days."
    )
    expected_top_up_cost: MoneyOut = Field(description="Expected cost of emergency top-ups.")
    expected_consumption: QuantilesRead = Field(
        description="Tokens of this pack used over its life (p10/p50/p90 over the paths)."
    )
    expected_waste_tokens: float = Field(description="Tokens expected to expire unused.")
    expected_waste_value: MoneyOut = Field(description="Their value at the unit price paid.")
    prob_waste_over_10pct: float = Field(description="P(more than 10 % of the pack expires).")
    shortfall_probability: float = Field(description="P(the pack runs out before it expires).")
    expected_shortfall_tokens: float = Field(
        description="Demand the pack cannot serve (topped up or blocked), expected tokens."
    )
    runout_date: DateQuantilesRead | None = Field(
        description="Run-out date quantiles over the futures; a quantile is null where that "
        "share of futures never runs out; null when none does."
    )
    cost_per_token_consumed: MoneyOut | None = Field(
        description="Expected cost divided by the expected tokens used (pack and top-ups)."
    )
    expected_blocked_days: float = Field(
        default=0.0, description="Days of blocked work while an emergency purchase is on its way."
    )
    expected_blocked_cost: MoneyOut = Field(default=Decimal(0))


class CoverRead(BaseModel):
    """Days from the purchase date until the balance runs out, over the simulated futures."""

    mean: float
    p10: int
    p50: int
    p90: int
    life_days: int = Field(description="The pack's life: the most days it can cover.")


class TimingRead(BaseModel):
    label: str
    description: str
    first_purchase_tokens: int
    expected_cost: MoneyOut
    cvar_cost: MoneyOut = Field(description="Mean cost over the worst (1 - cvar_level) of futures.")
    cvar_level: float
    expected_waste_tokens: float
    runout_probability: float
    expected_blocked_days: float


class RecommendationRead(OptionRead):
    id: uuid.UUID
    created_at: datetime
    purchase_date: date
    pack_expires_on: date
    objective: str
    objective_level: float | None = Field(
        default=None, description="The CVaR level or service level used (null: expected cost)."
    )
    forecast_id: uuid.UUID
    seed: int
    n_paths: int
    days_of_cover: CoverRead | None = Field(
        default=None,
        description="Expected days of cover: how long the existing packs and this purchase last.",
    )
    residual_demand: QuantilesRead = Field(
        description="Tokens the new pack must serve (demand the existing packs cannot cover)."
    )
    existing_packs_expected_waste_tokens: float
    last_year_consumption_tokens: float | None
    alternatives: list[OptionRead]
    timing: list[TimingRead] = Field(
        default=[],
        description="Buy now, a smaller pack topped up at a trigger, or two purchases in the "
        "year, priced over the same futures.",
    )
    cheapest_timing: str | None = None
    cheapest_timing_at_risk: str | None = None
    warnings: list[str]
    document: DocumentRef
