"""/readyz: 503 while the database is unreachable or behind the migrations; /healthz stays 200."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.db.migrate import alembic_config
from app.main import create_app
from app.settings import Settings
from tests.app.helpers import assert_error, strict_json
from tests.conftest import BACKENDS, PG_ADMIN_URL, _postgres_database


def _head_and_previous() -> tuple[str, str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_revision("head")
    assert head is not None and isinstance(head.down_revision, str)
    return head.revision, head.down_revision


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own, with no tables yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ready.db'}"
        return
    gen = _postgres_database()
    yield next(gen)
    gen.close()


def _probe(database_url: str) -> tuple[httpx.Response, httpx.Response]:
    """/readyz and /healthz of an app serving this database."""
    with TestClient(create_app(Settings(database_url=database_url))) as client:
        return client.get("/readyz"), client.get("/healthz")


def test_ready_at_head(database_url: str) -> None:
    head, _ = _head_and_previous()
    ready, live = _probe(database_url)
    assert strict_json(ready) == {"status": "ready", "revision": head}
    assert strict_json(live) == {"status": "ok"}


def test_one_migration_behind_is_503_naming_both_revisions(empty_database_url: str) -> None:
    head, previous = _head_and_previous()
    command.upgrade(alembic_config(empty_database_url), previous)
    ready, live = _probe(empty_database_url)
    err = assert_error(ready, 503, f"at revision {previous}", f"the head is {head}")
    assert err["error"] == "not_ready"
    assert live.status_code == 200


def test_an_empty_database_is_not_ready(empty_database_url: str) -> None:
    ready, _ = _probe(empty_database_url)
    assert_error(ready, 503, "no revision")


def _unreachable(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}"
    assert PG_ADMIN_URL is not None
    # port 1 on loopback: nothing listens, the connection is refused at once
    return make_url(PG_ADMIN_URL).set(port=1).render_as_string(hide_password=False)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_unreachable_database_is_503(backend: str, tmp_path: Path) -> None:
    ready, live = _probe(_unreachable(backend, tmp_path))
    err = assert_error(ready, 503, "database unreachable", "OperationalError")
    assert "tmp" not in err["detail"] and "127.0.0.1" not in err["detail"]  # no internals
    assert live.status_code == 200


@pytest.mark.parametrize(
    ("url", "timeout"),
    [
        ("postgresql+psycopg://tokencast@192.0.2.1:5432/x", 5),
        ("postgresql+psycopg://tokencast@192.0.2.1:5432/x?connect_timeout=2", 2),
    ],
)
def test_a_database_that_does_not_answer_fails_within_the_connect_timeout(
    url: str, timeout: int
) -> None:
    """The driver is asked for a connect timeout (the URL's own wins), so readiness and requests
    fail in seconds when the database host drops packets, not after the system's minutes."""
    from sqlalchemy import event

    from app.db.session import build_engine

    engine = build_engine(url)
    asked: list[dict[str, object]] = []

    @event.listens_for(engine, "do_connect")
    def _capture(dialect, conn_rec, cargs, cparams):  # type: ignore[no-untyped-def]
        asked.append(dict(cparams))
        raise ConnectionRefusedError("not connecting in this test")

    with pytest.raises(Exception, match="not connecting"):
        engine.connect()
    assert [int(str(a["connect_timeout"])) for a in asked] == [timeout]
