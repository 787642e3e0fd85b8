"""The app's routes that match a request's path, found without running the router: for replies
made before routing (a body refused from its Content-Length) or about routing (405)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from starlette.routing import BaseRoute, Match
from starlette.types import Scope


def routes_for_path(scope: Scope) -> Iterator[BaseRoute]:
    """Every route whose path matches the request's, whatever its method, in routing order."""
    router = getattr(scope.get("app"), "router", None)
    yield from _walk(scope, getattr(router, "routes", ()))


def _walk(scope: Scope, routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    for route in routes:
        # An included router (FastAPI wraps each) holds the routes, with their full paths.
        inner = getattr(getattr(route, "original_router", None), "routes", None)
        if inner is not None:
            yield from _walk(scope, inner)
        elif (
            isinstance(getattr(route, "path", None), str) and route.matches(scope)[0] != Match.NONE
        ):
            yield route
