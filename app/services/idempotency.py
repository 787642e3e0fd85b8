"""Idempotent writes: the first reply to a key is kept and replayed to every retry.

A key belongs to one API key (of one organization): a record is found by organization, API key
and Idempotency-Key, so a stored reply is only ever replayed to the API key that made the first
request. Another API key sending the same Idempotency-Key has a namespace of its own: its request
runs as if the key were new (and its route checks its scopes), never seeing the other's reply.

The first request claims the key (state "running") in a short transaction of its own, so a
concurrent retry sees the claim and is told the request is in progress instead of running it
twice; the unique (organization, API key, key) constraint makes the claim race-safe on SQLite and
PostgreSQL alike. The request's own transaction marks the claim "committed" together with its
work, and its successful reply is then stored ("done"). A reply that carries a secret shown once
(a new API key) is never stored: its claim is closed as "withheld" with the status alone, and a
retry is told the reply was not kept.

A failed request changed nothing (it rolled back), so its claim is dropped and a retry with the
same key runs again. A claim left "running" by a process that died is taken over after
ABANDONED_AFTER; one left "committed" (the work is stored but the reply was lost) is never run
again. Keys expire after the configured time and are purged lazily by later claims.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.tables import IdempotencyKey
from app.errors import ConflictError

RUNNING, COMMITTED, DONE, WITHHELD = "running", "committed", "done", "withheld"
ABANDONED_AFTER = timedelta(minutes=10)
MAX_KEY_LENGTH = 255

Outcome = Literal["claimed", "replay", "mismatch", "in_progress", "reply_lost", "reply_not_kept"]


@dataclass(frozen=True)
class StoredReply:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Claim:
    outcome: Outcome
    claim_id: int | None = None
    reply: StoredReply | None = None


def valid_key(key: str) -> bool:
    """1 to 255 visible ASCII characters (a UUID is the usual choice)."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all(33 <= ord(c) <= 126 for c in key)


def request_fingerprint(method: str, path: str, query: str, content_type: str, body: bytes) -> str:
    """SHA-256 of the method, path, query and body.

    A JSON body is hashed in canonical form (sorted keys, no spaces), and a multipart body with
    its boundary replaced, since a client retrying an upload draws a new random boundary.
    """
    digest = hashlib.sha256(f"{method.upper()} {path}?{query}\n".encode())
    digest.update(_canonical_body(content_type, body))
    return digest.hexdigest()


def _canonical_body(content_type: str, body: bytes) -> bytes:
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        try:
            parsed = json.loads(body)
            return json.dumps(parsed, sort_keys=True, separators=(",", ":")).encode()
        except (ValueError, RecursionError):  # not JSON, or nested too deep: the route says so
            return body
    if media == "multipart/form-data":
        for param in content_type.split(";")[1:]:
            name, _, value = param.strip().partition("=")
            if name.lower() == "boundary" and value.strip('"'):
                return body.replace(b"--" + value.strip('"').encode(), b"--boundary")
    return body


def claim(
    session: Session,
    *,
    organization_id: uuid.UUID,
    api_key_id: uuid.UUID,
    key: str,
    request_hash: str,
    at: datetime,
    ttl: timedelta,
) -> Claim:
    """Claim `key` of the API key `api_key_id` for a new request, or say what became of the
    request that holds it."""
    session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at < at))
    for _ in range(3):
        row = IdempotencyKey(
            organization_id=organization_id,
            api_key_id=api_key_id,
            key=key,
            request_hash=request_hash,
            state=RUNNING,
            created_at=at,
            locked_at=at,
            expires_at=at + ttl,
        )
        try:
            with session.begin_nested():
                session.add(row)
            return Claim("claimed", row.id)
        except IntegrityError:
            held = session.scalars(
                select(IdempotencyKey)
                .where(IdempotencyKey.organization_id == organization_id)
                .where(IdempotencyKey.api_key_id == api_key_id)
                .where(IdempotencyKey.key == key)
            ).one_or_none()
            if held is not None:
                return _judge(session, held, request_hash, at)
    raise ConflictError(f"Idempotency-Key '{key}' is being claimed concurrently; retry")


def _judge(session: Session, held: IdempotencyKey, request_hash: str, at: datetime) -> Claim:
    if held.request_hash != request_hash:
        return Claim("mismatch")
    if held.state == DONE and held.response_status is not None:
        reply = StoredReply(
            held.response_status, dict(held.response_headers or {}), held.response_body or b""
        )
        return Claim("replay", held.id, reply)
    if held.state == WITHHELD:
        return Claim("reply_not_kept")
    abandoned = held.locked_at < at - ABANDONED_AFTER
    if held.state == COMMITTED:
        return Claim("reply_lost" if abandoned else "in_progress")
    if abandoned:
        taken = session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == held.id)
            .where(IdempotencyKey.state == RUNNING)
            .where(IdempotencyKey.locked_at == held.locked_at)
            .values(locked_at=at)
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) == 1:
            return Claim("claimed", held.id)
    return Claim("in_progress")


def mark_committed(session: Session, claim_id: int) -> None:
    """In the request's own transaction: its work and this mark commit together."""
    session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claim_id)
        .where(IdempotencyKey.state == RUNNING)
        .values(state=COMMITTED)
        .execution_options(synchronize_session=False)
    )


def finish(session: Session, claim_id: int, reply: StoredReply, *, keep: bool = True) -> None:
    """Keep a successful reply (or any reply of committed work); forget a failed request.

    With keep=False (the reply holds a secret) only its status is kept, as "withheld".
    """
    row = session.get(IdempotencyKey, claim_id)
    if row is None or row.state in (DONE, WITHHELD):
        return
    if 200 <= reply.status < 300 or row.state == COMMITTED:
        row.state = DONE if keep else WITHHELD
        row.response_status = reply.status
        row.response_headers = reply.headers if keep else None
        row.response_body = reply.body if keep else None
    else:
        session.delete(row)
    session.flush()


def release(session: Session, claim_id: int) -> None:
    """The request failed before committing anything: a retry may run it again."""
    session.execute(
        delete(IdempotencyKey)
        .where(IdempotencyKey.id == claim_id)
        .where(IdempotencyKey.state == RUNNING)
    )
