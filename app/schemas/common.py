"""Shared field types: money as decimal strings, token counts as JSON numbers.

Request bodies use the bounded types (`Money`, `Tokens`); replies use the `...Out` types, which
only require a finite value: a derived total (tokens x price, a year of cost) may lawfully exceed
any single input's bound, and a reply must never fail validation on it.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import cache
from types import UnionType
from typing import Annotated, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)

from app.limits import (
    MAX_DAY,
    MAX_OFFSET,
    MAX_TOKENS_PER_ROW,
    MAX_UNIT_PRICE,
    MIN_DAY,
    TOKEN_DECIMALS,
    day_problem,
    has_control_characters,
)
from app.money import money_text


def _finite_money(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite amount")
    return value


def _money(value: Decimal) -> Decimal:
    _finite_money(value)
    if value < 0:
        raise ValueError("must not be negative")
    if value > MAX_UNIT_PRICE:
        raise ValueError(f"must be at most {MAX_UNIT_PRICE}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        raise ValueError("at most 4 decimal places")
    return value


def _token_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


ASCII_SPACE = " \t\r\n"  # str.strip() alone would also take other scripts' spaces
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _plain_number(value: object) -> object:
    """A number as JSON or as a plain decimal string: not true/false, and no digits of other
    scripts, underscores or spaces inside (which Python's Decimal would read)."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    if isinstance(value, str) and not _PLAIN_NUMBER.fullmatch(value.strip(ASCII_SPACE)):
        raise ValueError(f"must be a plain decimal number such as 2.85, got {value[:40]!r}")
    return value


Money = Annotated[
    Decimal,
    AfterValidator(_money),
    PlainSerializer(money_text, return_type=str, when_used="json"),
    Field(description='A decimal string in the price book\'s currency, e.g. "2.85".'),
]

MoneyOut = Annotated[
    Decimal,
    AfterValidator(_finite_money),
    PlainSerializer(money_text, return_type=str, when_used="json"),
    Field(description='A decimal string in the price book\'s currency, e.g. "2.85".'),
]
"""Money in a reply: any finite amount (a total may exceed what one input may be)."""

Tokens = Annotated[
    Decimal,
    Field(
        ge=0,
        le=MAX_TOKENS_PER_ROW,
        decimal_places=TOKEN_DECIMALS,
        description=f"Tokens, from 0 to {MAX_TOKENS_PER_ROW:,}, at most 3 decimals.",
    ),
    PlainSerializer(_token_number, return_type=float, when_used="json"),
]

TokensOut = Annotated[
    Decimal,
    PlainSerializer(_token_number, return_type=float, when_used="json"),
    Field(description="Tokens (a JSON number)."),
]


def _day(value: date) -> date:
    problem = day_problem(value)
    if problem:
        raise ValueError(problem)
    return value


_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_text(value: object) -> object:
    # Only YYYY-MM-DD: pydantic would also read a number, or digits as text ("1699920000"), as
    # a Unix timestamp, and cut a datetime down to its day.
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip(ASCII_SPACE)):
        return value.strip(ASCII_SPACE)
    if isinstance(value, date):
        return value
    raise ValueError("must be an ISO date string, YYYY-MM-DD")


Day = Annotated[
    date,
    BeforeValidator(_iso_text),
    AfterValidator(_day),
    Field(description=f"An ISO date, YYYY-MM-DD, from {MIN_DAY} to {MAX_DAY}."),
]


def _plain_text(value: str) -> str:
    if has_control_characters(value):
        raise ValueError("must not contain control characters")
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise ValueError("holds a lone UTF-16 surrogate escape (such as \\ud800), not a character")
    return value


Name = Annotated[str, AfterValidator(_plain_text)]

PageOffset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description="Items to skip.")]

Currency = Annotated[
    str,
    Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD", examples=["USD"]),
]


def _numeric(annotation: object) -> bool:
    """Whether a field holds a number (int, float or Decimal, optional or not), not text."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is Annotated:
        return _numeric(args[0])
    if get_origin(annotation) in (Union, UnionType):
        return bool(args) and all(_numeric(a) for a in args)
    return annotation in (int, float, Decimal)


class StrictModel(BaseModel):
    """Request bodies reject unknown fields so a typo is an error, not a silent default; and
    a number is a JSON number or a plain ASCII decimal string, never true/false or text such
    as "1_0" or "١٢" that Python would read as a number."""

    # NaN and infinities are not numbers a request may carry ("must be finite", not a bound)
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _plain_numbers(cls, data: object) -> object:
        if isinstance(data, dict):
            numeric = _numeric_fields(cls)
            for name, value in data.items():
                if isinstance(value, bool | str) and name in numeric:
                    try:
                        _plain_number(value)
                    except ValueError as exc:
                        raise ValueError(f"{name}: {exc}") from None
        return data


@cache
def _numeric_fields(model: type[BaseModel]) -> frozenset[str]:
    """The names of a model's number fields, worked out once per model."""
    return frozenset(n for n, f in model.model_fields.items() if _numeric(f.annotation))


class ErrorRead(BaseModel):
    error: str = Field(description="A stable machine-readable code.")
    detail: str = Field(description="What went wrong and where (field, line number).")


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorRead, "description": "The body could not be read (bad UTF-8 or multipart)"},
    401: {"model": ErrorRead, "description": "Missing or invalid API key"},
    403: {"model": ErrorRead, "description": "The key lacks the scope"},
    404: {"model": ErrorRead, "description": "Not found in this organization"},
    413: {"model": ErrorRead, "description": "Body or rows over the service's limit"},
    422: {"model": ErrorRead, "description": "Invalid input; the detail names the field"},
    503: {
        "model": ErrorRead,
        "description": "Busy: a lock this request needs was held too long (see Retry-After); "
        "nothing was changed",
    },
}
