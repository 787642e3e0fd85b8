"""A live app on a database of its own, for tests whose data must really be committed
(concurrent clients on separate connections, or one world of data shared by many tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.db.migrate import upgrade_to_head
from app.db.session import build_engine, session_factory, session_scope
from app.services.keys import create_key, create_organization
from tests.conftest import _postgres_database


def fresh_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database that lives as long as the generator (dropped after, on PostgreSQL)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
        upgrade_to_head(url)
        yield url
        return
    gen = _postgres_database()
    url = next(gen)
    upgrade_to_head(url)
    yield url
    gen.close()


def new_org(url: str, name: str) -> tuple[str, dict[str, str]]:
    """A committed organization with an all-scopes key: its id and the key's headers."""
    engine = build_engine(url)
    try:
        with session_scope(session_factory(engine)) as s:
            org = create_organization(s, name=name)
            raw = create_key(s, organization_id=org.id, name="first")[1]
            org_id = str(org.id)
    finally:
        engine.dispose()
    return org_id, {"Authorization": f"Bearer {raw}"}
