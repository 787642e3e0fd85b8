"""One purchase quantity evaluated in full over every path: money, waste, risk and run-out dates."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import numpy.typing as npt

from models.decision.expectations import SortedResidual
from models.decision.pricing import price, tier_index, unit_price
from models.decision.runout import RunoutTable
from models.decision.types import DateQuantiles, OptionEvaluation, PriceBook, Quantiles

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CENT = Decimal("0.01")
PER_TOKEN = Decimal("0.0001")
WASTE_SHARE = 0.10  # "P(waste > 10 %)" is the share of paths wasting more than this of Q
LEVELS = (0.1, 0.5, 0.9)
# Below this expected demand (tokens) a cost per token is meaningless (and overflows a Decimal).
MIN_SERVED_TOKENS = 1e-6


@dataclass(frozen=True)
class PathFacts:
    """What every option is evaluated against.

    `residual` is R sorted; `residual_total` (S,) is R in path order. `cumulative` (M, L) is the
    running sum of the new pack's daily residual demand (tokens) on the paths `cumulative_rows`
    (M,), ascending: the only paths that can run out of a purchase of at least `smallest_quantity`.
    """

    residual: SortedResidual
    residual_total: FloatArray
    cumulative_rows: IntArray
    cumulative: FloatArray
    purchase_date: date
    smallest_quantity: int

    @classmethod
    def build(
        cls,
        residual: SortedResidual,
        residual_total: FloatArray,
        new_pack_daily: FloatArray,
        purchase_date: date,
        smallest_quantity: int,
        cumulative: FloatArray | None = None,
    ) -> PathFacts:
        """`cumulative` (S, L), when given, is the running sum of `new_pack_daily`, already made."""
        if cumulative is not None:
            rows = np.arange(residual_total.size)
            return cls(residual, residual_total, rows, cumulative, purchase_date, smallest_quantity)
        # Running sums cost S x L sequential additions: skip the paths no option runs out on,
        # unless they are few enough that copying the others out costs more than it saves.
        rows = np.flatnonzero(residual_total > smallest_quantity)
        if rows.size > residual_total.size // 2:
            rows = np.arange(residual_total.size)
            cumulative = np.cumsum(new_pack_daily, axis=1)
        else:
            cumulative = np.cumsum(new_pack_daily[rows], axis=1)
        return cls(residual, residual_total, rows, cumulative, purchase_date, smallest_quantity)


def _money(value: Decimal, quantum: Decimal = CENT) -> Decimal:
    return value.quantize(quantum, rounding=ROUND_HALF_EVEN)


def evaluate_option(
    label: str,
    quantity: int,
    pb: PriceBook,
    facts: PathFacts,
    runout: RunoutTable | None = None,
) -> OptionEvaluation:
    """Price `quantity` tokens and describe what happens to them over the paths.

    Money is exact Decimal from the price book; expectations over paths enter as floats and are
    rounded half-even to cents (cost per token: to 0.0001) at the end. The cost per token
    consumed divides the expected cost by the expected demand served (the new pack's tokens plus
    the top-ups: E[R] less the blocked demand), so it prices waste, emergency purchases and
    blocked days into every token used; it is None when that is below MIN_SERVED_TOKENS. With a
    lead time (`runout` with tables) the top-ups and blocked days follow `RunoutTable`.
    """
    r = facts.residual
    q = np.array([quantity], dtype=np.int64)
    shortfall = float(r.expected_shortfall(q)[0])
    waste = float(r.expected_waste(q)[0])
    total = price(pb, quantity)
    bought, blocked_days = _emergency(runout, quantity, shortfall)
    top_up = _money(pb.top_up_price * Decimal(bought))
    blocked = _money(pb.blocked_day_cost * Decimal(blocked_days))
    expected_cost = _money(total + top_up + blocked)
    served = float(r.prefix[-1]) / r.n_paths - (shortfall - bought)
    used = np.quantile(np.minimum(r.values, float(quantity)), LEVELS)
    heavy_waste = np.searchsorted(r.values, (1.0 - WASTE_SHARE) * quantity, side="left")
    return OptionEvaluation(
        label=label,
        quantity=quantity,
        tier_index=tier_index(pb, quantity),
        unit_price=unit_price(pb, quantity),
        total_price=total,
        expected_cost=expected_cost,
        expected_top_up_cost=top_up,
        expected_consumption=Quantiles(*(float(u) for u in used)),
        expected_waste_tokens=waste,
        expected_waste_value=_money(Decimal(waste) * total / Decimal(quantity)),
        prob_waste_over_10pct=float(heavy_waste) / r.n_paths,
        shortfall_probability=float(r.shortfall_probability(q)[0]),
        expected_shortfall_tokens=shortfall,
        runout_date=runout_quantiles(facts, quantity),
        cost_per_token_consumed=(
            _money(expected_cost / Decimal(served), PER_TOKEN)
            if served >= MIN_SERVED_TOKENS
            else None
        ),
        expected_blocked_days=blocked_days,
        expected_blocked_cost=blocked,
    )


def _emergency(runout: RunoutTable | None, quantity: int, shortfall: float) -> tuple[float, float]:
    """E[tokens bought in emergencies] and E[blocked days] for a `quantity`-token pack."""
    if runout is None or runout.cost is None:
        return shortfall, 0.0  # lead 0: every missing token is bought at once
    levels = np.full(runout.cumulative.shape[0], float(quantity))
    tokens, days, _ = runout.emergency(levels)
    return float(tokens.mean()), float(days.mean())


def runout_days(facts: PathFacts, quantity: int) -> IntArray:
    """Day index (0 = purchase date) on which each path's cumulative demand first exceeds
    `quantity`, or L where it never does; shape (S,).

    A path runs out exactly when R > Q, the event the shortfall counts; the day is found by a
    bisection vectorised over paths (log2 L gathers, not an S x L comparison).
    """
    if quantity < facts.smallest_quantity:
        raise ValueError(f"run-out days below {facts.smallest_quantity} tokens were not prepared")
    n_days = facts.cumulative.shape[1]
    days = np.full(facts.residual_total.shape[0], n_days, dtype=np.int64)
    rows = np.flatnonzero(facts.residual_total > quantity)
    local = np.searchsorted(facts.cumulative_rows, rows)
    lo = np.zeros(rows.size, dtype=np.int64)
    hi = np.full(rows.size, n_days - 1, dtype=np.int64)  # if rounding hides the day: the last
    for _ in range(max(1, math.ceil(math.log2(n_days)) + 1)):
        mid = (lo + hi) // 2
        over = facts.cumulative[local, mid] > quantity
        hi = np.where(over, mid, hi)
        lo = np.where(over, lo, np.minimum(mid + 1, hi))
    days[rows] = hi
    return days


def runout_quantiles(facts: PathFacts, quantity: int) -> DateQuantiles | None:
    """p10/p50/p90 of the run-out date over all paths; None where that share never runs out."""
    days = runout_days(facts, quantity)
    horizon = facts.cumulative.shape[1]
    if not np.any(days < horizon):
        return None
    at = np.quantile(days, LEVELS, method="inverted_cdf")
    dates = [facts.purchase_date + timedelta(days=int(d)) if int(d) < horizon else None for d in at]
    return DateQuantiles(*dates)
