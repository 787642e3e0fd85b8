"""Existing packs: what they leave for a new pack, and the balance they show after real usage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from models.decision.consumption import check_packs, consume_in_order
from models.decision.types import Pack
from models.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ResidualDemand:
    """Demand the existing packs leave to a pack bought on `purchase_date` (tokens).

    - `new_pack_daily` (S, L): demand on day j of the new pack's life (`purchase_date + j`,
      L = validity days) that no existing pack serves. May be a read-only view of the paths.
    - `residual_total` (S,): its sum over the life, the R[s] of the decision.
    - `existing_waste_tokens` (S,): existing-pack tokens that expire unused (sunk, reported).
    - `gap_shortfall` (S,): demand from `first_day` to the day before `purchase_date` that the
      existing packs could not serve (a run-out before the purchase lands).
    """

    purchase_date: date
    new_pack_daily: FloatArray
    residual_total: FloatArray
    existing_waste_tokens: FloatArray
    gap_shortfall: FloatArray


@dataclass(frozen=True)
class PackBalance:
    """One pack after a replayed history (tokens).

    `remaining_tokens` is usable at the end of the last day (0 once the pack has expired);
    `expired_unused_tokens` were forfeited because the pack expired by the last day.
    """

    pack: Pack
    consumed_tokens: float
    remaining_tokens: float
    expired_unused_tokens: float


@dataclass(frozen=True)
class BalanceReplay:
    """Packs (in the caller's order) after a realised history, and the demand none could serve."""

    packs: tuple[PackBalance, ...]
    unserved_tokens: float
    unserved_days: int
    first_unserved_day: date | None


def _checked_demand(tokens_per_day: FloatArray, ndim: int, n_days: int | None = None) -> FloatArray:
    """The first `n_days` days of the demand as float64, refused unless finite and >= 0."""
    arr = np.asarray(tokens_per_day, dtype=np.float64)
    if arr.ndim != ndim or arr.size == 0:
        raise InvalidInputError(f"demand must be a non-empty {ndim}-D array, got shape {arr.shape}")
    if n_days is not None:
        arr = arr[..., :n_days]
    if not (arr.min() >= 0 and np.isfinite(arr.sum())):
        raise InvalidInputError("demand must be finite and non-negative tokens per day")
    return arr


def _check_window(
    n_days: int, first_day: date, packs: Sequence[Pack], purchase_date: date, validity_days: int
) -> None:
    if validity_days < 1:
        raise InvalidInputError(f"validity_days must be at least 1, got {validity_days}")
    if purchase_date < first_day:
        raise InvalidInputError(
            f"purchase date {purchase_date} is before the first forecast day {first_day}"
        )
    new_expiry = purchase_date + timedelta(days=validity_days)
    last = first_day + timedelta(days=n_days - 1)
    if last < new_expiry - timedelta(days=1):
        raise InvalidInputError(
            f"the paths cover {first_day} to {last}, but a pack bought on {purchase_date} is "
            f"usable to {new_expiry - timedelta(days=1)}: the paths must cover every day of it"
        )
    check_packs(packs)
    for p in packs:
        if p.expires_on > new_expiry:
            raise InvalidInputError(
                f"an existing pack bought {p.purchased_on} expires on {p.expires_on}, after the "
                f"new pack's expiry {new_expiry}; the decision assumes the new pack expires last"
            )


def residual_demand(
    paths_tokens_per_day: FloatArray,
    first_day: date,
    packs: Sequence[Pack],
    purchase_date: date,
    validity_days: int,
) -> ResidualDemand:
    """What existing packs leave to a new pack, on every path.

    `paths_tokens_per_day` (S, H) are daily demand paths from `first_day`; they must cover every
    day of the new pack's life, `purchase_date` to `purchase_date + validity_days - 1` (the expiry
    day itself is not needed; later days are ignored). Each pack starts from its
    `remaining_tokens` on `max(purchased_on, first_day)`; packs that expired by `first_day` are
    ignored. Existing packs serve the gap before the purchase and then, in the vendor's order, the
    new pack's life; every existing pack must expire no later than the new one (with equal expiry
    the order between them does not change any total). Runs in O(days on which a pack has tokens
    x packs) vector operations of length S.
    """
    shape = np.shape(paths_tokens_per_day)
    _check_window(shape[-1] if shape else 0, first_day, packs, purchase_date, validity_days)
    offset = (purchase_date - first_day).days
    needed = offset + validity_days
    window = _checked_demand(paths_tokens_per_day, 2, needed)
    held = [p for p in packs if p.expires_on > first_day]
    done = consume_in_order(window, first_day, held)
    left = done.unserved_tokens_per_day
    daily = left[:, offset:needed]
    if left is window:
        daily.flags.writeable = False  # a view of the caller's paths: nobody may write through it
    return ResidualDemand(
        purchase_date=purchase_date,
        new_pack_daily=daily,
        residual_total=daily.sum(axis=1),
        existing_waste_tokens=done.remaining_tokens.sum(axis=0),
        gap_shortfall=left[:, :offset].sum(axis=1),
    )


def replay_balance(
    daily_tokens: FloatArray, first_day: date, packs: Sequence[Pack]
) -> BalanceReplay:
    """Replay one realised history through `packs` in the vendor's consumption order.

    `daily_tokens` (n_days,) is the usage from `first_day`; each pack starts from its
    `remaining_tokens` on `max(purchased_on, first_day)`. The result holds each pack's balance at
    the end of the last day, what expired unused inside the window, and the demand no pack could
    serve. Same kernel as `residual_demand`, with one path.
    """
    demand = _checked_demand(daily_tokens, 1)
    check_packs(packs)
    done = consume_in_order(demand[np.newaxis, :], first_day, packs)
    last_day = first_day + timedelta(days=demand.shape[0] - 1)
    balances = []
    for j, p in enumerate(packs):
        left = float(done.remaining_tokens[j, 0])
        expired = p.expires_on <= last_day
        balances.append(
            PackBalance(
                pack=p,
                consumed_tokens=float(done.consumed_tokens[j, 0]),
                remaining_tokens=0.0 if expired else left,
                expired_unused_tokens=left if expired else 0.0,
            )
        )
    short = done.unserved_tokens_per_day[0]
    short_days = np.flatnonzero(short > 0)
    return BalanceReplay(
        packs=tuple(balances),
        unserved_tokens=float(short.sum()),
        unserved_days=int(short_days.size),
        first_unserved_day=(
            first_day + timedelta(days=int(short_days[0])) if short_days.size else None
        ),
    )
