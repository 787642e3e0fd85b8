"""Usage: JSON records in, import answers and daily totals out."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from app.limits import MAX_NAME, MAX_USER
from app.schemas.common import Day, Name, StrictModel, Tokens, TokensOut


class UsageRecordIn(StrictModel):
    date: Day
    user: Name | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_USER,
        description="A user id or e-mail; stored as a stable key (a keyed hash when the "
        "service has TOKENCAST_USER_KEY_SECRET). Omit with product for a daily total.",
    )
    product: Name | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    tokens: Tokens


class UsageCreate(StrictModel):
    records: list[UsageRecordIn] = Field(
        min_length=1,
        max_length=200_000,
        description="All or nothing: a bad record rejects the whole request.",
    )


class UsageImportRead(BaseModel):
    format: str | None = Field(default=None, description="The input format detected.")
    rows_read: int
    rows_added: int
    rows_replaced: int = Field(description="Stored rows whose tokens this import changed.")
    rows_unchanged: int = Field(description="Rows already stored with the same tokens.")
    rows_merged: int = Field(
        default=0,
        description="Input rows for the same user, product and day, summed into one row.",
    )
    first_day: date
    last_day: date
    notes: list[str] = []


class DailyTokensRead(BaseModel):
    date: date
    tokens: TokensOut


class DailyUsageRead(BaseModel):
    daily: list[DailyTokensRead]
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    product: str | None = None
    total_tokens: TokensOut
    days: int
    next_from: date | None = Field(
        default=None, description="Pass as `from` to read the next page; null on the last page."
    )

    model_config = {"populate_by_name": True}
