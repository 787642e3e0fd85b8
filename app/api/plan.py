"""POST /v1/plan: the whole decision from one request (for systems that keep their own data)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from app.api.deps import (
    PlanWriteKey,
    SessionDep,
    SettingsDep,
)
from app.api.key_first import v1_router
from app.schemas.plan import PlanCreate, PlanRead
from app.services.imports import check_record_count
from app.services.plan import plan
from app.services.recommendations import ForecastLimits

router = v1_router("/v1/plan", "plan")


@router.post("", status_code=201, response_model=PlanRead, summary="Plan a purchase, stateless")
def post_plan(
    body: PlanCreate, session: SessionDep, principal: PlanWriteKey, settings: SettingsDep
) -> JSONResponse:
    """Usage, packs, price book and known changes come inline; the reply holds the
    recommendation and the forecast summary. Nothing is stored but the document (201: it is
    created), so its links work afterwards; the recommendation and forecast ids are not stored."""
    check_record_count(len(body.usage), settings.max_import_rows, field="usage")
    reply = plan(
        session,
        organization_id=principal.organization_id,
        key_name=principal.key_name,
        body=body,
        user_key_secret=settings.user_key_secret,
        limits=ForecastLimits(settings.forecast_paths, settings.max_horizon_days),
    )
    return JSONResponse(reply, status_code=201)
