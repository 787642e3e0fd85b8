"""Routes that answer a body they cannot parse only after the key is checked.

FastAPI reads and parses a request's body before it runs the route's dependencies, so a body
that is not JSON (or a broken upload) was answered 422/400 before the key was looked at: a
caller without a key, or without the scope, was asked to fix a body it may not send. These
routes catch that parse error and check the key and the scope first (401, 403); a caller who
may call the route gets the parse error. Bodies that parse cost nothing extra: the key is then
checked by the route's own dependencies.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.api.deps import SCOPES_ATTRIBUTE, get_principal
from app.db.session import session_scope
from app.schemas.common import ERROR_RESPONSES
from app.services.keys import authenticate, bearer_header_key

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def v1_router(prefix: str, tag: str) -> APIRouter:
    """A router of `/v1` routes: keyed, with the error envelope's documented replies."""
    return APIRouter(
        route_class=KeyFirstRoute, prefix=prefix, tags=[tag], responses=ERROR_RESPONSES
    )


def required_scopes(dependant: Dependant) -> tuple[str, ...] | None:
    """The scopes a route's key dependency asks for: () for any valid key, None for no key."""
    for sub in dependant.dependencies:
        scopes = getattr(sub.call, SCOPES_ATTRIBUTE, None)
        if isinstance(scopes, tuple):
            return scopes
        if sub.call is get_principal:
            return ()
        inner = required_scopes(sub)
        if inner is not None:
            return inner
    return None


def _is_body_parse_error(exc: Exception) -> bool:
    if isinstance(exc, RequestValidationError):
        return any(e.get("type") == "json_invalid" for e in exc.errors())
    return isinstance(exc, HTTPException) and exc.status_code == 400


def _check_key(request: Request, scopes: tuple[str, ...]) -> None:
    raw = bearer_header_key(request.headers.get("authorization"))
    with session_scope(request.app.state.session_factory, writes=False) as session:
        principal = authenticate(session, raw)
    if scopes:
        principal.require_any(*scopes)


class KeyFirstRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler: Handler = super().get_route_handler()
        scopes = required_scopes(self.dependant)
        if scopes is None:
            return handler

        async def key_first(request: Request) -> Response:
            try:
                return await handler(request)
            except (RequestValidationError, HTTPException) as exc:
                if _is_body_parse_error(exc):
                    await run_in_threadpool(_check_key, request, scopes)
                raise

        return key_first
