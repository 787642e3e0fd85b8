"""The balance: replay the organization's real usage through its packs."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.tables import TokenPack
from app.money import CENT
from app.schemas.balance import BalanceRead, ExpiryRead, PackBalanceRead
from app.services.report_builder import CONSUMPTION_ORDER
from app.services.usage import covered_range, daily_totals
from models.decision import PackBalance, replay_balance
from models.decision.types import Pack


def balance(session: Session, organization_id: uuid.UUID, *, as_of: date | None) -> BalanceRead:
    rows = list(
        session.scalars(
            select(TokenPack)
            .where(TokenPack.organization_id == organization_id)
            .order_by(TokenPack.purchased_on, TokenPack.created_at)
        )
    )
    covered = covered_range(session, organization_id)
    day = as_of or (covered[1] if covered else date.today())
    bought = [r for r in rows if r.purchased_on <= day]
    starts = [r.purchased_on for r in bought] + ([covered[0]] if covered else [])
    start = min(starts) if starts else day
    usage = daily_totals(session, organization_id, start=start, end=day) if start <= day else []
    daily = np.asarray([float(t) for _, t in usage] or [0.0], dtype=np.float64)
    core = [Pack(r.purchased_on, r.tokens, float(r.tokens), r.expires_on) for r in bought]
    replay = replay_balance(daily, start, core) if core else None
    packs = [_read(r, replay.packs[i] if replay else None, day) for i, r in enumerate(bought)]
    packs += [_read(r, None, day) for r in rows if r.purchased_on > day]
    return BalanceRead(
        as_of=day,
        remaining_tokens=round(sum(p.remaining_tokens for p in packs), 3),
        packs=packs,
        upcoming_expiries=_expiries(packs),
        expired_unused_tokens=round(sum(p.expired_unused_tokens for p in packs), 3),
        unserved_tokens=round(replay.unserved_tokens if replay else float(daily.sum()), 3),
        unserved_days=replay.unserved_days if replay else int((daily > 0).sum()),
        first_unserved_day=replay.first_unserved_day if replay else _first_use(start, daily),
        consumption_order=CONSUMPTION_ORDER,
    )


def _first_use(start: date, daily: np.ndarray[Any, np.dtype[np.float64]]) -> date | None:
    """Without packs, the first day with usage is the first day no pack served."""
    used = np.flatnonzero(daily > 0)
    return start + timedelta(days=int(used[0])) if used.size else None


def _read(row: TokenPack, state: PackBalance | None, day: date) -> PackBalanceRead:
    consumed = state.consumed_tokens if state else 0.0
    remaining = state.remaining_tokens if state else 0.0
    expired = state.expired_unused_tokens if state else 0.0
    if state is None:
        status = "not_yet_bought"
    elif row.expires_on <= day:
        status = "expired"
    elif remaining <= 0:
        status = "depleted"
    else:
        status = "active"
    unit = Decimal(row.unit_price)
    return PackBalanceRead(
        id=row.id,
        purchased_on=row.purchased_on,
        expires_on=row.expires_on,
        tokens=row.tokens,
        unit_price=unit,
        currency=row.currency,
        consumed_tokens=round(consumed, 3),
        remaining_tokens=round(remaining, 3),
        expired_unused_tokens=round(expired, 3),
        expired_unused_value=(unit * Decimal(str(round(expired, 3)))).quantize(CENT),
        status=status,
    )


def _expiries(packs: list[PackBalanceRead]) -> list[ExpiryRead]:
    by_day: dict[date, float] = {}
    for p in packs:
        if p.status in ("active", "not_yet_bought"):
            left = p.remaining_tokens if p.status == "active" else float(p.tokens)
            by_day[p.expires_on] = by_day.get(p.expires_on, 0.0) + left
    return [ExpiryRead(expires_on=d, tokens=round(t, 3)) for d, t in sorted(by_day.items())]
