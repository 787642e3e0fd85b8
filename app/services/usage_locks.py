"""One organization's usage history: imports take turns, and readers see one import or none.

On PostgreSQL two imports of overlapping files would both find a row missing and both insert it
(the second then fails on the unique constraint), and a forecast reading the history in several
statements under READ COMMITTED could see part of an import. A transaction-scoped advisory lock
per organization orders them: an import holds it exclusively, a history reader shared, each
until its transaction ends. SQLite needs none: its writers already take turns (BEGIN IMMEDIATE),
and a forecast or recommendation is a write request there.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.db.session import LOCK_WAIT_SECONDS

# The first of the lock's two keys: this lock's own space, apart from any other advisory lock.
USAGE_LOCK_SPACE = 0x746B0001


def _organization_key(organization_id: uuid.UUID) -> int:
    return int.from_bytes(organization_id.bytes[:4], "big", signed=True)


def lock_usage(session: Session, organization_id: uuid.UUID, *, exclusive: bool) -> None:
    """Wait for the organization's usage lock; it is released when the transaction ends."""
    if session.get_bind().dialect.name != "postgresql":
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    # At most LOCK_WAIT_SECONDS (then PostgreSQL cancels the wait, answered 503), and only for
    # this statement: the rest of the transaction keeps the server's setting.
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'"))
    session.execute(
        text(f"SELECT {function}(:space, :key)"),
        {"space": USAGE_LOCK_SPACE, "key": _organization_key(organization_id)},
    )
    session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
