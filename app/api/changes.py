"""Known changes: headcount, projects, licence mix and rate changes that forecasts take in."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Body, Query, Response
from pydantic import TypeAdapter

from app.api.deps import (
    ReadKey,
    SessionDep,
    SettingsDep,
    UsageWriteKey,
)
from app.api.key_first import v1_router
from app.db.tables import KnownChange
from app.schemas.changes import ChangeCreate, ChangeList, ChangeRead
from app.schemas.common import PageOffset
from app.services import changes as svc
from app.services.usage import user_key_function

router = v1_router("/v1/changes", "changes")

_READ: TypeAdapter[ChangeRead] = TypeAdapter(ChangeRead)


def _read(row: KnownChange) -> ChangeRead:
    return _READ.validate_python({**row.body, "id": row.id, "created_at": row.created_at})


@router.post("", status_code=201, response_model=ChangeRead, summary="Record a known change")
def post_change(
    body: Annotated[ChangeCreate, Body()],
    session: SessionDep,
    principal: UsageWriteKey,
    settings: SettingsDep,
) -> ChangeRead:
    """Record a change the forecasts should take in, chosen by `kind`:

    - `headcount`: from `start`, `users` join (+N) or leave (-N), using a `profile` (power,
      regular, occasional: like the organization's own users) or `products` on `days_per_week`;
    - `project`: `team_size` people on `products`, `days_per_week`, from `start` to `end`,
      happening on each forecast path with `win_probability`;
    - `licence_mix`: from `start`, named `users` (as in the usage records) or
      `users_of_segment` move to named-user subscriptions and stop burning tokens (with
      `products`, only on those products: a hybrid model; `POST /v1/insights/apply` makes these
      from the migration candidates);
    - `rate_change`: from `start`, `product` costs `tokens_per_day`.
    """
    row = svc.create_change(
        session,
        organization_id=principal.organization_id,
        body=body,
        user_key=user_key_function(settings.user_key_secret),
    )
    return _read(row)


@router.get("", response_model=ChangeList, summary="List known changes")
def list_changes(
    session: SessionDep,
    principal: ReadKey,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[PageOffset, Query()] = 0,
) -> ChangeList:
    """The organization's changes, oldest first (deleted ones are left out)."""
    rows, total = svc.list_changes(session, principal.organization_id, limit=limit, offset=offset)
    return ChangeList(changes=[_read(r) for r in rows], total=total, limit=limit, offset=offset)


@router.delete(
    "/{change_id}", status_code=204, response_class=Response, summary="Delete a known change"
)
def delete_change(change_id: uuid.UUID, session: SessionDep, principal: UsageWriteKey) -> Response:
    """Forecasts made from now on leave the change out; earlier forecasts keep what they used."""
    svc.delete_change(session, principal.organization_id, change_id)
    return Response(status_code=204)
