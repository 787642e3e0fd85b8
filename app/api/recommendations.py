"""Purchase recommendations."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.api.deps import PrincipalDep, SessionDep, SettingsDep
from app.schemas.common import ERROR_RESPONSES
from app.schemas.recommendations import RecommendationCreate, RecommendationRead
from app.services import recommendations as svc

router = APIRouter(
    prefix="/v1/recommendations", tags=["recommendations"], responses=ERROR_RESPONSES
)


@router.post("", status_code=201, response_model=RecommendationRead, summary="Recommend a purchase")
def post_recommendation(
    body: RecommendationCreate, session: SessionDep, principal: PrincipalDep, settings: SettingsDep
) -> JSONResponse:
    """Forecast the pack's year (using only usage before `purchase_date`), price every valid
    quantity over the forecast's paths, and choose the best by the objective. The reply
    carries the alternatives and the id of the document that explains the choice."""
    principal.require("plan:write")
    rec = svc.create_recommendation(
        session,
        organization_id=principal.organization_id,
        key_name=principal.key_name,
        ask=svc.DecisionAsk(
            body.purchase_date, body.objective, body.cvar_level, body.service_level
        ),
        forecast_id=body.forecast_id,
        seed=body.seed,
        limits=svc.ForecastLimits(settings.forecast_paths, settings.max_horizon_days),
    )
    return JSONResponse(rec.body, status_code=201)


@router.get("/{recommendation_id}", response_model=RecommendationRead, summary="A recommendation")
def get_recommendation(
    recommendation_id: uuid.UUID, session: SessionDep, principal: PrincipalDep
) -> JSONResponse:
    principal.require("read")
    return JSONResponse(
        svc.get_recommendation(session, principal.organization_id, recommendation_id).body
    )
