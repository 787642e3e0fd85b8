"""Decision backtests."""

from __future__ import annotations

from app.api.deps import (
    PlanWriteKey,
    SessionDep,
    SettingsDep,
    check_paths,
)
from app.api.key_first import v1_router
from app.schemas.backtests import BacktestCreate, BacktestRead
from app.services.backtests import backtest

router = v1_router("/v1/backtests", "backtests")


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
