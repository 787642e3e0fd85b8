"""Running out with a lead time: what a run-out on each day of each path costs from then on.

The model (the price book's terms). When the supply runs out on day d (the first day whose demand
it cannot cover), an emergency purchase is ordered that day and is usable from day d + lead. The
demand of days d .. d + lead - 1 beyond what the supply covered is blocked work: lost, neither
served nor bought; each of those days with some demand counts one blocked day. From day d + lead
the emergency purchase serves the demand, charged per token served at the top-up price (what is
left of it is still valid when the pack expires and carries over). When it is used up, the next
run-out waits for a new lead time.

Emergency purchase size, decided on the day of the run-out from what has been seen by then:
`top_up_block_tokens` if the price book fixes it, otherwise the rest of the pack's life at the burn
rate of the last RATE_WINDOW_DAYS days (the run-out day included) plus 20 %, rounded up to a valid
purchase. Sizing it from the path's own future would be hindsight; a fixed small block would model
an organization that keeps ordering the minimum into a week-long wait, which none does.

Because the supply is gone on the run-out day, everything after depends on the path and the day
only: C[s, d], the money from a run-out on day d of path s to the pack's expiry, is one table of
shape (S, L + 1) (column L, "never runs out", is 0), built once and shared by every purchase
quantity and every timing strategy. With lead 0 nothing is blocked and the money is exactly the
missing tokens at the top-up price, so callers use the closed form and only `cumulative` is built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from models.decision.types import PriceBook

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

RATE_WINDOW_DAYS = 28
MAX_LOOKUP = 4_000_000  # entries of the count table in `count_below` (32 MB)
# The emergency purchase covers the estimated rest of the life times 6/5 (integers, so that the
# arithmetic is the same wherever it is written out).
MARGIN_NUMERATOR, MARGIN_DENOMINATOR = 6.0, 5.0


@dataclass(frozen=True)
class RunoutTable:
    """Cumulative demand and the run-out cost tables of S paths over a pack's L-day life.

    `cumulative` (S, L): tokens demanded on days 0..j. With `lead_days` > 0, `demand_days` (S, L)
    counts the days 0..j with some demand, `top_up_tokens` and `blocked_days` (S, L + 1) are the
    tokens bought in emergencies and the blocked days from a run-out on day d to the end of the
    life (column L: no run-out, 0), and `cost` (S, L + 1) is
    top_up_price * tokens + blocked_day_cost * days (currency units, floats). With lead 0 they
    are None (see the module docstring).
    """

    cumulative: FloatArray
    lead_days: int
    top_up_price: float
    blocked_day_cost: float
    demand_days: npt.NDArray[np.int32] | None = None
    top_up_tokens: FloatArray | None = None
    blocked_days: npt.NDArray[np.float32] | None = None
    cost: FloatArray | None = None

    @classmethod
    def build(cls, daily: FloatArray, pb: PriceBook) -> RunoutTable:
        """Tables for `daily` (S, L) demand on the pack; O(S x L) vector work plus one bisection
        per (path, day) whose emergency purchase runs out again before the life ends."""
        cum = np.cumsum(daily, axis=1)
        lead, tu, bc = pb.top_up_lead_days, float(pb.top_up_price), float(pb.blocked_day_cost)
        if lead == 0:
            return cls(cum, 0, tu, bc)
        demand_days = np.cumsum(daily > 0, axis=1, dtype=np.int32)
        tokens, days = _chain(cum, demand_days, pb)
        cost = tokens * tu
        cost += days * bc
        return cls(cum, lead, tu, bc, demand_days, tokens, days, cost)

    @property
    def n_days(self) -> int:
        return int(self.cumulative.shape[1])

    def first_over(self, levels: FloatArray) -> IntArray:
        """First day on which each path's cumulative demand exceeds `levels` (S,) or (S, k)
        (tokens), L where it never does; same shape. Vectorised bisection, log2 L gathers."""
        return first_over(self.cumulative, levels)

    def emergency(self, levels: FloatArray) -> tuple[FloatArray, FloatArray, IntArray]:
        """A supply that covers cumulative demand up to `levels` (S,) or (S, k) (tokens, at least
        the cumulative demand of the day before it is in use), then runs out: per path the
        emergency tokens bought, the blocked days, and the run-out day (L: none); same shape."""
        lv = np.asarray(levels, dtype=np.float64)
        day = self.first_over(lv)
        if self.top_up_tokens is None or self.blocked_days is None:
            total = self.cumulative[:, -1].reshape(-1, *(1,) * (lv.ndim - 1))
            missing = np.maximum(total - lv, 0.0)
            return missing, np.zeros_like(missing), day
        at = day.reshape(day.shape[0], -1)
        tokens = np.take_along_axis(self.top_up_tokens, at, axis=1).reshape(day.shape)
        days = np.take_along_axis(self.blocked_days, at, axis=1).reshape(day.shape)
        return tokens, days.astype(np.float64), day

    def blocked_between(self, first: IntArray, end: IntArray) -> FloatArray:
        """Days in first .. end - 1 with some demand, per path; `first`, `end` (S, k). 0 with lead
        0 (nothing is ever blocked then) and where end <= first."""
        if self.demand_days is None:
            return np.zeros(first.shape)
        upto = before(self.demand_days, end)
        return np.where(end > first, upto - before(self.demand_days, first), 0.0)

    def expected_costs(self, quantities: IntArray) -> FloatArray:
        """E[cost[s, d(Q, s)]] (currency units) for every Q of ascending `quantities` (K,),
        d(Q, s) being the run-out day of a Q-token pack. Lead > 0 only.

        On each path the cost is a step function of Q that changes only where Q crosses a
        cumulative demand c[s, j]; its jumps are binned onto the candidate grid and summed, so
        every candidate is exact in O(S L) without an S x K matrix.
        """
        assert self.cost is not None, "the lead-0 cost has a closed form"
        total = _binned_costs(self.cost, self.cumulative, quantities)
        return np.asarray(total / self.cost.shape[0], dtype=np.float64)

    def weighted_costs(
        self, quantities: IntArray, rows: IntArray, weights: FloatArray
    ) -> FloatArray:
        """sum over i of weights[i] * cost[rows[i], d(Q, rows[i])] for every Q of ascending
        `quantities` (K,), `rows` and `weights` (m,), as `expected_costs`. Lead > 0 only."""
        assert self.cost is not None, "the lead-0 cost has a closed form"
        cost = self.cost[rows] * weights[:, None]
        return _binned_costs(cost, self.cumulative[rows], quantities)

    def path_costs(self, quantities: IntArray) -> FloatArray:
        """cost[s, d(Q, s)] for every path and each of `quantities` (k,): shape (S, k)."""
        assert self.cost is not None, "the lead-0 cost has a closed form"
        days = first_over_each(self.cumulative, quantities)
        return np.asarray(np.take_along_axis(self.cost, days, axis=1), dtype=np.float64)


def _binned_costs(cost: FloatArray, cumulative: FloatArray, quantities: IntArray) -> FloatArray:
    """Numeric kernel: sum over rows of cost[s, d(Q, s)] for every Q, `cost` (m, L + 1) and
    `cumulative` (m, L)."""
    jumps = np.diff(cost, axis=1)
    at = count_below(quantities, cumulative)
    binned = np.bincount(at.ravel(), weights=jumps.ravel(), minlength=quantities.size + 1)
    total = float(cost[:, 0].sum()) + np.cumsum(binned[: quantities.size])
    return np.asarray(np.maximum(total, 0.0), dtype=np.float64)


def count_below(quantities: IntArray, values: FloatArray) -> IntArray:
    """#{k : quantities[k] < v} for every v of `values` (>= 0, any shape), like
    np.searchsorted(quantities, values, side="left") for ascending whole-token `quantities`.

    Every quantity is a multiple of g = gcd(quantities), so Q < v exactly when Q / g < ceil(v / g):
    one division and one lookup in a table of ceil(max v / g) + 2 counts, several times faster
    than a binary search per value. Falls back to the search when the table would be large.
    """
    step = int(np.gcd.reduce(quantities))
    size = math.ceil(float(values.max(initial=0.0)) / step) + 2
    if size > MAX_LOOKUP:
        return np.asarray(np.searchsorted(quantities, values, side="left"), dtype=np.int64)
    table = np.searchsorted(quantities // step, np.arange(size), side="left")
    bucket = np.ceil(values / step).astype(np.int64)
    return np.asarray(table[bucket], dtype=np.int64)


def before(table: npt.NDArray[np.generic], day: IntArray) -> FloatArray:
    """table[s, day - 1] for every path s and day in `day` (S, k), 0 where day is 0 (the running
    total before the first day)."""
    at = np.clip(day - 1, 0, table.shape[1] - 1)
    got = np.take_along_axis(table, at, axis=1).astype(np.float64)
    return np.asarray(np.where(day > 0, got, 0.0), dtype=np.float64)


def first_over(cumulative: FloatArray, levels: FloatArray) -> IntArray:
    """For each path s (rows of `cumulative`, (S, L), non-decreasing) the first j with
    cumulative[s, j] > level, L if none; `levels` (S,) or (S, k), result of the same shape."""
    n_paths, n_days = cumulative.shape
    lv = np.asarray(levels, dtype=np.float64)
    out = np.full(lv.shape, n_days, dtype=np.int64)
    need = np.nonzero(cumulative[:, -1].reshape((n_paths,) + (1,) * (lv.ndim - 1)) > lv)
    out[need] = bisect_rows(cumulative, need[0], lv[need])
    return out


def first_over_each(cumulative: FloatArray, levels: IntArray | FloatArray) -> IntArray:
    """`first_over` for levels shared by every path, `levels` (k,) -> (S, k); each distinct
    level is searched once."""
    distinct, back = np.unique(np.asarray(levels, dtype=np.float64), return_inverse=True)
    shape = (cumulative.shape[0], distinct.size)
    found = first_over(cumulative, np.broadcast_to(distinct[None, :], shape))
    return np.asarray(found[:, back.reshape(-1)], dtype=np.int64)


def bisect_rows(cumulative: FloatArray, rows: IntArray, values: FloatArray) -> IntArray:
    """Numeric kernel: for each i the first j with cumulative[rows[i], j] > values[i], which must
    exist (cumulative[rows[i], -1] > values[i]); ceil(log2 L) vectorised gathers."""
    n_days = cumulative.shape[1]
    base = rows * n_days
    flat = cumulative.reshape(-1)
    lo = np.zeros(values.size, dtype=np.int64)
    hi = np.full(values.size, n_days - 1, dtype=np.int64)  # cumulative[hi] > value throughout
    for _ in range(math.ceil(math.log2(n_days))):
        mid = (lo + hi) >> 1
        over = flat.take(base + mid) > values
        np.copyto(hi, mid, where=over)
        np.copyto(lo, mid + 1, where=~over)
    return hi


def _chain(
    cum: FloatArray, positive: npt.NDArray[np.int32], pb: PriceBook
) -> tuple[FloatArray, npt.NDArray[np.float32]]:
    """Numeric kernel: emergency tokens and blocked days from a run-out on each (path, day) to the
    end of the life, following each emergency purchase to its own run-out; shapes (S, L + 1)."""
    n_paths, n_days = cum.shape
    lead = pb.top_up_lead_days
    landed = max(0, n_days - lead)  # run-out days whose emergency purchase lands inside the life
    # blocked days of a run-out on day d: days d .. min(d + lead, L) - 1 with some demand
    days = np.zeros((n_paths, n_days + 1), dtype=np.float32)
    days[:, :landed] = positive[:, lead - 1 : lead - 1 + landed]
    days[:, landed:n_days] = positive[:, -1:]
    days[:, 1:n_days] -= positive[:, :-1]
    tokens = np.zeros((n_paths, n_days + 1))
    if landed:
        covered = cum[:, lead - 1 : lead - 1 + landed]  # demand up to the day before it lands
        level = _block_sizes(cum, pb, landed)
        np.subtract(cum[:, -1:], covered, out=tokens[:, :landed])
        np.minimum(tokens[:, :landed], level, out=tokens[:, :landed])
        level += covered
        rows, cols = np.nonzero(cum[:, -1:] > level)  # the purchase runs out again
        _follow(tokens, days, rows, cols, bisect_rows(cum, rows, level[rows, cols]))
    return tokens, days


def _block_sizes(cum: FloatArray, pb: PriceBook, landed: int) -> FloatArray:
    """Emergency purchase size (tokens) for a run-out on days 0..landed-1, shape (S, landed):
    tokens of the window x (days left x 6) / (window days x 5), as a valid purchase."""
    if pb.top_up_block_tokens > 0:
        return np.full((cum.shape[0], landed), float(pb.top_up_block_tokens))
    n_days, width = cum.shape[1], RATE_WINDOW_DAYS
    day = np.arange(landed)
    window_days = np.minimum(day + 1, width).astype(np.float64)
    remaining = (n_days - day - pb.top_up_lead_days).astype(np.float64)
    factor = remaining * MARGIN_NUMERATOR / (window_days * MARGIN_DENOMINATOR)
    wanted = np.array(cum[:, :landed])
    if landed > width:  # the window starts on day d - width + 1: subtract c[d - width]
        wanted[:, width:] -= cum[:, : landed - width]
    wanted *= factor
    # valid_ceil, in place: the minimum, or the next multiple of the increment
    small = wanted <= pb.minimum_purchase
    wanted /= pb.pack_increment
    np.ceil(wanted, out=wanted)
    wanted *= pb.pack_increment
    wanted[small] = pb.minimum_purchase
    return wanted


def _follow(
    tokens: FloatArray,
    days: npt.NDArray[np.float32],
    rows: IntArray,
    cols: IntArray,
    successor: IntArray,
) -> None:
    """Numeric kernel: add, in place, to each entry (rows[i], cols[i]) the totals of the entry
    (rows[i], successor[i]) (the run-out day of its emergency purchase, always later). Entries are
    done latest day first, so every successor is already complete; one step per distinct day."""
    order = np.argsort(-cols, kind="stable")
    rows, cols, successor = rows[order], cols[order], successor[order]
    for group in np.split(np.arange(cols.size), np.flatnonzero(np.diff(cols)) + 1):
        r, c, nxt = rows[group], cols[group], successor[group]
        tokens[r, c] += tokens[r, nxt]
        days[r, c] += days[r, nxt]
