"""Organizations and API keys: keys are shown once and stored as SHA-256 hashes.

A key carries scopes, a name, its creation and last-use times, and a revocation time; a revoked
key authenticates nothing. `last_used_at` moves at most once a minute per key, so a polling
dashboard does not turn every read into a write.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from app.db.tables import ApiKey, Organization
from app.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
    UnprocessableError,
)

KEY_PREFIX = "tc_"
ALL_SCOPES = ("read", "usage:write", "plan:write", "documents:read", "admin")
LAST_USED_RESOLUTION = timedelta(minutes=1)
MAX_KEY_NAME = 100


@dataclass(frozen=True)
class Principal:
    """Who is calling: the organization is taken from the key, never from the request."""

    organization_id: uuid.UUID
    key_id: uuid.UUID
    key_name: str
    scopes: frozenset[str]
    last_used_at: datetime | None = None

    def require(self, scope: str) -> None:
        self.require_any(scope)

    def require_any(self, *scopes: str) -> None:
        if "admin" not in self.scopes and not self.scopes.intersection(scopes):
            raise ForbiddenError(f"this API key lacks the scope: one of {list(scopes)}")


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def create_organization(session: Session, *, name: str) -> Organization:
    name = name.strip()
    if not name or len(name) > 200:
        raise UnprocessableError("organization name must be 1 to 200 characters")
    org = Organization(id=uuid.uuid4(), name=name, created_at=now())
    session.add(org)
    session.flush()
    return org


def create_key(
    session: Session,
    *,
    organization_id: uuid.UUID,
    name: str = "default",
    scopes: tuple[str, ...] = ALL_SCOPES,
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the raw key, which is never stored or shown again."""
    if session.get(Organization, organization_id) is None:
        raise NotFoundError(f"organization {organization_id} does not exist")
    name = name.strip()
    if not name or len(name) > MAX_KEY_NAME:
        raise UnprocessableError(f"key name must be 1 to {MAX_KEY_NAME} characters")
    if not scopes:
        raise UnprocessableError(f"a key needs at least one scope from {list(ALL_SCOPES)}")
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise UnprocessableError(f"unknown scopes {unknown}; valid: {list(ALL_SCOPES)}")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        id=uuid.uuid4(),
        organization_id=organization_id,
        name=name,
        prefix=raw[:10],
        key_hash=hash_key(raw),
        scopes=sorted(set(scopes), key=ALL_SCOPES.index),
        created_at=now(),
    )
    session.add(row)
    session.flush()
    return row, raw


def authenticate(session: Session, raw: str) -> Principal:
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(raw))).one_or_none()
    if row is None or row.revoked_at is not None:
        raise UnauthorizedError("invalid or revoked API key")
    return Principal(row.organization_id, row.id, row.name, frozenset(row.scopes), row.last_used_at)


def use_is_stale(principal: Principal, at: datetime) -> bool:
    """Whether this use should be written down (the stored last use is over a minute old)."""
    last = principal.last_used_at
    return last is None or last < at - LAST_USED_RESOLUTION


def record_use(session: Session, key_id: uuid.UUID, *, at: datetime) -> bool:
    """Move `last_used_at` to `at` unless a concurrent request already moved it this minute."""
    result = session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id)
        .where(or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < at - LAST_USED_RESOLUTION))
        .values(last_used_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def list_keys(session: Session, organization_id: uuid.UUID) -> list[ApiKey]:
    """The organization's keys, oldest first, revoked ones included (with `revoked_at`)."""
    stmt = (
        select(ApiKey)
        .where(ApiKey.organization_id == organization_id)
        .order_by(ApiKey.created_at, ApiKey.id)
    )
    return list(session.scalars(stmt))


def get_key(session: Session, organization_id: uuid.UUID | None, key_id: uuid.UUID) -> ApiKey:
    """A key by id; `organization_id` None (the operator's CLI) finds any organization's key."""
    row = session.get(ApiKey, key_id)
    if row is None or (organization_id is not None and row.organization_id != organization_id):
        raise NotFoundError(f"API key {key_id} not found")
    return row


def revoke_key(
    session: Session,
    organization_id: uuid.UUID | None,
    key_id: uuid.UUID,
    *,
    keep_an_admin: bool = False,
) -> ApiKey:
    """Revoke a key from now on; revoking a revoked key keeps its first revocation time.

    `keep_an_admin` (the API's revocation): refuse, 409, to revoke the organization's last
    active admin key, which would leave it with no key that can make keys (the operator's
    `tokencast revoke-key` may). The organization's active admin keys are locked while this is
    decided, so two admins revoking each other at once cannot both succeed.
    """
    row = get_key(session, organization_id, key_id)
    if row.revoked_at is not None:
        return row
    if keep_an_admin and "admin" in row.scopes:
        active = session.execute(
            select(ApiKey.id, ApiKey.scopes)
            .where(ApiKey.organization_id == row.organization_id)
            .where(ApiKey.revoked_at.is_(None))
            .with_for_update()
        ).all()
        others = [k for k, scopes in active if k != row.id and "admin" in scopes]
        if not others:
            raise ConflictError(
                f"key {key_id} is the organization's last active admin key; create another "
                "admin key first (POST /v1/keys), or revoke it with `tokencast revoke-key`"
            )
    row.revoked_at = now()
    session.flush()
    return row


def bearer_header_key(authorization: str | None) -> str:
    """The raw API key of an `Authorization` header's value (`Bearer <key>`, read as FastAPI's
    bearer scheme reads it), or 401."""
    scheme, key = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not key:
        raise UnauthorizedError("missing API key: send 'Authorization: Bearer <api key>'")
    return key
