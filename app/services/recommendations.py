"""Recommendations: forecast -> optimizer -> document, stored together."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from app.db.tables import Forecast, Organization, Recommendation
from app.errors import NotFoundError, UnprocessableError
from app.observability.metrics import OPTIMIZER_SECONDS
from app.services import documents as docs
from app.services.decision_view import decision_body, price_book_facts
from app.services.forecasts import ForecastRun, create_forecast, get_forecast, unpack_paths
from app.services.keys import now
from app.services.pricing import get_price_book_row, packs_before, to_core_price_book
from app.services.report_builder import build_report
from app.services.usage import history_series, usage_profile
from models.decision import decide, replay_balance
from models.decision.types import Objective, Pack, PriceBook
from models.series import DailySeries

MIN_DAYS_FOR_LAST_YEAR = 90


@dataclass(frozen=True)
class ForecastLimits:
    n_paths: int
    max_horizon_days: int


@dataclass(frozen=True)
class DecisionAsk:
    """What the caller asks the optimizer: when to buy and by which measure."""

    purchase_date: date | None
    objective: str = "expected_cost"
    cvar_level: float = 0.95
    service_level: float = 0.95


@dataclass(frozen=True)
class PackTerms:
    """A pack as bought: the replay of real usage decides what is left of it."""

    purchased_on: date
    tokens: int
    expires_on: date


def create_recommendation(
    session: Session,
    *,
    organization_id: uuid.UUID,
    key_name: str,
    ask: DecisionAsk,
    forecast_id: uuid.UUID | None,
    seed: int | None,
    limits: ForecastLimits,
) -> Recommendation:
    pb = to_core_price_book(get_price_book_row(session, organization_id))
    run = _forecast_for(session, organization_id, ask.purchase_date, forecast_id, pb, seed, limits)
    purchase = ask.purchase_date or run.row.first_day
    terms = [
        PackTerms(r.purchased_on, r.tokens, r.expires_on)
        for r in packs_before(session, organization_id, purchase)
    ]
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
) -> tuple[dict[str, Any], uuid.UUID]:
    """Price every quantity over the run's paths, write the document, return the reply body."""
    _check_covers(run.row, purchase, price_book)
    packs = existing_packs(run.history, pack_terms)
    with OPTIMIZER_SECONDS.labels(ask.objective).time():
        decision = decide(
            run.paths,
            run.row.first_day,
            packs,
            price_book,
            purchase,
            last_year_consumption_tokens=last_year_consumption(run.history),
            objective=Objective(ask.objective),
            cvar_alpha=ask.cvar_level,
            service_level=ask.service_level,
        )
    rec_id = uuid.uuid4()
    body = decision_body(decision, price_book)
    org = session.get(Organization, organization_id)
    inputs = inputs_digest(run.history, packs, price_book)
    report = build_report(
        org_name=org.name if org else "",
        key_name=key_name,
        recommendation_id=rec_id,
        decision=decision,
        body=body,
        forecast_row=run.row,
        history=run.history,
        paths=run.paths,
        packs=packs,
        price_book=price_book,
        price_book_facts=price_book_facts(price_book),
        inputs_sha256=inputs,
        data_facts=data_facts,
    )
    doc = docs.store_document(
        session,
        organization_id=organization_id,
        report=report,
        kind="recommendation",
        title=f"Token purchase recommendation for {purchase.isoformat()}",
    )
    body.update(
        {
            "id": str(rec_id),
            "created_at": now().isoformat(),
            "forecast_id": str(run.row.id),
            "seed": run.row.seed,
            "warnings": list(run.row.body.get("warnings", [])),
            "inputs_sha256": inputs,
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


def _check_covers(row: Forecast, purchase: date, pb: PriceBook) -> None:
    if purchase < row.first_day:
        raise UnprocessableError(
            f"purchase_date: {purchase.isoformat()} is before the forecast's first day "
            f"{row.first_day.isoformat()}"
        )
    needed_end = purchase + timedelta(days=pb.validity_days)
    have_end = row.first_day + timedelta(days=row.horizon_days)
    if have_end < needed_end:
        raise UnprocessableError(
            f"forecast_id: the forecast ends on {(have_end - timedelta(days=1)).isoformat()} but "
            f"a pack bought on {purchase.isoformat()} lives until "
            f"{(needed_end - timedelta(days=1)).isoformat()}; ask for a longer horizon"
        )


def existing_packs(history: DailySeries, terms: list[PackTerms]) -> list[Pack]:
    """Packs bought before the purchase, with what the real usage left in them."""
    if not terms:
        return []
    core = [Pack(t.purchased_on, t.tokens, float(t.tokens), t.expires_on) for t in terms]
    replay = replay_balance(history.tokens_per_day, history.start, core)
    return [
        Pack(b.pack.purchased_on, b.pack.tokens, b.remaining_tokens, b.pack.expires_on)
        for b in replay.packs
        if b.pack.expires_on > history.end + timedelta(days=1) and b.remaining_tokens > 0
    ]


def last_year_consumption(history: DailySeries) -> float | None:
    """Tokens used in the last 365 days (annualized when history is shorter, from 90 days)."""
    n = history.n_days
    if n >= 365:
        return float(history.tokens_per_day[-365:].sum())
    if n >= MIN_DAYS_FOR_LAST_YEAR:
        return float(history.tokens_per_day.sum()) * 365.0 / n
    return None


def inputs_digest(history: DailySeries, packs: list[Pack], pb: PriceBook) -> str:
    payload = {
        "history_start": history.start.isoformat(),
        "history": np.round(history.tokens_per_day, 3).tolist(),
        "packs": [
            [
                p.purchased_on.isoformat(),
                p.tokens,
                round(p.remaining_tokens, 3),
                p.expires_on.isoformat(),
            ]
            for p in packs
        ],
        "price_book": price_book_facts(pb),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def get_recommendation(
    session: Session, organization_id: uuid.UUID, recommendation_id: uuid.UUID
) -> Recommendation:
    row = session.get(Recommendation, recommendation_id)
    if row is None or row.organization_id != organization_id:
        raise NotFoundError(f"recommendation {recommendation_id} not found")
    return row
