"""Purchase recommendations."""

from __future__ import annotations

import uuid

from fastapi.responses import JSONResponse

from app.api.deps import (
    PlanWriteKey,
    ReadKey,
    SessionDep,
    SettingsDep,
)
from app.api.key_first import v1_router
from app.schemas.recommendations import RecommendationCreate, RecommendationRead
from app.schemas.reproduction import QuantityCheck, ReproductionRead, StoredAndRecomputed
from app.services import recommendations as svc
from app.services.insights import InsightRules
from app.services.reproduction import reproduce_recommendation

router = v1_router("/v1/recommendations", "recommendations")


@router.post("", status_code=201, response_model=RecommendationRead, summary="Recommend a purchase")
def post_recommendation(
    body: RecommendationCreate, session: SessionDep, principal: PlanWriteKey, settings: SettingsDep
) -> JSONResponse:
    """Forecast the pack's year (using only usage before `purchase_date`), price every valid
    quantity over the forecast's paths, and choose the best by the objective. The reply
    carries the alternatives and the id of the document that explains the choice."""
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
        insight_rules=InsightRules.from_settings(settings),
    )
    return JSONResponse(rec.body, status_code=201)


@router.get("/{recommendation_id}", response_model=RecommendationRead, summary="A recommendation")
def get_recommendation(
    recommendation_id: uuid.UUID, session: SessionDep, principal: ReadKey
) -> JSONResponse:
    return JSONResponse(
        svc.get_recommendation(session, principal.organization_id, recommendation_id).body
    )


@router.get(
    "/{recommendation_id}/reproduction",
    response_model=ReproductionRead,
    summary="Recompute a recommendation and compare",
)
def get_reproduction(
    recommendation_id: uuid.UUID, session: SessionDep, principal: ReadKey
) -> ReproductionRead:
    """Make the forecast again from the stored usage with the recorded seed, model, country and
    known changes, price the decision again with the price book the document recorded, gather
    the document's facts again, and say whether the quantity and the facts (the JSON rendering,
    byte for byte) match. Nothing is stored; this takes as long as the recommendation did."""
    done = reproduce_recommendation(session, principal.organization_id, recommendation_id)

    def pair(values: tuple[str, str]) -> StoredAndRecomputed:
        return StoredAndRecomputed(stored=values[0], recomputed=values[1],
                                   match=values[0] == values[1])  # fmt: skip

    return ReproductionRead(
        recommendation_id=done.recommendation_id,
        reproduced=done.reproduced,
        quantity=QuantityCheck(
            stored=done.quantity[0],
            recomputed=done.quantity[1],
            match=done.quantity[0] == done.quantity[1],
        ),
        facts_sha256=pair(done.facts_sha256),
        inputs_sha256=pair(done.inputs_sha256),
        paths_match=done.paths_match,
        differences=done.differences,
        seed=done.seed,
        model=done.model,
    )
