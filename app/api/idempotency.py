"""`Idempotency-Key` on every write (POST, PUT, PATCH, DELETE): an ASGI middleware.

A write sent with the header is run once per organization and key: a retry with the same method,
path and body gets the first reply again (same status and body, so the same ids, with
`Idempotent-Replayed: true`); the same key with another request answers 409, and so does a retry
while the first request is still running (with `Retry-After`). Only successful replies are kept:
a request that failed changed nothing, and a retry with its key runs again. Requests without the
header, reads, and requests without a valid API key (answered 401 by the route) pass through.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db.session import session_scope
from app.errors import UnauthorizedError, envelope
from app.services import idempotency as svc
from app.services.keys import authenticate
from app.settings import Settings

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CLAIM_SCOPE_KEY = "tokencast.idempotency_claim"
KEPT_HEADERS = ("content-type", "etag", "location", "cache-control")
BODY_ALLOWANCE = 1024 * 1024  # multipart framing around the largest upload

_CONFLICTS = {
    "mismatch": (
        "idempotency_key_reused",
        "Idempotency-Key '{key}' was already used for a different request (method, path or "
        "body); send a new key for a new request",
    ),
    "in_progress": (
        "idempotency_in_progress",
        "a request with Idempotency-Key '{key}' is still running; retry after it finishes",
    ),
    "reply_lost": (
        "idempotency_reply_lost",
        "the request with Idempotency-Key '{key}' was completed but its reply was not kept; "
        "read the result with a GET instead of retrying",
    ),
}


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        key = headers.get("idempotency-key")
        if key is None:
            return await self.app(scope, receive, send)
        if not svc.valid_key(key):
            detail = "header Idempotency-Key: 1 to 255 visible ASCII characters"
            return await envelope(422, "validation_error", detail)(scope, receive, send)
        state = scope["app"].state
        factory: sessionmaker[Session] = state.session_factory
        settings: Settings = state.settings
        organization_id = await run_in_threadpool(_organization, factory, headers)
        if organization_id is None:
            return await self.app(scope, receive, send)
        body = await _read_body(receive, settings.max_upload_bytes + BODY_ALLOWANCE)
        if body is None:
            detail = f"request body: larger than {settings.max_upload_bytes} bytes"
            return await envelope(413, "payload_too_large", detail)(scope, receive, send)
        fingerprint = svc.request_fingerprint(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers.get("content-type", ""),
            body,
        )
        ttl = timedelta(seconds=settings.idempotency_ttl_seconds)
        claim = await run_in_threadpool(_claim, factory, organization_id, key, fingerprint, ttl)
        if claim.outcome == "replay" and claim.reply is not None:
            return await _send_reply(send, claim.reply, replayed=True)
        if claim.outcome != "claimed" or claim.claim_id is None:
            code, detail = _CONFLICTS[claim.outcome]
            retry = {"Retry-After": "1"} if claim.outcome == "in_progress" else None
            reply = envelope(409, code, detail.format(key=key), retry)
            return await reply(scope, receive, send)
        await _run_claimed(self.app, scope, receive, body, send, factory, claim.claim_id)


async def _run_claimed(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    body: bytes,
    send: Send,
    factory: sessionmaker[Session],
    claim_id: int,
) -> None:
    """Run the request with its buffered body; keep its reply before the client sees it."""
    scope[CLAIM_SCOPE_KEY] = claim_id
    held: list[Message] = []
    delivered = False

    async def replay_body() -> Message:
        nonlocal delivered
        if delivered:  # the body was read here already: only a disconnect can follow
            return await receive()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def hold(message: Message) -> None:
        if message["type"] not in ("http.response.start", "http.response.body"):
            return await send(message)
        held.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            await run_in_threadpool(_finish, factory, claim_id, _reply_of(held))
            for m in held:
                await send(m)

    try:
        await app(scope, replay_body, hold)
    except Exception:
        # The request is over and rolled back. (On cancellation its thread may still commit,
        # so the claim stays: "running" is taken over later, "committed" never runs again.)
        await run_in_threadpool(_release, factory, claim_id)
        raise


def _reply_of(messages: list[Message]) -> svc.StoredReply:
    start = messages[0]
    headers = {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in start.get("headers", [])
    }
    kept = {name: headers[name] for name in KEPT_HEADERS if name in headers}
    body = b"".join(m.get("body", b"") for m in messages[1:])
    return svc.StoredReply(int(start["status"]), kept, body)


async def _send_reply(send: Send, reply: svc.StoredReply, *, replayed: bool) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
    headers.append((b"content-length", str(len(reply.body)).encode()))
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _organization(factory: sessionmaker[Session], headers: Headers) -> uuid.UUID | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        with session_scope(factory, writes=False) as session:
            return authenticate(session, token.strip()).organization_id
    except UnauthorizedError:
        return None


def _claim(
    factory: sessionmaker[Session],
    organization_id: uuid.UUID,
    key: str,
    fingerprint: str,
    ttl: timedelta,
) -> svc.Claim:
    with session_scope(factory) as session:
        return svc.claim(
            session,
            organization_id=organization_id,
            key=key,
            request_hash=fingerprint,
            at=datetime.now(UTC),
            ttl=ttl,
        )


def _finish(factory: sessionmaker[Session], claim_id: int, reply: svc.StoredReply) -> None:
    try:
        with session_scope(factory) as session:
            svc.finish(session, claim_id, reply)
    except SQLAlchemyError:  # the work is done: the client still gets its reply
        log.exception("could not keep the reply of an idempotent request")


def _release(factory: sessionmaker[Session], claim_id: int) -> None:
    try:
        with session_scope(factory) as session:
            svc.release(session, claim_id)
    except Exception:  # the request's own error is the one to report
        log.exception("could not release an idempotency claim")


def document_idempotency(app: FastAPI) -> None:
    """Show the header and its 409 on every write operation of the OpenAPI schema."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                if method.upper() in WRITE_METHODS:
                    _document_operation(operation)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _document_operation(operation: dict[str, Any]) -> None:
    operation.setdefault("parameters", []).append(
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "Run this write once: a retry with the same key and body gets the "
            "first reply again; the key with another body answers 409. Kept for "
            "TOKENCAST_IDEMPOTENCY_TTL_SECONDS (default 24 h).",
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": svc.MAX_KEY_LENGTH,
                "pattern": "^[!-~]+$",
            },
        }
    )
    operation.setdefault("responses", {}).setdefault(
        "409",
        {
            "description": "Idempotency-Key used for another request, or still running",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorRead"}}},
        },
    )
