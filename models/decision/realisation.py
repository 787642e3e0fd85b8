"""What one purchase did on the realised history: top-ups, blocked days and waste.

A purchase is scored over its pack's life, cut at the next purchase date when that comes first,
on the demand the packs still held leave to it (`residual_demand`, the vendor's consumption
order). Running out follows the decision's own model (`runout.RunoutTable`), so the backtest
charges exactly what the optimizer priced: with no top-up lead time every missing token is
bought at the top-up price; with a lead time the demand between a run-out and the emergency
purchase landing is blocked (lost), each blocked day with demand costs the price book's
`blocked_day_cost`, and the emergency purchase is sized from the burn seen by then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from models.decision.packs import PackBalance, replay_balance, residual_demand
from models.decision.runout import RunoutTable
from models.decision.types import Pack, PriceBook
from models.errors import InvalidInputError
from models.series import DailySeries

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PeriodOutcome:
    """A purchase on the realised history, over `scored_days` days from its purchase date.

    - `top_up_tokens`: tokens bought in emergency top-ups;
    - `days_short`: days on which the packs could not cover the day's demand;
    - `blocked_days`: with a top-up lead time, the days with demand between a run-out and the
      emergency purchase landing (every run-out, as in `RunoutTable`); without one, nothing
      waits for a delivery and this is `days_short`, the days that depended on an emergency
      purchase made on the day;
    - `runout_date`: the first day the packs fell short, or None;
    - `wasted_tokens`: tokens of this purchase that expired unused;
    - `held_after`: packs with tokens left that are still usable on the next purchase date.
    """

    scored_days: int
    top_up_tokens: float
    days_short: int
    blocked_days: int
    runout_date: date | None
    wasted_tokens: float
    held_after: tuple[Pack, ...]


def realise_period(
    history: DailySeries,
    new_pack: Pack,
    held: Sequence[Pack],
    next_purchase: date,
    pb: PriceBook,
) -> PeriodOutcome:
    """Score `new_pack` (bought on its `purchased_on`, `tokens` tokens) on the realised `history`
    with the packs `held` on that date (their balances then), from the purchase to the day
    before `next_purchase` or the pack's expiry, whichever comes first.

    The history must cover the pack's whole life. Packs bought later expire later (one validity
    for every pack), so they never change what happens to this pack's tokens.
    """
    start, expiry = new_pack.purchased_on, new_pack.expires_on
    if start < history.start or expiry - timedelta(days=1) > history.end:
        raise InvalidInputError(
            f"the history ({history.start} to {history.end}) must cover the life of the pack "
            f"bought on {start}, to {expiry - timedelta(days=1)}"
        )
    life = _window(history, start, expiry)
    packs = [*held, new_pack]
    n = (min(next_purchase, expiry) - start).days
    left = residual_demand(life[np.newaxis, :], start, held, start, life.size).new_pack_daily
    window = np.ascontiguousarray(left[:, :n])
    table = RunoutTable.build(window, pb)
    tokens, blocked, day = table.emergency(np.array([float(new_pack.tokens)]))
    short = int(np.count_nonzero((table.cumulative[0] > new_pack.tokens) & (window[0] > 0)))
    return PeriodOutcome(
        scored_days=n,
        top_up_tokens=float(tokens[0]),
        days_short=short,
        blocked_days=int(blocked[0]) if table.lead_days > 0 else short,
        runout_date=start + timedelta(days=int(day[0])) if int(day[0]) < n else None,
        wasted_tokens=_forfeited(replay_balance(life, start, packs).packs[-1]),
        held_after=_still_held(history, start, next_purchase, packs),
    )


def _window(history: DailySeries, first: date, end: date) -> FloatArray:
    """Realised tokens per day from `first` to the day before `end`, shape (n,)."""
    lo = (first - history.start).days
    return history.tokens_per_day[lo : lo + (end - first).days]


def _forfeited(balance: PackBalance) -> float:
    """Tokens a pack lost at its expiry, from its balance at the end of the day before it (the
    replay of its life keeps them as `remaining_tokens`) or after it (`expired_unused_tokens`)."""
    return balance.expired_unused_tokens + balance.remaining_tokens


def _still_held(
    history: DailySeries, start: date, next_purchase: date, packs: list[Pack]
) -> tuple[Pack, ...]:
    """The packs with tokens left that are usable on `next_purchase`, with those balances."""
    if next_purchase >= max(p.expires_on for p in packs):
        return ()
    replay = replay_balance(_window(history, start, next_purchase), start, packs)
    return tuple(
        Pack(b.pack.purchased_on, b.pack.tokens, b.remaining_tokens, b.pack.expires_on)
        for b in replay.packs
        if b.remaining_tokens > 0 and b.pack.expires_on > next_purchase
    )
