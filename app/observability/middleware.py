"""One pure ASGI middleware: the request id, the access log line and the request metrics.

Pure ASGI rather than Starlette's BaseHTTPMiddleware, which runs the app in a task and copies the
reply through a stream: this one only wraps `send` to read the status and add the header, so it
costs a few microseconds per request, most of them the access line (see
bench/middleware_overhead.py and docs/middleware-overhead.md).
"""

from __future__ import annotations

import logging
from time import perf_counter
from typing import Any

from prometheus_client.metrics import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability import metrics
from app.observability.context import REQUEST_ID_HEADER, accept_or_new, request_id_var

log = logging.getLogger(__name__)

_HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Probes and scrapes arrive every few seconds; their successful lines are debug, not info.
_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "unmatched"


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == _HEADER_KEY:
            return bytes(value).decode("latin-1")
    return None


def route_template(scope: Scope) -> str:
    """The matched route's path template ("/v1/forecasts/{forecast_id}"), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class ObservabilityMiddleware:
    def __init__(
        self, app: ASGIApp, *, record_metrics: bool = True, access_log: bool = True
    ) -> None:
        self.app = app
        self.record_metrics = record_metrics
        self.access_log = access_log
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_or_new(_incoming_id(scope))
        # Not reset afterwards: each request runs in its own task (its own context), and the
        # server's own line about an exception that escaped the app should carry the id too.
        request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id
        id_header = (_HEADER_KEY, request_id.encode("latin-1"))
        status = 500
        start = perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, perf_counter() - start)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        route = route_template(scope)
        if self.record_metrics:
            key = (method, route, status)
            children = self._children.get(key)
            if children is None:
                labels: dict[str, Any] = {"method": method, "route": route, "status": str(status)}
                children = (
                    metrics.REQUESTS.labels(**labels),
                    metrics.REQUEST_SECONDS.labels(**labels),
                )
                self._children[key] = children
            children[0].inc()
            children[1].observe(seconds)
        level = logging.DEBUG if route in _QUIET_ROUTES and status < 400 else logging.INFO
        if self.access_log and log.isEnabledFor(level):
            duration_ms = round(seconds * 1000, 2)
            extra = {"method": method, "path": route, "status": status, "duration_ms": duration_ms}
            log.log(level, "%s %s %s %.2f ms", method, route, status, duration_ms, extra=extra)
