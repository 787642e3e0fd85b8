"""Organizations and API keys: keys are shown once and stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.tables import ApiKey, Organization
from app.errors import ForbiddenError, NotFoundError, UnauthorizedError, UnprocessableError

KEY_PREFIX = "tc_"
ALL_SCOPES = ("read", "usage:write", "plan:write", "documents:read", "admin")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the organization is taken from the key, never from the request."""

    organization_id: uuid.UUID
    key_id: uuid.UUID
    key_name: str
    scopes: frozenset[str]

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
        scopes=list(scopes),
        created_at=now(),
    )
    session.add(row)
    session.flush()
    return row, raw


def authenticate(session: Session, raw: str) -> Principal:
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(raw))).one_or_none()
    if row is None or row.revoked_at is not None:
        raise UnauthorizedError("invalid or revoked API key")
    return Principal(row.organization_id, row.id, row.name, frozenset(row.scopes))
