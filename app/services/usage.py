"""Usage: store records all-or-nothing and idempotently; read daily totals."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.db.tables import UsageRow
from app.errors import UnprocessableError
from app.ingest.records import UsageRecord
from app.limits import MAX_NAME, MAX_TOKENS_PER_ROW, has_control_characters
from app.schemas.usage import UsageRecordIn
from app.services.usage_locks import lock_usage
from models.series import DailySeries

USER_KEY_LENGTH = 320


@dataclass(frozen=True)
class StoreResult:
    added: int
    replaced: int
    unchanged: int
    merged: int
    first_day: date
    last_day: date


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


def store_records(
    session: Session, *, organization_id: uuid.UUID, records: Sequence[UsageRecord], source: str
) -> StoreResult:
    """Upsert records by (day, user, product): the same input twice changes nothing.

    Runs inside the caller's transaction, so a failure anywhere leaves stored data as it was.
    """
    if not records:
        raise UnprocessableError("no usage records to store")
    merged: dict[tuple[date, str, str], Decimal] = {}
    for rec in records:
        _check_storable(rec)
        key = (rec.day, rec.user_key, rec.product)
        merged[key] = merged.get(key, Decimal(0)) + rec.tokens
    first, last = min(k[0] for k in merged), max(k[0] for k in merged)
    existing = {
        (r.day, r.user_key, r.product): (r.id, r.tokens)
        for r in session.execute(
            select(UsageRow.id, UsageRow.day, UsageRow.user_key, UsageRow.product, UsageRow.tokens)
            .where(UsageRow.organization_id == organization_id)
            .where(UsageRow.day.between(first, last))
        )
    }
    inserts, updates, unchanged = [], [], 0
    for (day, user, product), tokens in merged.items():
        found = existing.get((day, user, product))
        if found is None:
            inserts.append(
                {
                    "organization_id": organization_id,
                    "day": day,
                    "user_key": user,
                    "product": product,
                    "tokens": tokens,
                    "source": source,
                }
            )
        elif Decimal(found[1]) != tokens:
            updates.append({"id": found[0], "tokens": tokens, "source": source})
        else:
            unchanged += 1
    for chunk in _chunks(inserts, 5000):
        session.execute(insert(UsageRow), chunk)
    if updates:
        session.execute(update(UsageRow), updates)
    session.flush()
    merged_away = len(records) - len(merged)
    return StoreResult(len(inserts), len(updates), unchanged, merged_away, first, last)


def _check_storable(rec: UsageRecord) -> None:
    """Last guard before the columns: every import path ends here."""
    where = f"record at line {rec.line}" if rec.line else "record"
    if len(rec.user_key) > USER_KEY_LENGTH:
        raise UnprocessableError(f"{where}: user is longer than {USER_KEY_LENGTH} characters")
    if len(rec.product) > MAX_NAME or has_control_characters(rec.product):
        raise UnprocessableError(
            f"{where}: product must be at most {MAX_NAME} characters, without control characters"
        )
    if rec.tokens > MAX_TOKENS_PER_ROW:
        raise UnprocessableError(f"{where}: tokens above {MAX_TOKENS_PER_ROW:,}")


def _chunks(items: list[dict[str, object]], size: int) -> Iterable[list[dict[str, object]]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


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
