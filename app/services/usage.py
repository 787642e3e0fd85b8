"""Usage: user keys, JSON records, and reading daily totals (storing: app.services.usage_store)."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.tables import UsageRow
from app.errors import UnprocessableError
from app.ingest.records import UsageRecord
from app.schemas.usage import UsageRecordIn
from app.services.usage_locks import lock_usage
from models.series import DailySeries


def user_key_function(secret: str | None) -> Callable[[str], str]:
    """Stable user key from an e-mail: normalized address, or a keyed hash when a secret is set."""

    def plain(email: str) -> str:
        return email.strip().lower()

    def keyed(email: str) -> str:
        digest = hmac.new(secret.encode(), plain(email).encode(), hashlib.sha256)  # type: ignore[union-attr]
        return "u_" + digest.hexdigest()[:32]

    return keyed if secret else plain


def records_from_json(
    records: Sequence[UsageRecordIn], to_key: Callable[[str], str]
) -> list[UsageRecord]:
    """JSON usage records as the importers' records (`line` is the record's index)."""
    return [
        UsageRecord(r.date, to_key(r.user) if r.user else "", r.product or "", r.tokens, i)
        for i, r in enumerate(records)
    ]


def covered_range(session: Session, organization_id: uuid.UUID) -> tuple[date, date] | None:
    first, last = session.execute(
        select(func.min(UsageRow.day), func.max(UsageRow.day)).where(
            UsageRow.organization_id == organization_id
        )
    ).one()
    return None if first is None else (first, last)


def daily_totals(
    session: Session,
    organization_id: uuid.UUID,
    *,
    start: date,
    end: date,
    product: str | None = None,
) -> list[tuple[date, Decimal]]:
    """Tokens per day from start to end inclusive; days without rows are 0."""
    stmt = (
        select(UsageRow.day, func.sum(UsageRow.tokens))
        .where(UsageRow.organization_id == organization_id)
        .where(UsageRow.day.between(start, end))
        .group_by(UsageRow.day)
    )
    if product is not None:
        stmt = stmt.where(UsageRow.product == product)
    sums = {d: Decimal(t) for d, t in session.execute(stmt)}
    n = (end - start).days + 1
    days = (start + timedelta(days=i) for i in range(max(n, 0)))
    return [(d, sums.get(d, Decimal(0))) for d in days]


def history_series(
    session: Session, organization_id: uuid.UUID, *, as_of: date | None
) -> DailySeries:
    """The organization's daily history up to `as_of` (inclusive), zeros where no rows.

    No import commits from here to the end of the caller's transaction, so what it reads later
    about the same usage (the document's data facts) agrees with this history.
    """
    lock_usage(session, organization_id, exclusive=False)
    covered = covered_range(session, organization_id)
    if covered is None:
        raise UnprocessableError(
            "this organization has no usage yet: import some with POST /v1/usage or "
            "POST /v1/usage/imports first"
        )
    first, last = covered
    end = last if as_of is None else min(as_of, last)
    if end < first:
        raise UnprocessableError(
            f"no usage on or before {as_of.isoformat() if as_of else end}: the data starts on "
            f"{first.isoformat()}"
        )
    values = [float(t) for _, t in daily_totals(session, organization_id, start=first, end=end)]
    return DailySeries(first, np.asarray(values, dtype=np.float64))


def usage_profile(
    session: Session, organization_id: uuid.UUID, history: DailySeries
) -> dict[str, Any]:
    """What data went into a forecast: rows, days, products, users and sources."""
    stmt = (
        select(
            func.count(),
            func.count(func.distinct(func.nullif(UsageRow.product, ""))),
            func.count(func.distinct(func.nullif(UsageRow.user_key, ""))),
        )
        .where(UsageRow.organization_id == organization_id)
        .where(UsageRow.day.between(history.start, history.end))
    )
    rows, products, users = session.execute(stmt).one()
    sources = session.scalars(
        select(UsageRow.source)
        .where(UsageRow.organization_id == organization_id)
        .where(UsageRow.day.between(history.start, history.end))
        .distinct()
    ).all()
    zero_days = int((history.tokens_per_day == 0).sum())
    return {
        "rows": int(rows),
        "first_day": history.start.isoformat(),
        "last_day": history.end.isoformat(),
        "days": history.n_days,
        "zero_days": zero_days,
        "total_tokens": round(float(history.tokens_per_day.sum()), 3),
        "products": int(products),
        "users": int(users),
        "sources": sorted(sources),
    }
