"""A fresh PostgreSQL (or SQLite) database per measurement, migrated, with one organization."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from app.db.migrate import upgrade_to_head
from app.db.session import build_engine, session_factory, session_scope
from app.db.tables import UsageRow
from app.services.keys import create_key, create_organization


@dataclass(frozen=True)
class Target:
    url: str
    organization_id: uuid.UUID
    api_key: str


@contextmanager
def fresh_database(admin_url: str | None, workdir: Path) -> Iterator[Target]:
    """A new database (PostgreSQL when `admin_url` is given, else a SQLite file), dropped after."""
    if admin_url is None:
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        try:
            yield _prepared(f"sqlite:///{path}")
        finally:
            for p in path.parent.glob(path.name + "*"):
                p.unlink()
        return
    name = f"tokencast_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield _prepared(make_url(admin_url).set(database=name).render_as_string(False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _prepared(url: str) -> Target:
    upgrade_to_head(url)
    engine = build_engine(url)
    try:
        with session_scope(session_factory(engine)) as session:
            org = create_organization(session, name="Import benchmark")
            _, raw = create_key(session, organization_id=org.id, name="bench")
            return Target(url, org.id, raw)
    finally:
        engine.dispose()


def stored(target: Target) -> tuple[int, Decimal]:
    """Rows stored for the organization and their token total."""
    engine = build_engine(target.url)
    try:
        with engine.connect() as conn:
            count, total = conn.execute(
                select(func.count(), func.coalesce(func.sum(UsageRow.tokens), 0)).where(
                    UsageRow.organization_id == target.organization_id
                )
            ).one()
    finally:
        engine.dispose()
    return int(count), Decimal(total).quantize(Decimal("0.001"))
