"""Recommendations: forecast -> optimizer -> document, stored together."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.db.tables import Organization, Recommendation
from app.errors import NotFoundError, UnprocessableError
from app.services import documents as docs
from app.services.decision_run import (
    DecisionAsk,
    DocumentFacts,
    PackTerms,
    price_and_report,
)
from app.services.forecasts import ForecastRun, create_forecast, get_forecast, unpack_paths
from app.services.insight_document import document_sections
from app.services.insights import InsightRules
from app.services.keys import now
from app.services.pricing import get_price_book_row, packs_before, to_core_price_book
from app.services.usage import history_series, usage_profile
from app.services.usage_facts import stored_usage_facts
from models.decision.types import PriceBook
from models.insights.segments import SegmentRules
from models.series import DailySeries

__all__ = ["DecisionAsk", "ForecastLimits", "PackTerms", "create_recommendation",
           "decide_and_document", "forecast_horizon", "get_recommendation"]  # fmt: skip


@dataclass(frozen=True)
class ForecastLimits:
    n_paths: int
    max_horizon_days: int


def create_recommendation(
    session: Session,
    *,
    organization_id: uuid.UUID,
    key_name: str,
    ask: DecisionAsk,
    forecast_id: uuid.UUID | None,
    seed: int | None,
    limits: ForecastLimits,
    insight_rules: InsightRules | None = None,
) -> Recommendation:
    """Forecast, price and document a purchase; the document carries the usage insights (with
    `insight_rules`, the default thresholds when None) and the purchase with and without the
    licence-mix changes."""
    pb = to_core_price_book(get_price_book_row(session, organization_id))
    run = _forecast_for(session, organization_id, ask.purchase_date, forecast_id, pb, seed, limits)
    purchase = ask.purchase_date or run.row.first_day
    terms = [
        PackTerms(r.purchased_on, r.tokens, r.expires_on)
        for r in packs_before(session, organization_id, purchase)
    ]
    sections = document_sections(
        session, organization_id=organization_id, run=run, price_book=pb, purchase=purchase,
        pack_terms=terms, ask=ask, rules=insight_rules or InsightRules(SegmentRules()),
    )  # fmt: skip
    body, doc_id = decide_and_document(
        session,
        organization_id=organization_id,
        key_name=key_name,
        run=run,
        price_book=pb,
        purchase=purchase,
        pack_terms=terms,
        ask=ask,
        data_facts=usage_profile(session, organization_id, run.history),
        usage_facts=stored_usage_facts(session, organization_id, run.history),
        sections=sections,
    )
    rec = Recommendation(
        id=uuid.UUID(body["id"]),
        organization_id=organization_id,
        forecast_id=run.row.id,
        document_id=doc_id,
        created_at=now(),
        purchase_date=purchase,
        objective=ask.objective,
        body=body,
    )
    session.add(rec)
    session.flush()
    return rec


def decide_and_document(
    session: Session,
    *,
    organization_id: uuid.UUID,
    key_name: str,
    run: ForecastRun,
    price_book: PriceBook,
    purchase: date,
    pack_terms: list[PackTerms],
    ask: DecisionAsk,
    data_facts: dict[str, Any],
    usage_facts: dict[str, Any],
    sections: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], uuid.UUID]:
    """Price every quantity over the run's paths, write the document, return the reply body.
    `sections`: the insights and hybrid facts (`document_sections`), None for none."""
    org = session.get(Organization, organization_id)
    rec_id, created = uuid.uuid4(), now()
    priced = price_and_report(
        run=run,
        price_book=price_book,
        purchase=purchase,
        pack_terms=pack_terms,
        ask=ask,
        facts=DocumentFacts(
            org.name if org else "", key_name, data_facts, usage_facts, sections=sections
        ),
        recommendation_id=rec_id,
        created_at=created,
    )
    doc = docs.store_document(
        session,
        organization_id=organization_id,
        report=priced.report,
        kind="recommendation",
        title=f"Token purchase recommendation for {purchase.isoformat()}",
        created_at=created,
    )
    body = priced.body
    body.update(
        {
            "id": str(rec_id),
            "created_at": created.isoformat(),
            "forecast_id": str(run.row.id),
            "seed": run.row.seed,
            "warnings": list(run.row.body.get("warnings", [])),
            "inputs_sha256": priced.inputs_sha256,
            "document": {"id": str(doc.id), "sha256": doc.sha256, "links": docs.links(doc.id)},
        }
    )
    return body, doc.id


def _forecast_for(
    session: Session,
    organization_id: uuid.UUID,
    purchase_date: date | None,
    forecast_id: uuid.UUID | None,
    pb: PriceBook,
    seed: int | None,
    limits: ForecastLimits,
) -> ForecastRun:
    if forecast_id is not None:
        row = get_forecast(session, organization_id, forecast_id)
        history = history_series(session, organization_id, as_of=row.as_of)
        if history.end + timedelta(days=1) != row.first_day:
            raise UnprocessableError(
                f"forecast_id: usage up to {row.as_of.isoformat()} changed since forecast "
                f"{forecast_id} was made; create a new forecast"
            )
        return ForecastRun(row, history, unpack_paths(row.paths))
    as_of = None if purchase_date is None else purchase_date - timedelta(days=1)
    history = history_series(session, organization_id, as_of=as_of)
    purchase = purchase_date or history.end + timedelta(days=1)
    horizon = forecast_horizon(history, purchase, pb, limits)
    return create_forecast(
        session,
        organization_id=organization_id,
        horizon_days=horizon,
        as_of=as_of,
        model="auto",
        n_paths=limits.n_paths,
        seed=seed,
        history=history,
    )


def forecast_horizon(
    history: DailySeries, purchase: date, pb: PriceBook, limits: ForecastLimits
) -> int:
    """Days from the day after the history to the new pack's expiry, within the service limit."""
    horizon = (purchase - history.end).days - 1 + pb.validity_days
    if horizon > limits.max_horizon_days:
        raise UnprocessableError(
            f"purchase_date: the usage data ends on {history.end.isoformat()}; a pack bought on "
            f"{purchase.isoformat()} and valid {pb.validity_days} days needs a {horizon}-day "
            f"forecast, more than the {limits.max_horizon_days} days this service allows"
        )
    return horizon


def get_recommendation(
    session: Session, organization_id: uuid.UUID, recommendation_id: uuid.UUID
) -> Recommendation:
    row = session.get(Recommendation, recommendation_id)
    if row is None or row.organization_id != organization_id:
        raise NotFoundError(f"recommendation {recommendation_id} not found")
    return row
