"""The token balance."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.api.deps import (
    ReadKey,
    SessionDep,
)
from app.api.key_first import v1_router
from app.schemas.balance import BalanceRead
from app.schemas.common import Day
from app.services.balance import balance

router = v1_router("/v1/balance", "balance")


@router.get("", response_model=BalanceRead, summary="Packs, what is left and what expires when")
def get_balance(
    session: SessionDep,
    principal: ReadKey,
    as_of: Annotated[
        Day | None,
        Query(description="Balance at the end of this day. Default: the last usage day."),
    ] = None,
) -> BalanceRead:
    """Replays the stored usage through the packs in the vendor's consumption order (the pack that
    expires first is used first; on equal expiry the smaller pack first)."""
    return balance(session, principal.organization_id, as_of=as_of)
