"""Request-scoped dependencies: the database session and the calling key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.db.session import session_scope
from app.errors import UnauthorizedError, UnprocessableError
from app.services.keys import Principal, authenticate
from app.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer tc_...`")


def get_session(request: Request) -> Iterator[Session]:
    """One session per request, committed before the response is sent.

    With scope="function" FastAPI runs the code after `yield` when the route returns and before
    the reply goes out, so a failed commit reaches the client as an error instead of being lost.
    """
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
    with session_scope(request.app.state.session_factory, writes=writes) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def check_paths(n_paths: int, max_paths: int) -> None:
    """Sample paths asked for by a request, within the service's limit."""
    if n_paths > max_paths:
        raise UnprocessableError(
            f"n_paths: at most {max_paths} (TOKENCAST_MAX_FORECAST_PATHS), got {n_paths}"
        )


def get_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise UnauthorizedError("missing API key: send 'Authorization: Bearer <api key>'")
    return authenticate(session, credentials.credentials)


PrincipalDep = Annotated[Principal, Depends(get_principal)]
