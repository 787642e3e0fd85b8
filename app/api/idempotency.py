"""`Idempotency-Key` on every write (POST, PUT, PATCH, DELETE): an ASGI middleware.

A write sent with the header is run once per API key and Idempotency-Key: a retry by the same API
key with the same method, path and body gets the first reply again (same status and body, so the
same ids, with `Idempotent-Replayed: true`); the same key with another request answers 409, and so
does a retry while the first request is still running (with `Retry-After`). Only successful
replies are kept: a request that failed changed nothing, and a retry with its key runs again.
Requests without the header, reads, and requests without a valid API key (answered 401 by the
route) pass through.

Each API key has its own namespace of Idempotency-Keys: a reply is replayed only to the API key
that made the first request. Another key of the organization sending the same Idempotency-Key
and body is not told about the first request (no replay, no 409): its request runs as its own,
so the route checks that key's scopes (a `read` key gets 403) and a key allowed to write writes.

A reply that carries a secret shown once (a route whose `openapi_extra` sets SECRET_REPLY, such
as POST /v1/keys with the new key's `api_key`) is never stored: the key is claimed as for any
write (a concurrent retry gets 409 `idempotency_in_progress`), but only the completion is
recorded, and a later retry gets 409 `idempotency_reply_not_kept`.

A body the service refuses (over the size limit, streamed or declared) gets the same 413 with the
header as without; a body that is not JSON, or nested too deep to parse, reaches the route, which
answers 400 or 422 as without the header.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.body_limit import BodyTooLargeError
from app.db.session import session_scope
from app.errors import UnauthorizedError, envelope
from app.services import idempotency as svc
from app.services.keys import Principal, authenticate, bearer_header_key
from app.settings import Settings

log = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CLAIM_SCOPE_KEY = "tokencast.idempotency_claim"
KEPT_HEADERS = ("content-type", "etag", "location", "cache-control")
BODY_ALLOWANCE = 1024 * 1024  # multipart framing around the largest upload
# Set to true in a route's `openapi_extra`: its reply holds a secret shown once, never stored.
SECRET_REPLY = "x-tokencast-reply-holds-secret"

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
    "reply_not_kept": (
        "idempotency_reply_not_kept",
        "the request with Idempotency-Key '{key}' was completed, but its reply held a secret "
        "shown once and was not kept; list the keys (GET /v1/keys) to find the key created",
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
        state = scope["app"].state
        factory: sessionmaker[Session] = state.session_factory
        settings: Settings = state.settings
        principal = await run_in_threadpool(_principal, factory, headers)
        if principal is None:  # no valid API key: the route answers 401 before anything else
            return await self.app(scope, receive, send)
        if not svc.valid_key(key):
            detail = "header Idempotency-Key: 1 to 255 visible ASCII characters"
            return await envelope(422, "validation_error", detail)(scope, receive, send)
        try:
            body = await _read_body(receive, settings.max_upload_bytes + BODY_ALLOWANCE)
        except BodyTooLargeError as exc:  # a streamed body over the limit, counted as it came
            return await envelope(413, "payload_too_large", exc.detail)(scope, receive, send)
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
        claim = await run_in_threadpool(_claim, factory, principal, key, fingerprint, ttl)
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
            keep = not _holds_secret(scope)
            await run_in_threadpool(_finish, factory, claim_id, _reply_of(held), keep)
            for m in held:
                await send(m)

    try:
        await app(scope, replay_body, hold)
    except Exception:
        # The request is over and rolled back. (On cancellation its thread may still commit,
        # so the claim stays: "running" is taken over later, "committed" never runs again.)
        await run_in_threadpool(_release, factory, claim_id)
        raise


def _holds_secret(scope: Scope) -> bool:
    """Whether the route that answered marks its reply as holding a secret (SECRET_REPLY)."""
    extra = getattr(scope.get("route"), "openapi_extra", None)
    return isinstance(extra, dict) and bool(extra.get(SECRET_REPLY))


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


def _principal(factory: sessionmaker[Session], headers: Headers) -> Principal | None:
    """The calling key, read as the routes read it, or None (the route then answers 401)."""
    try:
        raw = bearer_header_key(headers.get("authorization"))
        with session_scope(factory, writes=False) as session:
            return authenticate(session, raw)
    except UnauthorizedError:
        return None


def _claim(
    factory: sessionmaker[Session],
    principal: Principal,
    key: str,
    fingerprint: str,
    ttl: timedelta,
) -> svc.Claim:
    with session_scope(factory) as session:
        return svc.claim(
            session,
            organization_id=principal.organization_id,
            api_key_id=principal.key_id,
            key=key,
            request_hash=fingerprint,
            at=datetime.now(UTC),
            ttl=ttl,
        )


def _finish(
    factory: sessionmaker[Session], claim_id: int, reply: svc.StoredReply, keep: bool
) -> None:
    try:
        with session_scope(factory) as session:
            svc.finish(session, claim_id, reply, keep=keep)
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
                secret = bool(operation.pop(SECRET_REPLY, False))  # a marker, not for clients
                if method.upper() in WRITE_METHODS:
                    _document_operation(operation, secret=secret)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


HEADER_DESCRIPTION = (
    "Run this write once: a retry with the same key and body, by the same API key, gets the "
    "first reply again; the key with another body answers 409. Each API key has keys of its "
    "own: another API key's request with the same key runs as its own. Kept for "
    "TOKENCAST_IDEMPOTENCY_TTL_SECONDS (default 24 h)."
)
SECRET_HEADER_DESCRIPTION = (
    "Run this write once: the reply holds a secret shown once and is not kept, so a retry with "
    "the same key and body, by the same API key, answers 409 `idempotency_reply_not_kept` "
    "instead of running again (list the keys with GET /v1/keys to find the key created); the "
    "key with another body answers 409. Each API key has keys of its own. Kept for "
    "TOKENCAST_IDEMPOTENCY_TTL_SECONDS (default 24 h)."
)


def _document_operation(operation: dict[str, Any], *, secret: bool) -> None:
    operation.setdefault("parameters", []).append(
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": SECRET_HEADER_DESCRIPTION if secret else HEADER_DESCRIPTION,
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
            "description": "Idempotency-Key used for another request, or still running"
            + (", or its reply (holding a secret) was not kept" if secret else ""),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorRead"}}},
        },
    )
