"""Shared field types: money as decimal strings, token counts as JSON numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer


def _money(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite amount")
    if value < 0:
        raise ValueError("must not be negative")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        raise ValueError("at most 4 decimal places")
    return value


def _token_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


Money = Annotated[
    Decimal,
    AfterValidator(_money),
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
    Field(description='A decimal string in the price book\'s currency, e.g. "2.85".'),
]

Tokens = Annotated[
    Decimal,
    Field(ge=0, max_digits=18, decimal_places=3, description="Tokens, a non-negative number."),
    PlainSerializer(_token_number, return_type=float, when_used="json"),
]

Currency = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD", examples=["USD"]),
]


class StrictModel(BaseModel):
    """Request bodies reject unknown fields so a typo is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid")


class ErrorRead(BaseModel):
    error: str = Field(description="A stable machine-readable code.")
    detail: str = Field(description="What went wrong and where (field, line number).")


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorRead, "description": "Missing or invalid API key"},
    403: {"model": ErrorRead, "description": "The key lacks the scope"},
    404: {"model": ErrorRead, "description": "Not found in this organization"},
    422: {"model": ErrorRead, "description": "Invalid input; the detail names the field"},
}
