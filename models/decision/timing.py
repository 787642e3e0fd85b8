"""When to buy: one pack now, a smaller pack topped up at a trigger, or two purchases a year.

Every strategy is priced on the same paths (the demand the existing packs leave to the new pack,
L = validity days) with the same run-out rules (`models.decision.runout`). All three are
non-anticipative: what is bought on a day depends only on the demand seen up to that day.

- Single purchase: Q tokens now; run-outs go to emergency top-ups.
- Top-up at a trigger: Q0 tokens now; on the day the balance falls below T tokens, B more at the
  tier price, usable `top_up_lead_days` later (no order is placed if it would land after the
  pack's expiry). If Q0 runs out before B lands, the days in between are blocked; if B runs out
  too, emergency top-ups follow.
- Two purchases: Q1 now; a second pack usable from mid-life (day m = L // 2), ordered a lead time
  before (day o = m - lead, at least 0) and sized then: the burn rate seen so far times the days
  from o to the end, times an uplift u, less what is left of Q1, rounded up to a valid purchase
  (nothing if that is not positive; with nothing seen yet, the forecast's mean rate). If Q1 runs
  out before m, the days until an emergency top-up lands are blocked and it serves to m.

The first pack expires at the end of the life (its leftover is waste). A pack bought on day p of
the life is still valid for p days after it ends: of its leftover, what the path's own burn rate
of the second half of the life would use in those p days is carried over and credited at its
unit price; the rest is waste. Emergency tokens are charged as used, as in the decision.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from models.decision.pricing import valid_ceil_array
from models.decision.runout import RunoutTable, before, first_over_each
from models.decision.types import PriceBook

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class StrategyOutcome:
    """k settings of one strategy on S paths: cost (currency units, floats), forfeited tokens,
    whether some demand needed an emergency top-up or was blocked, blocked days; all (S, k)."""

    cost: FloatArray
    waste_tokens: FloatArray
    ran_out: BoolArray
    blocked_days: FloatArray


def single_purchase(
    runout: RunoutTable, quantities: IntArray, prices: FloatArray
) -> StrategyOutcome:
    """Buy each of `quantities` (k,) now at `prices` (k,) (currency units)."""
    levels = _levels(runout, quantities)
    tokens, days, day = runout.emergency(levels)
    cost = prices[None, :] + runout.top_up_price * tokens + runout.blocked_day_cost * days
    waste = np.maximum(levels - runout.cumulative[:, -1:], 0.0)
    return StrategyOutcome(cost, waste, day < runout.n_days, days)


def top_up_at_trigger(
    runout: RunoutTable,
    prices: tuple[FloatArray, FloatArray],
    first: IntArray,
    trigger: FloatArray,
    top_up: IntArray,
) -> StrategyOutcome:
    """Q0 = `first` now, B = `top_up` when the balance falls below `trigger` (all (k,), tokens).

    `prices` are price(Q0) and price(B) (k,) (currency units, tier prices).
    """
    n_days, lead = runout.n_days, runout.lead_days
    cum = runout.cumulative
    total = cum[:, -1:]
    ordered = first_over_each(cum, first - trigger)
    lands = ordered + lead
    placed = lands < n_days
    emptied = first_over_each(cum, first)
    waiting = placed & (emptied < lands)
    blocked_first = np.where(waiting, runout.blocked_between(emptied, lands), 0.0)
    level = np.where(placed, np.maximum(first[None, :], before(cum, lands)) + top_up, first)
    tokens, days, day = runout.emergency(level)
    leftover = np.where(placed, np.minimum(top_up, np.maximum(level - total, 0.0)), 0.0)
    carried = np.minimum(leftover, _late_rate(cum) * ordered)
    unit = prices[1] / top_up
    cost = (
        prices[0][None, :]
        + np.where(placed, prices[1][None, :] - carried * unit[None, :], 0.0)
        + runout.top_up_price * tokens
        + runout.blocked_day_cost * (days + blocked_first)
    )
    waste = np.maximum(first[None, :] - total, 0.0) + leftover - carried
    return StrategyOutcome(cost, waste, waiting | (day < n_days), days + blocked_first)


def second_sizes(
    runout: RunoutTable, pb: PriceBook, first: IntArray, uplift: FloatArray
) -> FloatArray:
    """Tokens of the second purchase on each path for Q1 = `first` and `uplift` (k,): (S, k).

    Ordered on day o = max(0, L // 2 - lead) from the demand seen before it: the mean rate of
    days 0..o-1 (the mean forecast rate when o is 0) times the L - o days left, times the uplift,
    less what is left of Q1; rounded up to a valid purchase, or 0 when nothing is needed.
    """
    cum = runout.cumulative
    n_days = runout.n_days
    order_day = max(0, n_days // 2 - runout.lead_days)
    if order_day > 0:
        seen = cum[:, order_day - 1 : order_day]
        rate = seen / order_day
    else:
        seen = np.zeros((cum.shape[0], 1))
        rate = np.full((cum.shape[0], 1), float(cum[:, -1].mean()) / n_days)
    need = uplift[None, :] * rate * (n_days - order_day) - np.maximum(first[None, :] - seen, 0.0)
    return np.where(need > 0, valid_ceil_array(pb, need), 0.0)


def two_purchases(
    runout: RunoutTable,
    first: IntArray,
    first_prices: FloatArray,
    second: FloatArray,
    second_prices: FloatArray,
) -> StrategyOutcome:
    """Q1 = `first` (k,) now at `first_prices` (k,); a second pack of `second` (S, k) tokens at
    `second_prices` (S, k) usable from day L // 2 (sized by `second_sizes`)."""
    n_days, lead = runout.n_days, runout.lead_days
    cum = runout.cumulative
    total = cum[:, -1:]
    mid = n_days // 2
    q1 = _levels(runout, first)
    emptied = first_over_each(cum, first)
    early = emptied < mid
    bridged = np.minimum(emptied + lead, mid)  # the day an emergency top-up lands, at most mid
    blocked_first = np.where(early, runout.blocked_between(emptied, bridged), 0.0)
    seen_mid = np.zeros((cum.shape[0], 1)) if mid == 0 else cum[:, mid - 1 : mid]
    bridge = np.where(early, seen_mid - np.maximum(q1, before(cum, bridged)), 0.0)
    level = np.maximum(q1, seen_mid) + second
    tokens, days, day = runout.emergency(level)
    leftover = np.minimum(second, np.maximum(level - total, 0.0))
    carried = np.minimum(leftover, _late_rate(cum) * mid)
    unit = np.divide(second_prices, second, out=np.zeros_like(second), where=second > 0)
    cost = (
        first_prices[None, :]
        + second_prices
        - carried * unit
        + runout.top_up_price * (tokens + bridge)
        + runout.blocked_day_cost * (days + blocked_first)
    )
    waste = np.maximum(q1 - total, 0.0) + leftover - carried
    return StrategyOutcome(cost, waste, early | (day < n_days), days + blocked_first)


def _levels(runout: RunoutTable, quantities: IntArray | FloatArray) -> FloatArray:
    shape = (runout.cumulative.shape[0], np.size(quantities))
    return np.broadcast_to(np.asarray(quantities, dtype=np.float64)[None, :], shape)


def _late_rate(cum: FloatArray) -> FloatArray:
    """Mean tokens per day over the second half of each path's life, (S, 1)."""
    n_days = cum.shape[1]
    mid = n_days // 2
    start = cum[:, mid - 1 : mid] if mid > 0 else np.zeros((cum.shape[0], 1))
    return np.asarray((cum[:, -1:] - start) / (n_days - mid), dtype=np.float64)
