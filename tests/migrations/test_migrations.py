"""The migrations build exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app.db.base import Base
from app.db.migrate import alembic_config, current_revision, head_revision, upgrade_to_head
from app.db.session import build_engine
from tests.conftest import BACKENDS, _postgres_database


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        yield from _postgres_database()


def test_upgrade_matches_models_and_downgrade_round_trips(fresh_url: str) -> None:
    upgrade_to_head(fresh_url)
    engine = build_engine(fresh_url)
    try:
        assert current_revision(engine) == head_revision(fresh_url)
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(ctx, Base.metadata)
        assert diffs == []
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables

        command.downgrade(alembic_config(fresh_url), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade_to_head(fresh_url)
        assert current_revision(engine) == head_revision(fresh_url)
    finally:
        engine.dispose()
