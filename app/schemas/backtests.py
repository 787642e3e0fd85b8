"""Decision backtests: replay past purchase dates and compare the recommendation with rules of
thumb and perfect foresight."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.schemas.common import MoneyOut, StrictModel

MAX_BACKTEST_PATHS = 5000

SignedMoney = Annotated[
    MoneyOut,
    Field(description='A decimal string in the price book\'s currency; may be negative: "-12.50".'),
]


class BacktestCreate(StrictModel):
    schedule: Literal["yearly", "actual_packs"] = Field(
        default="yearly",
        description="yearly: a purchase every pack life (365 days), the first once a year of "
        "usage precedes it; actual_packs: the purchase dates of the organization's stored packs "
        "that have a year of usage before them and a whole pack life after.",
    )
    n_paths: int = Field(
        default=300,
        ge=10,
        le=MAX_BACKTEST_PATHS,
        description="Forecast paths per purchase date for the recommendation.",
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=2**63 - 1,
        description="Base seed; each purchase date's forecast seed derives from it (and is "
        "reported). Default: derived from the data.",
    )
    model: str = Field(
        default="auto",
        max_length=40,
        description='Forecasting model of the recommendation: "auto" (chosen by backtest on the '
        "history before each date, as the service does) or a model name.",
    )


class BacktestRowRead(BaseModel):
    purchase_date: date
    strategy: str = Field(description="recommendation, last_year_plus_20, last_year, "
                          "perfect_foresight")  # fmt: skip
    label: str
    quantity: int = Field(description="Tokens bought on the purchase date.")
    price: MoneyOut
    top_up_tokens: float = Field(description="Demand no pack could serve, bought in top-ups.")
    top_up_cost: MoneyOut
    blocked_cost: MoneyOut = Field(description="Blocked days at the price book's cost per day.")
    spent: MoneyOut = Field(description="price + top_up_cost + blocked_cost.")
    wasted_tokens: float = Field(description="Tokens of this purchase that expired unused.")
    days_short: int = Field(description="Days the packs fell short of the day's demand.")
    blocked_days: int = Field(
        description="With a top-up lead time: days with demand between a run-out and the "
        "emergency purchase landing. Without one: days_short."
    )
    runout_date: date | None
    regret: SignedMoney = Field(description="spent minus perfect foresight's spent that date.")
    scored_days: int = Field(description="Days from this purchase to the next (or its expiry).")
    forecast_model: str | None = None
    seed: int | None = Field(default=None, description="The forecast's seed (recommendation).")


class StrategySummaryRead(BaseModel):
    strategy: str
    label: str
    purchases: int
    purchased_tokens: int
    total_spent: MoneyOut
    total_top_up_tokens: float
    total_wasted_tokens: float
    waste_pct: float = Field(description="Wasted tokens as % of the tokens purchased.")
    total_days_short: int
    total_blocked_days: int
    total_regret: SignedMoney
    regret_pct: float = Field(
        description="Total regret as % of perfect foresight's total cost (the mean regret over "
        "the mean perfect-foresight cost)."
    )


class BacktestRead(BaseModel):
    schedule: str
    currency: str
    validity_days: int
    top_up_lead_days: int
    n_paths: int
    seed: int
    model: str
    first_day: date = Field(description="First day of the usage the backtest replays.")
    last_day: date
    purchase_dates: list[date]
    rows: list[BacktestRowRead]
    summary: list[StrategySummaryRead]
    notes: list[str]
