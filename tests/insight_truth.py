"""Insights computed the plain way (loops over rows), to check the service and the core against.

Nothing here imports the code under test: the rules are written out again from their
definitions (days used are days with tokens above 0; the window is the trailing 365 days).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

Row = tuple[date, str, str, float]


def window(as_of: date, first_covered: date, days: int = 365) -> tuple[date, int]:
    start = max(as_of - timedelta(days=days - 1), first_covered)
    return start, (as_of - start).days + 1


def segments(rows: Iterable[Row], as_of: date, first_covered: date) -> dict[str, str]:
    start, n = window(as_of, first_covered)
    used: dict[str, set[date]] = defaultdict(set)
    seen: set[str] = set()
    for day, user, _, tokens in rows:
        if user and start <= day <= as_of:
            seen.add(user)
            if tokens > 0:
                used[user].add(day)
    out = {}
    for user in seen:
        days = used[user]
        if not days or (as_of - max(days)).days >= 90:
            out[user] = "inactive"
        elif len(days) * 7 / n >= 4:
            out[user] = "power"
        elif len(days) < 40 * n / 365:
            out[user] = "occasional"
        else:
            out[user] = "regular"
    return out


def pair_tokens(rows: Iterable[Row], start: date, end: date) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = defaultdict(float)
    for day, user, product, tokens in rows:
        if user and start <= day <= end and tokens > 0:
            out[(user, product)] += tokens
    return dict(out)


def candidates(
    rows: list[Row],
    as_of: date,
    first_covered: date,
    token_price: Decimal,
    prices: dict[str, Decimal],
) -> dict[tuple[str, str], Decimal]:
    """(user, product) -> annual saving, for every non-inactive user x product over the price."""
    start, n = window(as_of, first_covered)
    segment = segments(rows, as_of, first_covered)
    out = {}
    for (user, product), tokens in pair_tokens(rows, start, as_of).items():
        if product not in prices or segment[user] == "inactive":
            continue
        cost = (Decimal(f"{tokens:.3f}") * token_price * 365 / n).quantize(Decimal("0.01"))
        if cost > prices[product]:
            out[(user, product)] = cost - prices[product]
    return out


def off_hours(
    rows: Iterable[Row], start: date, end: date, holidays: set[date]
) -> tuple[float, float, float]:
    """(all tokens, weekend tokens, weekday-holiday tokens) from start to end."""
    total = weekend = holiday = 0.0
    for day, _, _, tokens in rows:
        if not start <= day <= end:
            continue
        total += tokens
        if day.weekday() >= 5:
            weekend += tokens
        elif day in holidays:
            holiday += tokens
    return total, weekend, holiday
