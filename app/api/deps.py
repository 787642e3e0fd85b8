"""Request-scoped dependencies: the database session and the calling key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.db.session import session_scope
from app.errors import UnauthorizedError
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


BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def bearer_key(credentials: HTTPAuthorizationCredentials | None) -> str:
    """The raw API key of `Authorization: Bearer <key>`, or 401."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise UnauthorizedError("missing API key: send 'Authorization: Bearer <api key>'")
    return credentials.credentials


def get_principal(session: SessionDep, credentials: BearerDep) -> Principal:
    return authenticate(session, bearer_key(credentials))


PrincipalDep = Annotated[Principal, Depends(get_principal)]
