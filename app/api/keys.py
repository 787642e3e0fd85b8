"""Key management for `admin` keys: list, create (the secret shown once), read, revoke."""

from __future__ import annotations

import uuid

from fastapi import Response

from app.api.deps import (
    AdminKey,
    SessionDep,
)
from app.api.idempotency import SECRET_REPLY
from app.api.key_first import v1_router
from app.db.tables import ApiKey
from app.schemas.common import ErrorRead
from app.schemas.keys import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyRead
from app.services import keys as svc

router = v1_router("/v1/keys", "keys")


def _read(row: ApiKey) -> ApiKeyRead:
    return ApiKeyRead.model_validate(row, from_attributes=True)


@router.get("", response_model=ApiKeyList, summary="List the organization's API keys")
def list_keys(session: SessionDep, principal: AdminKey) -> ApiKeyList:
    """Every key of the organization, revoked ones included; never a secret or a hash."""
    return ApiKeyList(keys=[_read(r) for r in svc.list_keys(session, principal.organization_id)])


@router.post(
    "",
    status_code=201,
    response_model=ApiKeyCreated,
    summary="Create an API key",
    openapi_extra={SECRET_REPLY: True},  # the reply is never kept for an Idempotency-Key retry
)
def create_key(body: ApiKeyCreate, session: SessionDep, principal: AdminKey) -> ApiKeyCreated:
    """The reply carries the secret in `api_key`: store it now, it is never shown again."""
    row, raw = svc.create_key(
        session,
        organization_id=principal.organization_id,
        name=body.name,
        scopes=tuple(body.scopes),
    )
    return ApiKeyCreated(**_read(row).model_dump(), api_key=raw)


@router.get("/{key_id}", response_model=ApiKeyRead, summary="An API key")
def get_key(key_id: uuid.UUID, session: SessionDep, principal: AdminKey) -> ApiKeyRead:
    return _read(svc.get_key(session, principal.organization_id, key_id))


@router.delete(
    "/{key_id}",
    status_code=204,
    response_class=Response,
    summary="Revoke an API key",
    responses={409: {"model": ErrorRead, "description": "The organization's last admin key"}},
)
def revoke_key(key_id: uuid.UUID, session: SessionDep, principal: AdminKey) -> Response:
    """From now on the key answers 401. Revoking a revoked key changes nothing. 409 for the
    organization's last active admin key (create another admin key first)."""
    svc.revoke_key(session, principal.organization_id, key_id, keep_an_admin=True)
    return Response(status_code=204)
