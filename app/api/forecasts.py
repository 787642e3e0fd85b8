"""Forecasts: create, read, and poll the latest (ETag / If-None-Match)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Header, Request, Response
from fastapi.responses import JSONResponse

from app.api.deps import (
    ReadKey,
    SessionDep,
    SettingsDep,
    check_paths,
)
from app.api.etags import not_modified
from app.api.key_first import v1_router
from app.db.tables import Forecast
from app.errors import UnprocessableError
from app.schemas.forecasts import ForecastCreate, ForecastRead
from app.services import forecast_reads as reads
from app.services import forecasts as svc
from app.services.forecast_polls import ForecastPolls
from app.services.keys import bearer_header_key

router = v1_router("/v1/forecasts", "forecasts")
_DOC: dict[int | str, dict[str, Any]] = {
    200: {"model": ForecastRead},
    304: {"description": "Not modified: `If-None-Match` holds the forecast's current ETag"},
}
# The polling route reads its two headers itself; the schema still declares them.
_POLL_HEADERS: dict[str, Any] = {
    "security": [{"HTTPBearer": []}],
    "parameters": [
        {
            "name": "if-none-match",
            "in": "header",
            "required": False,
            "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "If-None-Match"},
        }
    ],
}


def _headers(etag: str) -> dict[str, str]:
    return {"ETag": f'"{etag}"', "Cache-Control": "private, no-cache"}


def _reply(row: Forecast, status: int, if_none_match: str | None) -> Response:
    headers = _headers(row.etag)
    if not_modified(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return JSONResponse(row.body, status_code=status, headers=headers)


def _stored(stored: reads.StoredForecast) -> Response:
    """The body as stored (JSON text): polls skip parsing it and writing it out again."""
    return Response(stored.json_text, media_type="application/json", headers=_headers(stored.etag))


@router.post("", status_code=201, response_model=ForecastRead, summary="Forecast daily token use")
def post_forecast(
    body: ForecastCreate,
    request: Request,
    session: SessionDep,
    principal: ReadKey,
    settings: SettingsDep,
) -> Response:
    """Forecast the organization's daily tokens as `n_paths` sample paths and summarize them:
    daily mean and p10/p50/p90, and the 30/90/365-day totals, with every model's backtest."""
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
    request.app.state.forecast_polls.forget_latest(principal.organization_id)
    return _reply(run.row, 201, None)


@router.get(
    "/latest",
    responses=_DOC,
    summary="The latest forecast (for polling)",
    openapi_extra=_POLL_HEADERS,
)
async def get_latest(request: Request) -> Response:
    """The newest forecast. Send its ETag back in `If-None-Match` to get 304 while unchanged.

    Made for frequent polling: the key lookup and the newest forecast are reused for
    TOKENCAST_POLL_CACHE_SECONDS (default 1 s) within a server process.
    """
    # Async, without dependencies: a poll answered from memory needs no thread, no database
    # and none of the dependency machinery (a fifth of a poll's CPU); what is not in memory is
    # loaded in the thread pool.
    polls: ForecastPolls = request.app.state.forecast_polls
    factory = request.app.state.session_factory
    headers = request.headers
    principal = await polls.principal_for(factory, bearer_header_key(headers.get("authorization")))
    principal.require("read")
    stored = await polls.latest_for(factory, principal.organization_id)
    if not_modified(headers.get("if-none-match"), f'"{stored.etag}"'):
        return Response(status_code=304, headers=_headers(stored.etag))
    return _stored(stored)


@router.get("/{forecast_id}", responses=_DOC, summary="A forecast by id")
def get_forecast(
    forecast_id: uuid.UUID,
    session: SessionDep,
    principal: ReadKey,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    stored = reads.forecast_json(session, principal.organization_id, forecast_id)
    if not_modified(if_none_match, f'"{stored.etag}"'):
        return Response(status_code=304, headers=_headers(stored.etag))
    return _stored(stored)
