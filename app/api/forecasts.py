"""Forecasts: create, read, and poll the latest (ETag / If-None-Match)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse

from app.api.deps import PrincipalDep, SessionDep, SettingsDep, check_paths
from app.api.etags import not_modified
from app.db.tables import Forecast
from app.errors import UnprocessableError
from app.schemas.common import ERROR_RESPONSES
from app.schemas.forecasts import ForecastCreate, ForecastRead
from app.services import forecasts as svc

router = APIRouter(prefix="/v1/forecasts", tags=["forecasts"], responses=ERROR_RESPONSES)
_DOC: dict[int | str, dict[str, Any]] = {200: {"model": ForecastRead}}


def _reply(row: Forecast, status: int, if_none_match: str | None) -> Response:
    etag = f'"{row.etag}"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if not_modified(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return JSONResponse(row.body, status_code=status, headers=headers)


@router.post("", status_code=201, response_model=ForecastRead, summary="Forecast daily token use")
def post_forecast(
    body: ForecastCreate, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> Response:
    """Forecast the organization's daily tokens as `n_paths` sample paths and summarize them:
    daily mean and p10/p50/p90, and the 30/90/365-day totals, with every model's backtest."""
    principal.require("read")
    if body.horizon_days > settings.max_horizon_days:
        raise UnprocessableError(
            f"horizon_days: at most {settings.max_horizon_days} (TOKENCAST_MAX_HORIZON_DAYS), "
            f"got {body.horizon_days}"
        )
    n_paths = settings.forecast_paths if body.n_paths is None else body.n_paths
    check_paths(n_paths, settings.max_forecast_paths)
    run = svc.create_forecast(
        session,
        organization_id=principal.organization_id,
        horizon_days=body.horizon_days,
        as_of=body.as_of,
        model=body.model,
        n_paths=n_paths,
        seed=body.seed,
    )
    return _reply(run.row, 201, None)


@router.get("/latest", responses=_DOC, summary="The latest forecast (for polling)")
def get_latest(
    session: SessionDep,
    principal: PrincipalDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The newest forecast. Send its ETag back in `If-None-Match` to get 304 while unchanged."""
    principal.require("read")
    return _reply(svc.latest_forecast(session, principal.organization_id), 200, if_none_match)


@router.get("/{forecast_id}", responses=_DOC, summary="A forecast by id")
def get_forecast(
    forecast_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    principal.require("read")
    row = svc.get_forecast(session, principal.organization_id, forecast_id)
    return _reply(row, 200, if_none_match)
