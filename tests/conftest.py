"""Fixtures for the integration suite: a real database built by `alembic upgrade head`.

Every database test runs on SQLite, and on PostgreSQL too when TOKENCAST_TEST_POSTGRES_URL names
a server database the tests may use to create and drop their own (for example
postgresql+psycopg://postgres@127.0.0.1:5432/test). Each test runs in a transaction that is
rolled back, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.db.migrate import upgrade_to_head
from app.db.session import build_engine
from app.main import create_app
from app.services.keys import create_key, create_organization
from app.settings import Settings

PG_ADMIN_URL = os.environ.get("TOKENCAST_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_ADMIN_URL else [])
DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "real" / "autodesk-tokenflex"
TOKENFLEX_CSV = DATA_DIR / "RomeoAgree0_myYear1DesktopCloudUsage.csv"


def _postgres_database() -> Iterator[str]:
    assert PG_ADMIN_URL is not None
    name = f"tokencast_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade_to_head(url)
        yield url
        return
    gen = _postgres_database()
    url = next(gen)
    upgrade_to_head(url)
    yield url
    gen.close()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = build_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    trans = conn.begin()
    try:
        yield conn
    finally:
        trans.rollback()
        conn.close()


@pytest.fixture
def factory(connection: Connection) -> sessionmaker[Session]:
    # Commits inside the app become SAVEPOINT releases; the outer transaction is rolled back.
    return sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Iterator[Session]:
    s = factory()
    yield s
    s.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, forecast_paths=300)


@pytest.fixture
def client(settings: Settings, factory: sessionmaker[Session]) -> Iterator[TestClient]:
    app = create_app(settings)
    with TestClient(app) as c:
        app.state.session_factory = factory
        yield c


@dataclass(frozen=True)
class Org:
    id: uuid.UUID
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_org(factory: sessionmaker[Session], name: str) -> Org:
    with factory() as s:
        org = create_organization(s, name=name)
        _, raw = create_key(s, organization_id=org.id, name="test")
        s.commit()
        return Org(org.id, raw)


@pytest.fixture
def org(factory: sessionmaker[Session]) -> Org:
    return make_org(factory, "Org A")


@pytest.fixture
def other_org(factory: sessionmaker[Session]) -> Org:
    return make_org(factory, "Org B")
