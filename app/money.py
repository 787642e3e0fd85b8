"""How money is written: a decimal string with at least two decimals and no float in between."""

from __future__ import annotations

from decimal import Decimal, localcontext

CENT = Decimal("0.01")


def money_text(value: Decimal) -> str:
    """`Decimal("3")`, `"3.0000"` -> `"3.00"`; `"2.8475"` stays `"2.8475"` (unit prices may
    carry up to four decimals; totals are already in cents). Exact at any size: the context
    holds every digit, so a large total neither rounds nor fails to quantize."""
    with localcontext() as ctx:
        if value.is_finite():
            ctx.prec = max(ctx.prec, len(value.as_tuple().digits), value.adjusted() + 3)
        normalized = value.normalize()
        exponent = normalized.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= -2:
            return format(value.quantize(CENT), "f")
        return format(normalized, "f")
