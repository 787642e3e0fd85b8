"""API keys as the key-management routes show them: never the hash, the secret only once."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.schemas.common import Name, StrictModel

Scope = Literal["read", "usage:write", "plan:write", "documents:read", "admin"]


class ApiKeyCreate(StrictModel):
    name: Name = Field(min_length=1, max_length=100, description="A label, e.g. 'procurement'.")
    scopes: list[Scope] = Field(
        min_length=1,
        max_length=5,
        description="What the key may do: `read` (GET routes), `usage:write` (usage, price "
        "book, purchases, changes), `plan:write` (recommendations, plans, backtests), "
        "`documents:read` (documents only), `admin` (everything, and key management).",
    )


class ApiKeyRead(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart.")
    scopes: list[Scope]
    created_at: datetime
    last_used_at: datetime | None = Field(
        description="The last successful use, to the minute (null: never used)."
    )
    revoked_at: datetime | None = Field(description="When it was revoked (null: active).")


class ApiKeyCreated(ApiKeyRead):
    api_key: str = Field(description="The secret: shown in this reply only, never again.")


class ApiKeyList(BaseModel):
    keys: list[ApiKeyRead]
