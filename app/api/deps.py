"""Request-scoped dependencies: the database session and the calling key."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.api.idempotency import CLAIM_SCOPE_KEY
from app.db.session import session_scope
from app.errors import UnauthorizedError, UnprocessableError
from app.services.idempotency import mark_committed
from app.services.keys import Principal, authenticate, now, record_use, use_is_stale
from app.settings import Settings

log = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer tc_...`")


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, committed before the response is sent.

    With scope="function" FastAPI runs the code after `yield` when the route returns and before
    the reply goes out, so a failed commit reaches the client as an error instead of being lost.
    A write sent with an Idempotency-Key marks its claim in the same transaction as its work.
    """
    writes = request.method not in ("GET", "HEAD", "OPTIONS") or _may_store_a_pdf(request)
    with session_scope(request.app.state.session_factory, writes=writes) as session:
        yield session
        claim_id = request.scope.get(CLAIM_SCOPE_KEY)
        if claim_id is not None:
            mark_committed(session, claim_id)


def _may_store_a_pdf(request: Request) -> bool:
    """A document's PDF is stored by the first request for it: such a GET writes (on SQLite it
    must take the write lock up front, not upgrade a read transaction that may have gone stale)."""
    if not request.url.path.startswith("/v1/documents/"):
        return False
    asked = request.query_params.get("format")
    return asked == "pdf" or (
        asked is None and "application/pdf" in request.headers.get("accept", "")
    )


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def bearer_key(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The raw API key of `Authorization: Bearer <key>`, or 401."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise UnauthorizedError("missing API key: send 'Authorization: Bearer <api key>'")
    return credentials.credentials


def check_paths(n_paths: int, max_paths: int) -> None:
    """Sample paths asked for by a request, within the service's limit."""
    if n_paths > max_paths:
        raise UnprocessableError(
            f"n_paths: at most {max_paths} (TOKENCAST_MAX_FORECAST_PATHS), got {n_paths}"
        )


def get_principal(
    request: Request, session: SessionDep, credentials: BearerDep, background: BackgroundTasks
) -> Principal:
    principal = authenticate(session, bearer_key(credentials))
    if use_is_stale(principal, now()):
        # After the reply, in a transaction of its own: a read stays a read, and the request
        # never waits for the key's row.
        background.add_task(_record_use, request.app.state.session_factory, principal.key_id)
    return principal


def _record_use(factory: sessionmaker[Session], key_id: uuid.UUID) -> None:
    try:
        with session_scope(factory) as session:
            record_use(session, key_id, at=now())
    except SQLAlchemyError:
        log.warning("could not record an API key's last use", exc_info=True)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


# The attribute on a `needs(...)` dependency that names its scopes.
SCOPES_ATTRIBUTE = "tokencast_scopes"


def needs(*scopes: str) -> Callable[[Principal], Principal]:
    """A dependency: the calling key's principal, or 403 unless it has one of `scopes` (or
    `admin`). As a dependency the check comes before the body is validated: a key that may not
    call the route is told so, not asked to fix its body first."""

    def principal_with_scope(principal: PrincipalDep) -> Principal:
        principal.require_any(*scopes)
        return principal

    setattr(principal_with_scope, SCOPES_ATTRIBUTE, scopes)  # read by app.api.key_first
    return principal_with_scope


ReadKey = Annotated[Principal, Depends(needs("read"))]
UsageWriteKey = Annotated[Principal, Depends(needs("usage:write"))]
PlanWriteKey = Annotated[Principal, Depends(needs("plan:write"))]
DocumentsReadKey = Annotated[Principal, Depends(needs("documents:read", "read"))]
AdminKey = Annotated[Principal, Depends(needs("admin"))]
