"""The calling key's organization."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import holidays
from pydantic import AfterValidator, BaseModel, Field

from app.schemas.common import StrictModel


def _known_country(code: str) -> str:
    if code not in holidays.list_supported_countries():
        raise ValueError(f"'{code}' is not a country whose public holidays are known")
    return code


Country = Annotated[
    str,
    Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2 code, e.g. US, GB, DE."),
    AfterValidator(_known_country),
]


class OrganizationUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    country: Country | None = Field(
        default=None,
        description="Forecasts then know this country's public holidays (Prophet).",
    )
    clear_country: bool = Field(default=False, description="Forget the country.")


class OrganizationRead(BaseModel):
    id: uuid.UUID
    name: str
    country: str | None
    created_at: datetime
