"""The ORM tables (the service's storage; the quantitative core lives in models/)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite drops the offset on the way in)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    name: Mapped[str] = mapped_column(String(200))
    # ISO 3166 alpha-2: whose public holidays the forecasts know about (None: none).
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UsageRow(Base):
    """Tokens used on one day by one user on one product ("" where the source has none)."""

    __tablename__ = "usage_rows"
    __table_args__ = (
        # Its index also serves the (organization, day range) scans of every forecast.
        UniqueConstraint("organization_id", "day", "user_key", "product"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date)
    user_key: Mapped[str] = mapped_column(String(320), default="")
    product: Mapped[str] = mapped_column(String(200), default="")
    tokens: Mapped[Decimal] = mapped_column(Numeric(18, 3))
    source: Mapped[str] = mapped_column(String(40))


class TokenPack(Base):
    __tablename__ = "token_packs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    purchased_on: Mapped[date] = mapped_column(Date)
    tokens: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    currency: Mapped[str] = mapped_column(String(3))
    expires_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PriceBookRow(Base):
    """One price book per organization; tiers are stored as [{min_tokens, unit_price: str}]."""

    __tablename__ = "price_books"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    minimum_purchase: Mapped[int] = mapped_column(Integer)
    pack_increment: Mapped[int] = mapped_column(Integer)
    validity_days: Mapped[int] = mapped_column(Integer)
    tier_kind: Mapped[str] = mapped_column(String(20))
    tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    top_up_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    top_up_lead_days: Mapped[int] = mapped_column(Integer, server_default="0")
    blocked_day_cost: Mapped[Decimal] = mapped_column(Numeric(14, 4), server_default="0")
    top_up_block_tokens: Mapped[int] = mapped_column(Integer, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Forecast(Base):
    __tablename__ = "forecasts"
    __table_args__ = (Index("ix_forecasts_org_created", "organization_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[date] = mapped_column(Date)
    first_day: Mapped[date] = mapped_column(Date)
    horizon_days: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(40))
    seed: Mapped[int] = mapped_column(BigInteger)
    n_paths: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    paths: Mapped[bytes] = mapped_column(LargeBinary)
    etag: Mapped[str] = mapped_column(String(64))


class Document(Base):
    """An immutable rendered document; `sha256` is the hash of the JSON rendering's bytes."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_org_created", "organization_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    json_body: Mapped[bytes] = mapped_column(LargeBinary)
    html_body: Mapped[bytes] = mapped_column(LargeBinary)


class DocumentRendering(Base):
    """A rendering made after its document was stored (a PDF on one paper size).

    Written once, by the first request that asks for it, and served as stored from then on, so a
    document's bytes never change even when the renderer is upgraded. `sha256` hashes `body`.
    """

    __tablename__ = "document_renderings"

    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    rendering: Mapped[str] = mapped_column(String(20), primary_key=True)  # e.g. "pdf-a4"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    renderer: Mapped[str] = mapped_column(String(60))
    sha256: Mapped[str] = mapped_column(String(64))
    body: Mapped[bytes] = mapped_column(LargeBinary)


class Recommendation(Base):
    __tablename__ = "recommendations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    forecast_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("forecasts.id"))
    document_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("documents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purchase_date: Mapped[date] = mapped_column(Date)
    objective: Mapped[str] = mapped_column(String(40))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class KnownChange(Base):
    """A change the organization knows is coming (headcount, project, licence mix, rate).

    `body` holds the validated change as stored (see app/schemas/changes.py). Deleting sets
    `deleted_at`, so a forecast that used the change can still say what it was.
    """

    __tablename__ = "known_changes"
    __table_args__ = (Index("ix_known_changes_org_created", "organization_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=_uuid)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(20))
    label: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NamedUserPrice(Base):
    """A year's named-user subscription to one product, in one currency (the organization's
    price list, set whole by PUT /v1/named-user-prices). `product` is written as the usage
    writes it; matching ignores case and spacing."""

    __tablename__ = "named_user_prices"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    product: Mapped[str] = mapped_column(String(200), primary_key=True)
    annual_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyKey(Base):
    """A write request's `Idempotency-Key`, per organization and API key, and the reply it got.

    `state`: "running" while the first request runs, "committed" once its work is committed,
    "done" once its reply is stored here (replayed to later requests of the same API key with
    the same key), "withheld" once done with a reply that held a secret (status only, no body).
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("organization_id", "api_key_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    api_key_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
