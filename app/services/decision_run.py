"""A forecast run priced into a decision and the report its document shows (no I/O).

Shared by the stored recommendation, the stateless plan and the reproduction of a stored
recommendation, so all three compute the same facts the same way.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from app.db.tables import Forecast
from app.documents.report import Report
from app.errors import UnprocessableError
from app.observability.metrics import OPTIMIZER_SECONDS
from app.services.decision_view import decision_body, price_book_facts
from app.services.forecasts import ForecastRun
from app.services.report_builder import build_report, cover_facts
from models.decision import decide, replay_balance
from models.decision.types import Objective, Pack, PriceBook
from models.series import DailySeries

MIN_DAYS_FOR_LAST_YEAR = 90


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


@dataclass(frozen=True)
class DocumentFacts:
    """What the document says beside the decision: who asked, and the data that went in."""

    org_name: str
    key_name: str
    data: dict[str, Any]
    usage: dict[str, Any]
    # {"insights": ..., "hybrid": ...} of a stored recommendation (app/services/insight_document)
    sections: dict[str, Any] | None = None


@dataclass(frozen=True)
class Priced:
    """A decision's reply body (without ids and links), its inputs' hash and its report."""

    body: dict[str, Any]
    inputs_sha256: str
    report: Report


def price_and_report(
    *,
    run: ForecastRun,
    price_book: PriceBook,
    purchase: date,
    pack_terms: list[PackTerms],
    ask: DecisionAsk,
    facts: DocumentFacts,
    recommendation_id: uuid.UUID,
    created_at: datetime,
) -> Priced:
    """Price every quantity over the run's paths and gather the document's report; no I/O."""
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
    body = decision_body(decision, price_book)
    body["days_of_cover"] = cover_facts(
        run.paths, run.row.first_day, packs, purchase, price_book, decision.chosen.quantity
    )
    inputs = inputs_digest(run.history, packs, price_book)
    report = build_report(
        org_name=facts.org_name,
        key_name=facts.key_name,
        recommendation_id=recommendation_id,
        decision=decision,
        body=body,
        forecast_row=run.row,
        history=run.history,
        paths=run.paths,
        packs=packs,
        price_book=price_book,
        price_book_facts=price_book_facts(price_book),
        inputs_sha256=inputs,
        data_facts=facts.data,
        usage_facts=facts.usage,
        sections=facts.sections,
        created_at=created_at,
    )
    return Priced(body, inputs, report)


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
