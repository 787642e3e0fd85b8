"""How numbers, money, probabilities and dates read in a document.

Money arrives as decimal strings (or Decimals) and stays exact: it is never passed through a float.
Anything missing (None, an undefined template value) reads as an em dash, so a document with a gap
still renders and shows the gap.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

MISSING = "\u2014"
NBSP = "\u00a0"


def is_missing(value: Any) -> bool:
    """None, an undefined template value (falsy and not a number) or an empty string."""
    if value is None:
        return True
    if isinstance(value, bool | int | float | Decimal):
        return False
    return not value


def to_decimal(value: Any) -> Decimal | None:
    """An exact Decimal from a decimal string, int or Decimal; None if it is not one.

    A float is converted through its shortest repr, so 2.85 reads as 2.85, not its binary expansion.
    """
    if is_missing(value) or isinstance(value, bool):
        return None
    try:
        result = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def money(value: Any, currency: str = "") -> str:
    """`14,250.00 USD`: thousands separators, at least two decimals (more if the price has them)."""
    amount = to_decimal(value)
    if amount is None:
        return MISSING
    exponent = amount.as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    text = f"{amount:,.{places}f}"
    return f"{text}{NBSP}{currency}" if currency else text


def tokens(value: Any) -> str:
    """Whole tokens with thousands separators: `4,600`. Expected values are rounded to the token."""
    number = _finite_float(value)
    if number is None:
        return MISSING
    return f"{round(number):,}"


def signed_tokens(value: Any) -> str:
    """A change in tokens: `+2,725`, `-1,200`, or `0` when it rounds to nothing."""
    number = _finite_float(value)
    if number is None:
        return MISSING
    rounded = round(number)
    return f"{rounded:+,}" if rounded else "0"


def days(value: Any) -> str:
    """An expected number of days, to a tenth: `0`, `< 0.1`, `2.3`; a small but non-zero number
    never reads as a misleading `0.0`."""
    number = _finite_float(value)
    if number is None:
        return MISSING
    if number == 0.0:
        return "0"
    if 0.0 < number < 0.05:
        return f"<{NBSP}0.1"
    return f"{number:,.1f}"


def level(value: Any) -> str:
    """A confidence or CVaR level as a percentage without trailing zeros: `95 %`, `97.5 %`."""
    number = _finite_float(value)
    if number is None:
        return MISSING
    return f"{round(100.0 * number, 2):g}{NBSP}%"


def probability(value: Any) -> str:
    """`12.3 %`; a small but non-zero probability reads `< 0.1 %`, never a misleading `0.0 %`."""
    number = _finite_float(value)
    if number is None:
        return MISSING
    percent = 100.0 * number
    if percent == 0.0:
        return f"0{NBSP}%"
    if 0.0 < percent < 0.05:
        return f"<{NBSP}0.1{NBSP}%"
    if 99.95 < percent < 100.0:
        return f">{NBSP}99.9{NBSP}%"
    return f"{percent:.1f}{NBSP}%"


def score(value: Any) -> str:
    """A backtest score of unknown scale, with about three significant digits."""
    number = _finite_float(value)
    if number is None:
        return MISSING
    magnitude = abs(number)
    if magnitude >= 100:
        return f"{number:,.0f}"
    if magnitude >= 1:
        return f"{number:,.2f}"
    return f"{number:.3f}"


def day(value: Any) -> str:
    """Dates are already ISO strings in the facts; ISO reads the same in every country."""
    if is_missing(value):
        return MISSING
    return str(value)


def text(value: Any) -> str:
    if is_missing(value):
        return MISSING
    return str(value)


def _finite_float(value: Any) -> float | None:
    if is_missing(value) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
