"""The vendor's consumption order, applied to many demand paths at once.

This is the only implementation of the order: the decision's residual demand and the balance replay
of a realised history both call `consume_in_order`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from models.decision.types import Pack
from models.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]

# Days moved at once between the paths' row-per-path layout and a row-per-day block: reading 8
# neighbouring days of a path is nearly as cheap as reading one, and each day's row is then
# contiguous for the vector operations.
BLOCK_DAYS = 8


@dataclass(frozen=True)
class Consumption:
    """What a set of packs did with demand paths.

    `unserved_tokens_per_day` (S, n_days): demand no pack could serve. `remaining_tokens` (P, S):
    each pack's balance after the last day, in the caller's pack order (a pack that expired inside
    the window keeps the balance it expired with). `consumed_tokens` (P, S): what each pack served.
    """

    unserved_tokens_per_day: FloatArray
    remaining_tokens: FloatArray
    consumed_tokens: FloatArray


def consumption_order(packs: Sequence[Pack]) -> list[int]:
    """Indices of `packs` in the order they are drawn down.

    Among usable packs the one that expires first is used first; on equal expiry the smaller pack
    (by original `tokens`) first; then the earlier purchase, then the caller's order.
    """
    return sorted(
        range(len(packs)),
        key=lambda j: (packs[j].expires_on, packs[j].tokens, packs[j].purchased_on, j),
    )


def check_packs(packs: Sequence[Pack]) -> None:
    """Raise InvalidInputError for a pack whose balance or dates cannot be replayed."""
    for j, p in enumerate(packs):
        if not np.isfinite(p.remaining_tokens) or p.remaining_tokens < 0:
            raise InvalidInputError(
                f"pack {j} (bought {p.purchased_on}) has remaining_tokens {p.remaining_tokens}; "
                "it must be finite and non-negative"
            )
        if p.expires_on <= p.purchased_on:
            raise InvalidInputError(
                f"pack {j} expires on {p.expires_on}, not after its purchase on {p.purchased_on}"
            )


def consume_in_order(
    demand_tokens_per_day: FloatArray, first_day: date, packs: Sequence[Pack]
) -> Consumption:
    """Serve daily demand from `packs` in the vendor's consumption order.

    `demand_tokens_per_day` has shape (S, n_days), day j being `first_day + j`, finite and
    non-negative. A pack is usable from `max(purchased_on, first_day)` up to the day before
    `expires_on`, starting from `remaining_tokens` (its balance when it becomes usable in the
    window). Each day the usable packs are drawn down in `consumption_order` until the day's demand
    is met or they are empty. Cost: O(active days x packs) vector operations of length S; days on
    which no pack has tokens left are not visited, and nothing is copied when no pack is usable.
    """
    n_paths, n_days = demand_tokens_per_day.shape
    order = consumption_order(packs)
    start = [max(0, (packs[j].purchased_on - first_day).days) for j in order]
    end = [min(n_days, (packs[j].expires_on - first_day).days) for j in order]
    rem = np.empty((len(packs), n_paths), dtype=np.float64)
    for j, p in enumerate(packs):
        rem[j] = p.remaining_tokens
    initial = rem.copy()
    live = [k for k in range(len(order)) if start[k] < end[k] and rem[order[k], 0] > 0]
    if not live:
        return Consumption(demand_tokens_per_day, rem, np.zeros_like(rem))
    unserved = np.array(demand_tokens_per_day, dtype=np.float64, order="K", copy=True)
    for b0 in range(min(start[k] for k in live), max(end[k] for k in live), BLOCK_DAYS):
        b1 = min(b0 + BLOCK_DAYS, n_days)
        live = [k for k in live if b0 < end[k] and rem[order[k]].any()]
        if not live:
            break
        spans = [(order[k], start[k] - b0, end[k] - b0) for k in live if start[k] < b1]
        if spans:
            days = np.ascontiguousarray(unserved[:, b0:b1].T)
            _draw_down(days, rem, spans)
            unserved[:, b0:b1] = days.T
    return Consumption(unserved, rem, initial - rem)


def _draw_down(days: FloatArray, rem: FloatArray, spans: list[tuple[int, int, int]]) -> None:
    """Numeric kernel: for each row of `days` (B, S), draw it down from the packs in `spans`
    ((pack row, first usable row, first unusable row), in consumption order), in place."""
    take = np.empty(days.shape[1], dtype=np.float64)
    for i, left in enumerate(days):
        for j, lo, hi in spans:
            if lo <= i < hi:
                np.minimum(rem[j], left, out=take)
                rem[j] -= take
                left -= take
