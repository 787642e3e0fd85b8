"""The request body limit, as pure ASGI middleware: 413 before an oversized body is read.

A declared Content-Length over the limit is answered at once, without reading the body (within
it, the server delivers exactly the declared bytes); a body without one (chunked) is counted as
it streams in and stopped at the first chunk over the limit, so no route ever holds more than
the limit in memory. File uploads (the paths given as upload_paths) take max_upload_bytes plus
room for the multipart framing; every other route takes max_body_bytes.
"""

from __future__ import annotations

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import envelope
from app.route_match import routes_for_path

MULTIPART_ROOM = 64 * 1024  # part headers and boundaries around the file


class BodyTooLargeError(HTTPException):
    """A FastAPI HTTPException, so that FastAPI's body reading passes it on unchanged."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _name_route(scope: Scope) -> None:
    """Set the route a refused request was for, as routing would have: its access log line
    and metrics then name the route's template, not "unmatched". Only on the refusal path."""
    found = next(routes_for_path(scope), None)
    if found is not None:
        scope["route"] = found


class BodyLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int,
        upload_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.upload_paths = upload_paths

    def _limit(self, scope: Scope) -> tuple[int, str]:
        if scope["path"] in self.upload_paths:
            limit = self.max_upload_bytes + MULTIPART_ROOM
            return limit, (
                f"request body: more than {limit} bytes; this route takes a file of at most "
                f"{self.max_upload_bytes} bytes (TOKENCAST_MAX_UPLOAD_BYTES) plus "
                f"{MULTIPART_ROOM // 1024} KiB for the multipart framing around it"
            )
        limit = self.max_body_bytes
        return limit, f"request body: more than {limit} bytes (TOKENCAST_MAX_BODY_BYTES)"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, detail = self._limit(scope)
        declared = _content_length(scope)
        if declared is not None:
            if declared > limit:
                _name_route(scope)
                await envelope(413, "payload_too_large", detail)(scope, receive, send)
                return
            # The server hands the app exactly the declared bytes: nothing left to count.
            await self.app(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # an HTTPException: FastAPI's handlers answer it with the envelope
                    raise BodyTooLargeError(detail)
            return message

        await self.app(scope, counted, send)
