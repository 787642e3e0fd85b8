"""The monthly governance report."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, Field

from app.schemas.common import MoneyOut
from app.schemas.insights import (
    OffHoursRead,
    SegmentCounts,
    SegmentName,
    TokenCount,
    TokenPriceRead,
    UserKey,
)

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


class MonthTotals(BaseModel):
    tokens: TokenCount = Field(description="All tokens of the month, with or without a user.")
    user_tokens: TokenCount = Field(description="Tokens on rows with a user.")
    users: int = Field(description="Users with a row in the month.")
    products: int
    user_days: int = Field(description="Days used, summed over users and products.")
    short_launches: int
    value: Annotated[MoneyOut | None, Field(description="Tokens at the effective token price.")]


class ProductMonth(BaseModel):
    product: str
    tokens: TokenCount
    users: int
    user_days: int


class UserProductMonthRead(BaseModel):
    user: UserKey
    product: str
    days_used: int
    tokens: TokenCount
    short_launches: int


class SegmentChangeRead(BaseModel):
    user: UserKey
    previous: SegmentName | None = Field(description="null: no row in last month's window.")
    current: SegmentName | None = Field(description="null: no row in this month's window.")


class InactiveUserRead(BaseModel):
    user: UserKey
    last_use: date | None
    days_since_last_use: int | None


class MonthlyReportRead(BaseModel):
    month: str = Field(description="YYYY-MM")
    first_day: date
    last_day: date
    as_of: date = Field(
        description="The day segments are judged on: the month's last day, or the last day "
        "with usage when the data ends earlier."
    )
    previous_as_of: date | None = Field(description="The same for last month; null: no data.")
    country: str | None
    token_price: TokenPriceRead | None
    totals: MonthTotals
    by_product: list[ProductMonth]
    segments: SegmentCounts = Field(description="Users per segment as of `as_of`.")
    previous_segments: SegmentCounts
    segment_changes: list[SegmentChangeRead]
    transitions: dict[str, int] = Field(description='Changes counted as "previous->current".')
    inactive_users: list[InactiveUserRead]
    off_hours: OffHoursRead
    by_user_product: list[UserProductMonthRead] = Field(description="One page, by user key.")
    total: int = Field(description="User x product rows in all.")
    limit: int
    offset: int
    notes: list[str]
