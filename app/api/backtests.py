"""Decision backtests."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import (
    PlanWriteKey,
    SessionDep,
    SettingsDep,
    check_paths,
)
from app.api.key_first import KeyFirstRoute
from app.schemas.backtests import BacktestCreate, BacktestRead
from app.schemas.common import ERROR_RESPONSES
from app.services.backtests import backtest

router = APIRouter(
    route_class=KeyFirstRoute, prefix="/v1/backtests", tags=["backtests"], responses=ERROR_RESPONSES
)


@router.post("", response_model=BacktestRead, summary="Replay past purchases on your own usage")
def post_backtest(
    body: BacktestCreate, session: SessionDep, principal: PlanWriteKey, settings: SettingsDep
) -> BacktestRead:
    """Replays past purchase dates on the stored usage with the stored price book: on each date
    the recommendation (forecast from the usage before the date, then the optimizer), "last
    year's + 20 %", "last year's" and perfect foresight each choose a quantity, and the usage that
    followed says what each spent, wasted and was blocked, and its regret against perfect
    foresight. Nothing is stored. 422 when the usage is shorter than a year plus a pack life."""
    check_paths(body.n_paths, settings.max_forecast_paths)
    return backtest(session, organization_id=principal.organization_id, body=body)
