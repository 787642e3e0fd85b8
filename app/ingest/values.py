"""Cell-level parsing shared by every format: days, token counts, header names.

Exports repeat the same few hundred dates and token values across thousands of rows, so the text
parsers are memoised (bounded; only good cells are remembered, an error is raised every time).

Timestamps with an offset (`2025-01-06T23:30:00-05:00`) keep the calendar day as written. A usage
day is a label in the organization's own local time, not an instant: tokens are charged per local
24-hour window, and the weekday/weekend and holiday pattern the forecasters learn is local.
Converting to UTC would move every evening's usage to the next day and smear that pattern.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import TypeVar

from app.ingest.records import UsageImportError
from app.limits import (
    MAX_NAME,
    MAX_TOKENS_PER_ROW,
    TOKEN_DECIMALS,
    day_problem,
    has_control_characters,
)

_DAY_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
# ASCII digits only: `\d` alone also matches other scripts' digits ("١٢"), which Decimal reads.
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_EXPECTED_DAY = "expected YYYY-MM-DD, optionally with a time"
# Good cells as written -> their value: the per-row fast path, one dict lookup for a cell seen
# before (exports repeat a few hundred dates and token counts across a million rows).
_KNOWN_CELLS = 8192
_GOOD_DAYS: dict[str, date] = {}
_GOOD_TOKENS: dict[str, Decimal] = {}
_T = TypeVar("_T")


def normalize_header(name: object) -> str:
    """Header cell -> comparison key: case, BOM and all whitespace ignored."""
    text = "" if name is None else str(name)
    return "".join(text.replace("\ufeff", "").split()).casefold()


def show(value: object) -> str:
    """A cell value as it may appear in an error message, without leaking e-mail addresses."""
    text = str(value).strip()
    if "@" in text:
        return "a value that looks like an e-mail address"
    return repr(text if len(text) <= 40 else text[:37] + "...")


@lru_cache(maxsize=8192)
def _day_from_text(text: str) -> date:
    if not _DAY_RE.fullmatch(text):
        raise ValueError
    if len(text) == 10:
        return date.fromisoformat(text)
    # Local date as written: .date() on the aware datetime, no conversion to UTC.
    return datetime.fromisoformat(text).date()


def parse_day(value: object, *, line: int, field: str) -> date:
    """A usage day from a text cell or a spreadsheet date/datetime cell."""
    if isinstance(value, str):  # CSV cells: the hot path, checked first
        known = _GOOD_DAYS.get(value)
        if known is not None:
            return known
        text = value.strip()
    elif isinstance(value, datetime):
        return _in_range(value.date(), line=line, field=field)
    elif isinstance(value, date):
        return _in_range(value, line=line, field=field)
    else:
        text = "" if value is None else str(value).strip()
    if not text:
        raise UsageImportError(f"is empty ({_EXPECTED_DAY})", line=line, field=field)
    try:
        day = _day_from_text(text)
    except ValueError:
        reason = f"{show(text)} is not a date ({_EXPECTED_DAY})"
        raise UsageImportError(reason, line=line, field=field) from None
    day = _in_range(day, line=line, field=field)
    if isinstance(value, str):
        _remember(_GOOD_DAYS, value, day)
    return day


def _in_range(day: date, *, line: int, field: str) -> date:
    problem = day_problem(day)
    if problem:
        raise UsageImportError(problem, line=line, field=field)
    return day


@lru_cache(maxsize=8192)
def _tokens_from_text(text: str) -> Decimal:
    if not _NUMBER_RE.fullmatch(text):
        try:
            special = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{show(text)} is not a number") from None
        if not special.is_finite():
            raise ValueError(f"{show(text)} is not a finite number")
        raise ValueError(f"{show(text)} is not a plain number")
    tokens = Decimal(text)
    if tokens < 0:
        raise ValueError(f"{show(text)} is negative (tokens used cannot be below zero)")
    # No row of usage holds a billion tokens; a value that large is a broken cell, and it would
    # overflow the database column once rows are summed.
    if tokens > MAX_TOKENS_PER_ROW:
        raise ValueError(
            f"{show(text)} is implausibly large for a token count (at most {MAX_TOKENS_PER_ROW:,})"
        )
    exponent = tokens.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -TOKEN_DECIMALS:
        raise ValueError(f"{show(text)} has more than {TOKEN_DECIMALS} decimal places")
    # "-0" is a valid zero; keep the sign out of the sums and the database.
    return tokens.copy_abs()


def parse_tokens(value: object, *, line: int, field: str) -> Decimal:
    """A non-negative, finite token count from a text or numeric cell, as an exact Decimal."""
    if isinstance(value, str):  # CSV cells: the hot path, checked first
        known = _GOOD_TOKENS.get(value)
        if known is not None:
            return known
        text = value.strip(" \t\r\n")  # ASCII blanks only: "12\u00a0" is not a plain number
    elif isinstance(value, bool):
        raise UsageImportError(f"{value} is not a number", line=line, field=field)
    else:
        # float repr is the shortest exact round-trip (7.0 -> "7.0"), so Decimal stays exact
        text = "" if value is None else str(value).strip()
    if not text:
        raise UsageImportError("is empty (expected a number of tokens)", line=line, field=field)
    try:
        tokens = _tokens_from_text(text)
    except ValueError as exc:
        raise UsageImportError(str(exc), line=line, field=field) from None
    if isinstance(value, str):
        _remember(_GOOD_TOKENS, value, tokens)
    return tokens


def required_text(value: object, *, line: int, field: str, max_length: int = MAX_NAME) -> str:
    """A non-empty text cell, stripped."""
    text = optional_text(value, line=line, field=field, max_length=max_length)
    if not text:
        raise UsageImportError("is empty", line=line, field=field)
    return text


def optional_text(value: object, *, line: int, field: str, max_length: int = MAX_NAME) -> str:
    """A text cell, stripped ("" when empty), short enough to store and free of control bytes."""
    text, problem = _clean_text("" if value is None else str(value), max_length)
    if problem:
        raise UsageImportError(problem, line=line, field=field)
    return text


def _remember(known: dict[str, _T], cell: str, value: _T) -> None:
    if len(known) >= _KNOWN_CELLS:
        known.clear()
    known[cell] = value


@lru_cache(maxsize=8192)
def _clean_text(raw: str, max_length: int) -> tuple[str, str | None]:
    # Line breaks and tabs inside a quoted cell are layout, not part of a name: fold them.
    text = " ".join(raw.split())
    if has_control_characters(text):
        return text, "contains control characters"
    if len(text) > max_length:
        return text, f"is longer than {max_length} characters"
    return text, None


def canonical_user(text: str) -> str:
    """E-mail addresses compare case-insensitively in practice: `Ann@X.com` is `ann@x.com`.

    Other identifiers (`U17`) are kept as written; the caller's `user_key` has the last word.
    """
    text = text.strip()
    return text.casefold() if "@" in text else text
