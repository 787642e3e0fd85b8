"""Known changes: store, list and delete them; hand them and the user profiles to the core."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.db.tables import KnownChange, UsageRow
from app.errors import NotFoundError
from app.schemas.changes import (
    STORED_CHANGE,
    ChangeCreate,
    LicenceMixCreate,
    StoredChange,
)
from app.services.keys import now
from app.services.usage import covered_range
from models.changes import (
    Change,
    UserProfiles,
    build_user_profiles,
    default_profiles,
    describe,
    usage_from_rows,
)

PROFILE_WINDOW_DAYS = 365
LABEL_CHARS = 200  # known_changes.label and the schemas' Label


def stored_change(body: ChangeCreate, user_key: Callable[[str], str]) -> StoredChange:
    """The form a change is kept in: named users become user keys, a missing label a generated
    one. `user_key` maps a user as sent in usage records to its stored key."""
    stored: StoredChange = body.stored(user_key) if isinstance(body, LicenceMixCreate) else body
    if stored.kind != "project" and not stored.label:
        stored = stored.model_copy(update={"label": describe(stored.to_core())[:LABEL_CHARS]})
    return stored


def to_core_changes(bodies: list[ChangeCreate], user_key: Callable[[str], str]) -> list[Change]:
    """Changes sent inline (for `POST /v1/plan`) as the core's types, in the order given."""
    return [stored_change(b, user_key).to_core() for b in bodies]


def create_change(
    session: Session,
    *,
    organization_id: uuid.UUID,
    body: ChangeCreate,
    user_key: Callable[[str], str],
) -> KnownChange:
    stored = stored_change(body, user_key)
    row = KnownChange(
        id=uuid.uuid4(),
        organization_id=organization_id,
        kind=stored.kind,
        label=describe(stored.to_core())[:LABEL_CHARS],
        body=stored.model_dump(mode="json"),
        created_at=now(),
    )
    session.add(row)
    session.flush()
    return row


def _live(organization_id: uuid.UUID) -> Select[KnownChange]:
    return (
        select(KnownChange)
        .where(KnownChange.organization_id == organization_id)
        .where(KnownChange.deleted_at.is_(None))
    )


def list_changes(
    session: Session, organization_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[KnownChange], int]:
    base = _live(organization_id)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.scalars(
        base.order_by(KnownChange.created_at, KnownChange.id).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)


def delete_change(session: Session, organization_id: uuid.UUID, change_id: uuid.UUID) -> None:
    """Mark a change deleted; forecasts made from now on leave it out."""
    row = session.get(KnownChange, change_id)
    if row is None or row.organization_id != organization_id or row.deleted_at is not None:
        raise NotFoundError(f"change {change_id} not found")
    row.deleted_at = now()
    session.flush()


def stored_body(row: KnownChange) -> StoredChange:
    return STORED_CHANGE.validate_python(row.body)


def load_core_changes(session: Session, organization_id: uuid.UUID) -> list[Change]:
    """The organization's live changes as the core's types, oldest first; each carries its id
    (as a string) in `change_id`."""
    rows = session.scalars(_live(organization_id).order_by(KnownChange.created_at, KnownChange.id))
    return [stored_body(r).to_core(str(r.id)) for r in rows]


def user_profiles(session: Session, organization_id: uuid.UUID, as_of: date) -> UserProfiles:
    """Power, regular and occasional profiles, product rates and mix, learnt from the usage of
    the 365 days up to `as_of` (or up to the last day with data, if earlier)."""
    covered = covered_range(session, organization_id)
    if covered is None:
        return default_profiles(as_of - timedelta(days=PROFILE_WINDOW_DAYS - 1), 365)
    end = min(as_of, covered[1])
    start = max(end - timedelta(days=PROFILE_WINDOW_DAYS - 1), covered[0])
    if end < start:
        return default_profiles(as_of - timedelta(days=PROFILE_WINDOW_DAYS - 1), 365)
    rows = session.execute(
        select(UsageRow.day, UsageRow.user_key, UsageRow.product, UsageRow.tokens)
        .where(UsageRow.organization_id == organization_id)
        .where(UsageRow.day.between(start, end))
    )
    return build_user_profiles(
        usage_from_rows(start, end, ((d, u, p, float(t)) for d, u, p, t in rows))
    )
