"""Bounds on input values, shared by the JSON schemas and the file importers.

They keep arithmetic and storage exact and finite: a date far outside any licence history would
overflow date arithmetic a year ahead, and an absurd token count or price would overflow the
database columns (tokens NUMERIC(18, 3), prices NUMERIC(14, 4)).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

MIN_DAY = date(1970, 1, 1)
MAX_DAY = date(2199, 12, 31)
MAX_TOKENS_PER_ROW = Decimal(1_000_000_000)
TOKEN_DECIMALS = 3
MAX_UNIT_PRICE = Decimal("999999999.9999")
MAX_OFFSET = 10_000_000
MAX_NAME = 200  # product names (the usage_rows.product column)
MAX_USER = 254  # an e-mail address at its longest (usage_rows.user_key holds 320)


def day_problem(day: date) -> str | None:
    if day < MIN_DAY or day > MAX_DAY:
        return f"{day.isoformat()} is outside {MIN_DAY.isoformat()} to {MAX_DAY.isoformat()}"
    return None


# C0 controls and DEL; C1 controls; line and paragraph separators; the bidirectional overrides
# and isolates and the direction marks, which make a name display as other text than it holds.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None
