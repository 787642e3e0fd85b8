"""The calling key's organization."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import holidays
from pydantic import AfterValidator, BaseModel, Field, StrictBool, model_validator

from app.schemas.common import Name, StrictModel


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
    name: Name | None = Field(default=None, min_length=1, max_length=200)
    country: Country | None = Field(
        default=None,
        description="Forecasts then know this country's public holidays (Prophet).",
    )
    clear_country: StrictBool = Field(default=False, description="Forget the country.")

    @model_validator(mode="after")
    def _one_country_instruction(self) -> OrganizationUpdate:
        if self.clear_country and self.country is not None:
            raise ValueError("give country or clear_country, not both")
        if self.name is not None and not self.name.strip():
            raise ValueError("name must not be blank")
        return self


class OrganizationRead(BaseModel):
    id: uuid.UUID
    name: str
    country: str | None
    created_at: datetime
