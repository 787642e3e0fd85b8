"""Recommendations: forecast -> optimizer -> document, stored together."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from app.db.tables import Forecast, Organization, Recommendation, TokenPack
from app.errors import NotFoundError, UnprocessableError
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


def create_recommendation(
    session: Session,
    *,
    organization_id: uuid.UUID,
    key_name: str,
    purchase_date: date | None,
    objective: str,
    forecast_id: uuid.UUID | None,
    seed: int | None,
    n_paths: int,
    max_horizon_days: int,
) -> Recommendation:
    book_row = get_price_book_row(session, organization_id)
    pb = to_core_price_book(book_row)
    limits = ForecastLimits(n_paths, max_horizon_days)
    run = _forecast_for(session, organization_id, purchase_date, forecast_id, pb, seed, limits)
    purchase = purchase_date or run.row.first_day
    _check_covers(run.row, purchase, pb)
    packs = existing_packs(session, organization_id, run.history, purchase)
    last_year = last_year_consumption(run.history)
    decision = decide(
        run.paths,
        run.row.first_day,
        packs,
        pb,
        purchase,
        last_year_consumption_tokens=last_year,
        objective=Objective(objective),
    )
    rec_id = uuid.uuid4()
    body = decision_body(decision, pb)
    org = session.get(Organization, organization_id)
    assert org is not None
    inputs = inputs_digest(run.history, packs, pb)
    report = build_report(
        org_name=org.name,
        key_name=key_name,
        recommendation_id=rec_id,
        decision=decision,
        body=body,
        forecast_row=run.row,
        history=run.history,
        paths=run.paths,
        packs=packs,
        price_book=pb,
        price_book_facts=price_book_facts(pb),
        inputs_sha256=inputs,
        data_facts=usage_profile(session, organization_id, run.history),
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
    rec = Recommendation(
        id=rec_id,
        organization_id=organization_id,
        forecast_id=run.row.id,
        document_id=doc.id,
        created_at=now(),
        purchase_date=purchase,
        objective=objective,
        body=body,
    )
    session.add(rec)
    session.flush()
    return rec


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
    first_day = history.end + timedelta(days=1)
    purchase = purchase_date or first_day
    horizon = (purchase - first_day).days + pb.validity_days
    if horizon > limits.max_horizon_days:
        raise UnprocessableError(
            f"purchase_date: the usage data ends on {history.end.isoformat()}; a pack bought on "
            f"{purchase.isoformat()} and valid {pb.validity_days} days needs a {horizon}-day "
            f"forecast, more than the {limits.max_horizon_days} days this service allows"
        )
    return create_forecast(
        session,
        organization_id=organization_id,
        horizon_days=horizon,
        as_of=as_of,
        model="auto",
        n_paths=limits.n_paths,
        seed=seed,
    )


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


def existing_packs(
    session: Session, organization_id: uuid.UUID, history: DailySeries, purchase: date
) -> list[Pack]:
    """Packs bought before the purchase, with what the real usage left in them."""
    rows: list[TokenPack] = packs_before(session, organization_id, purchase)
    if not rows:
        return []
    core = [Pack(r.purchased_on, r.tokens, float(r.tokens), r.expires_on) for r in rows]
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
