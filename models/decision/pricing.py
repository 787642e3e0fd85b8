"""Price books: validation, exact prices, and the quantities a purchase may take.

Valid quantities. A purchase is the minimum purchase itself, or any multiple of the pack increment
above it: {minimum} U {k * increment > minimum}. When the minimum is a multiple of the increment
(the usual case, 100 and 100) this is exactly "a multiple of the increment and at least the
minimum". When it is not (minimum 150, increment 100) the minimum stays purchasable - otherwise the
book's minimum would be a lie - and larger purchases stay on the increment grid (200, 300, ...), so
tier breaks, which are normally round numbers, remain reachable exactly.

Incremental tiers. Tier i prices the tokens from its `min_tokens` up to the next tier's: with tiers
0+ at 3.00 and 5,000+ at 2.85, the first 5,000 tokens cost 3.00 and every token beyond the 5,000th
costs 2.85. The first tier prices every token below the second tier's start.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from models.decision.types import PriceBook, TierKind
from models.errors import InvalidInputError, InvalidPriceBookError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MAX_CANDIDATES = 50_000
CHART_MARGIN = 1.05  # the curve runs a little past the largest residual so the chart shows the rise
_AVERAGE_PRICE_QUANTUM = Decimal("0.0001")


def validate_price_book(pb: PriceBook) -> None:
    """Raise InvalidPriceBookError naming every problem that would make `pb` unable to price."""
    problems = [*_tier_problems(pb), *_term_problems(pb)]
    if problems:
        raise InvalidPriceBookError("invalid price book: " + "; ".join(problems))


def _tier_problems(pb: PriceBook) -> list[str]:
    if not pb.tiers:
        return ["tiers are empty: at least one tier is needed to price a purchase"]
    problems: list[str] = []
    for i, tier in enumerate(pb.tiers):
        problems.extend(_money_problems(f"tier {i} unit_price", tier.unit_price))
        if tier.min_tokens < 0:
            problems.append(f"tier {i} min_tokens must not be negative, got {tier.min_tokens}")
        if i > 0 and tier.min_tokens <= pb.tiers[i - 1].min_tokens:
            problems.append(
                f"tier min_tokens must be strictly increasing: tier {i} starts at "
                f"{tier.min_tokens}, tier {i - 1} at {pb.tiers[i - 1].min_tokens}"
            )
    if pb.tiers[0].min_tokens > pb.minimum_purchase:
        problems.append(
            f"the first tier starts at {pb.tiers[0].min_tokens} tokens, above the minimum "
            f"purchase of {pb.minimum_purchase}: small purchases would have no price"
        )
    return problems


def _term_problems(pb: PriceBook) -> list[str]:
    problems = _money_problems("top_up_price", pb.top_up_price)
    if pb.pack_increment < 1:
        problems.append(f"pack_increment must be at least 1 token, got {pb.pack_increment}")
    if pb.minimum_purchase < 1:
        problems.append(f"minimum_purchase must be at least 1 token, got {pb.minimum_purchase}")
    if pb.validity_days < 1:
        problems.append(f"validity_days must be at least 1 day, got {pb.validity_days}")
    if pb.top_up_lead_days < 0:
        problems.append(f"top_up_lead_days must not be negative, got {pb.top_up_lead_days}")
    if pb.top_up_block_tokens < 0:
        problems.append(f"top_up_block_tokens must not be negative, got {pb.top_up_block_tokens}")
    blocked = _money_problems("blocked_day_cost", pb.blocked_day_cost, allow_zero=True)
    return problems + blocked


def _money_problems(name: str, value: object, *, allow_zero: bool = False) -> list[str]:
    if not isinstance(value, Decimal):
        return [f"{name} must be a Decimal, got {type(value).__name__}"]
    if not value.is_finite():
        return [f"{name} must be a finite amount, got {value}"]
    if value < 0 or (value == 0 and not allow_zero):
        return [f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {value}"]
    return []


def tier_index(pb: PriceBook, quantity: int) -> int:
    """Index of the tier that prices the last token of a `quantity`-token purchase.

    All-units: the highest tier whose `min_tokens` <= quantity (the whole purchase is priced
    there). Incremental: the highest tier whose `min_tokens` < quantity (the tier holding the
    quantity-th token), so 5,000 tokens with a 5,000+ tier are still entirely in the tier below.
    Quantities below the first tier's start are priced by the first tier.
    """
    mins = [t.min_tokens for t in pb.tiers]
    if pb.tier_kind == TierKind.INCREMENTAL:
        return max(0, bisect_left(mins, quantity) - 1)
    return max(0, bisect_right(mins, quantity) - 1)


def price(pb: PriceBook, quantity: int) -> Decimal:
    """The exact price (currency units) of `quantity` tokens bought in one purchase."""
    if quantity < 0:
        raise InvalidInputError(f"cannot price a negative quantity ({quantity} tokens)")
    if pb.tier_kind != TierKind.INCREMENTAL:
        return Decimal(quantity) * pb.tiers[tier_index(pb, quantity)].unit_price
    total = Decimal(0)
    for i, tier in enumerate(pb.tiers):
        lo = 0 if i == 0 else tier.min_tokens
        hi = pb.tiers[i + 1].min_tokens if i + 1 < len(pb.tiers) else quantity
        in_block = min(quantity, hi) - lo
        if in_block > 0:
            total += Decimal(in_block) * tier.unit_price
    return total


def unit_price(pb: PriceBook, quantity: int) -> Decimal:
    """Price per token of a `quantity`-token purchase.

    All-units: the tier's unit price, exact. Incremental: the average price(quantity) / quantity,
    rounded half-even to 4 decimals (the exact total is `price`).
    """
    if quantity < 1:
        raise InvalidInputError(f"a unit price needs at least 1 token, got {quantity}")
    if pb.tier_kind != TierKind.INCREMENTAL:
        return pb.tiers[tier_index(pb, quantity)].unit_price
    return (price(pb, quantity) / Decimal(quantity)).quantize(_AVERAGE_PRICE_QUANTUM)


def prices_float(pb: PriceBook, quantities: IntArray) -> FloatArray:
    """Prices of many quantities as floats, shape like `quantities`: for curves, not for money."""
    q = np.asarray(quantities, dtype=np.float64)
    mins = np.array([t.min_tokens for t in pb.tiers], dtype=np.float64)
    unit = np.array([float(t.unit_price) for t in pb.tiers], dtype=np.float64)
    if pb.tier_kind != TierKind.INCREMENTAL:
        idx = np.maximum(np.searchsorted(mins, q, side="right") - 1, 0)
        return np.asarray(q * unit[idx], dtype=np.float64)
    starts = mins.copy()
    starts[0] = 0.0
    ends = np.append(mins[1:], np.inf)
    total = np.zeros_like(q)
    for lo, hi, p in zip(starts, ends, unit, strict=True):
        total += p * np.clip(q - lo, 0.0, hi - lo)
    return total


def tier_breaks(pb: PriceBook) -> tuple[int, ...]:
    """The token quantities where a new tier starts (every tier's start but the first's)."""
    return tuple(t.min_tokens for t in pb.tiers[1:])


def valid_ceil(pb: PriceBook, tokens: float) -> int:
    """The smallest valid purchase quantity >= `tokens` (tokens may be fractional)."""
    if tokens <= pb.minimum_purchase:
        return pb.minimum_purchase
    return math.ceil(tokens / pb.pack_increment) * pb.pack_increment


def valid_ceil_array(pb: PriceBook, tokens: FloatArray) -> FloatArray:
    """`valid_ceil` of every element of `tokens` (any shape), as floats."""
    x = np.asarray(tokens, dtype=np.float64)
    small = x <= pb.minimum_purchase
    up = np.ceil(x / pb.pack_increment)
    up *= pb.pack_increment
    up[small] = pb.minimum_purchase
    return up


def valid_floor(pb: PriceBook, tokens: float) -> int:
    """The largest valid purchase quantity <= `tokens`, or the minimum when `tokens` is below it."""
    floored = math.floor(tokens / pb.pack_increment) * pb.pack_increment
    return max(pb.minimum_purchase, floored)


def candidate_quantities(pb: PriceBook, max_tokens: float) -> IntArray:
    """Every valid purchase quantity worth evaluating, ascending, int64, shape (k,).

    The grid runs from the minimum purchase to the first valid quantity >= 1.05 * `max_tokens`
    (the largest residual demand, tokens), and further up to any tier break whose price does not
    exceed that top quantity's: past the top no path has a shortfall, so only a break that is no
    dearer can compete. If that is more than MAX_CANDIDATES quantities, the grid is coarsened to a
    multiple of the increment, keeping the minimum, the top, each break and the last valid quantity
    below each break; the optimizer adds each tier's critical-fractile neighbours, so the optimum
    over the full grid is still found (the curve is convex between breaks).
    """
    if not math.isfinite(max_tokens) or max_tokens < 0:
        raise InvalidInputError(f"max_tokens must be finite and non-negative, got {max_tokens}")
    top = _reach_past_breaks(pb, valid_ceil(pb, math.ceil(max_tokens * CHART_MARGIN)))
    inc, minimum = pb.pack_increment, pb.minimum_purchase
    n_full = 1 + top // inc - minimum // inc
    multiple = max(1, math.ceil(n_full / MAX_CANDIDATES))
    step = inc * multiple
    grid = np.arange(step * (minimum // step + 1), top + 1, step, dtype=np.int64)
    if multiple == 1:
        return np.concatenate([np.array([minimum], dtype=np.int64), grid])
    kept = [minimum, top]
    for b in tier_breaks(pb):
        if valid_ceil(pb, b) <= top:
            kept += [valid_ceil(pb, b), valid_floor(pb, b - 1)]
    return merge_quantities(grid, kept)


def merge_quantities(grid: IntArray, extra: list[int]) -> IntArray:
    """`grid` (ascending) with the quantities in `extra` added: ascending, without repeats."""
    merged = np.sort(np.concatenate([grid, np.array(extra, dtype=np.int64)]), kind="stable")
    keep = np.ones(merged.size, dtype=bool)
    keep[1:] = merged[1:] != merged[:-1]  # sort + mask: np.unique's hashing is far slower here
    return merged[keep]


def _reach_past_breaks(pb: PriceBook, top: int) -> int:
    top_price = price(pb, top)
    reach = top
    for b in tier_breaks(pb):
        at_break = valid_ceil(pb, b)
        if at_break > reach and price(pb, at_break) <= top_price:
            reach = at_break
    return reach
