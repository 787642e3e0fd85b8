"""Engine and session factory, built at start-up (never at import)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

WRITE_OPTION = "tokencast_writes"
# How long a request waits for a lock another one holds (SQLite's write lock, an organization's
# usage lock on PostgreSQL) before it is answered 503 with Retry-After.
LOCK_WAIT_SECONDS = 30


def begin_writes(session: Session) -> None:
    """Declare that this unit of work writes (SQLite: take the write lock when it begins)."""
    session.connection(execution_options={WRITE_OPTION: True})


CONNECT_TIMEOUT_S = 5


def build_engine(url: str) -> Engine:
    """hide_parameters: a database error's text never carries row values (user keys) to logs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # Let SQLAlchemy, not the driver, open transactions, so SAVEPOINTs and
            # transactional DDL behave as on PostgreSQL (the SQLAlchemy pysqlite recipe).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={LOCK_WAIT_SECONDS * 1000}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
            # A writer must take the write lock up front: a deferred transaction that reads and
            # then writes fails at once with "database is locked" when another writer holds it,
            # where BEGIN IMMEDIATE waits for busy_timeout like any lock.
            mode = "IMMEDIATE" if conn.get_execution_options().get(WRITE_OPTION) else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    # A database that does not answer (a host down, a firewall dropping packets) fails a
    # connection in CONNECT_TIMEOUT_S seconds, not the system's minutes: /readyz answers 503 and
    # a request its error while the database is away. A `connect_timeout` in the URL wins.
    args = (
        {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT_S}
    )
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, connect_args=args)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session], *, writes: bool = True) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any error (CLI and requests)."""
    session = factory()
    if writes:
        begin_writes(session)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
