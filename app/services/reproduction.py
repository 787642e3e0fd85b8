"""Recompute a stored recommendation from its stored inputs and seed, and compare.

The forecast is made again from the organization's stored usage up to the forecast's `as_of`,
with the known changes it used (deleted ones included: they are kept for this), the model asked
for, the country and the recorded seed; the decision is priced again with the price book written
in the document (not today's) and the packs held at the purchase date; the document's facts are
gathered again with the stored ids, names and creation time; the usage insights with the
thresholds the document recorded, the purchase with and without the licence-mix changes with the
live changes and named-user prices (a change or price edited since shows as a difference).
Nothing is stored. With the same inputs and library versions the JSON rendering comes out byte
for byte the same.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.tables import Document, Forecast, KnownChange
from app.documents import render_json
from app.services import changes as change_svc
from app.services.decision_run import DecisionAsk, DocumentFacts, PackTerms, price_and_report
from app.services.forecasts import build_forecast, pack_paths
from app.services.insight_document import (
    document_sections,
    rules_from_facts,
    token_price_from_facts,
)
from app.services.organizations import organization_country
from app.services.pricing import packs_before
from app.services.recommendations import get_recommendation
from app.services.usage import history_series, usage_profile
from app.services.usage_facts import stored_usage_facts
from models.changes import Change
from models.decision.types import PriceBook, Tier, TierKind

MAX_DIFFERENCES = 20


@dataclass(frozen=True)
class Reproduction:
    recommendation_id: uuid.UUID
    quantity: tuple[int, int]
    inputs_sha256: tuple[str, str]
    facts_sha256: tuple[str, str]
    paths_match: bool
    differences: list[str]
    seed: int
    model: str

    @property
    def reproduced(self) -> bool:
        return self.quantity[0] == self.quantity[1] and self.facts_sha256[0] == self.facts_sha256[1]


def reproduce_recommendation(
    session: Session, organization_id: uuid.UUID, recommendation_id: uuid.UUID
) -> Reproduction:
    rec = get_recommendation(session, organization_id, recommendation_id)
    row = session.get(Forecast, rec.forecast_id)
    doc = session.get(Document, rec.document_id)
    assert row is not None and doc is not None  # foreign keys
    stored = json.loads(doc.json_body)
    history = history_series(session, organization_id, as_of=row.as_of)
    run = build_forecast(
        organization_id=organization_id,
        history=history,
        horizon_days=row.horizon_days,
        as_of=row.as_of,
        model=_model_asked(row),
        n_paths=row.n_paths,
        seed=row.seed,
        changes=_changes_used(session, organization_id, row),
        profiles=lambda: change_svc.user_profiles(session, organization_id, history.end),
        country=row.body.get("country", organization_country(session, organization_id)),
    )
    run.row.id = row.id  # the same forecast, made again: its facts carry the stored id
    book = price_book_from_facts(stored["assumptions"]["price_book"])
    terms = [
        PackTerms(p.purchased_on, p.tokens, p.expires_on)
        for p in packs_before(session, organization_id, rec.purchase_date)
    ]
    ask = _ask(rec.body, rec.purchase_date, rec.objective)
    sections = None  # documents stored before the insights section have none
    if "insights" in stored:
        sections = document_sections(
            session, organization_id=organization_id, run=run, price_book=book,
            purchase=rec.purchase_date, pack_terms=terms, ask=ask,
            rules=rules_from_facts(stored["insights"]),
            token_price=token_price_from_facts(stored["insights"]),
        )  # fmt: skip
    priced = price_and_report(
        run=run,
        price_book=book,
        purchase=rec.purchase_date,
        pack_terms=terms,
        ask=ask,
        facts=DocumentFacts(
            org_name=stored["document"]["organization"],
            key_name=stored["reproducibility"]["requested_by_key"],
            data=usage_profile(session, organization_id, history),
            usage=stored_usage_facts(session, organization_id, history),
            sections=sections,
        ),
        recommendation_id=rec.id,
        created_at=datetime.fromisoformat(stored["document"]["created_at"]),
    )  # fmt: skip
    again = render_json(priced.report, document_id=str(doc.id))
    return Reproduction(
        recommendation_id=rec.id,
        quantity=(int(rec.body["quantity"]), int(priced.body["quantity"])),
        inputs_sha256=(str(rec.body.get("inputs_sha256", "")), priced.inputs_sha256),
        facts_sha256=(doc.sha256, hashlib.sha256(again).hexdigest()),
        paths_match=pack_paths(run.paths) == row.paths,
        differences=differences(stored, json.loads(again))[:MAX_DIFFERENCES],
        seed=row.seed,
        model=run.row.model,
    )


def _model_asked(row: Forecast) -> str:
    asked = row.body.get("model_requested")
    if isinstance(asked, str):
        return asked
    # Forecasts stored before the request was recorded: several candidates mean "auto".
    return "auto" if len(row.body.get("candidates", [])) > 1 else row.model


def _changes_used(session: Session, organization_id: uuid.UUID, row: Forecast) -> list[Change]:
    """The known changes the forecast applied, in the order it applied them."""
    ids = [str(effect["change_id"]) for effect in row.body.get("changes", [])]
    if not ids:
        return []
    rows = session.scalars(
        select(KnownChange)
        .where(KnownChange.organization_id == organization_id)
        .where(KnownChange.id.in_([uuid.UUID(i) for i in ids]))
    ).all()
    by_id = {str(r.id): r for r in rows}
    return [change_svc.stored_body(by_id[i]).to_core(i) for i in ids if i in by_id]


def _ask(body: dict[str, Any], purchase: Any, objective: str) -> DecisionAsk:
    level = body.get("objective_level")
    cvar = float(level) if objective == "cvar" and level is not None else 0.95
    service = float(level) if objective == "service_level" and level is not None else 0.95
    return DecisionAsk(purchase, objective, cvar, service)


def price_book_from_facts(facts: dict[str, Any]) -> PriceBook:
    """The price book as the document recorded it (`price_book_facts` read back)."""
    return PriceBook(
        currency=facts["currency"],
        minimum_purchase=int(facts["minimum_purchase"]),
        pack_increment=int(facts["pack_increment"]),
        validity_days=int(facts["validity_days"]),
        tier_kind=TierKind(facts["tier_kind"]),
        tiers=tuple(Tier(int(t["min_tokens"]), Decimal(t["unit_price"])) for t in facts["tiers"]),
        top_up_price=Decimal(facts["top_up_price"]),
        top_up_lead_days=int(facts.get("top_up_lead_days", 0)),
        blocked_day_cost=Decimal(facts.get("blocked_day_cost", "0")),
        top_up_block_tokens=int(facts.get("top_up_block_tokens", 0)),
    )


def differences(stored: Any, again: Any, where: str = "$") -> list[str]:
    """JSON paths at which two documents differ (each value compared exactly)."""
    if isinstance(stored, dict) and isinstance(again, dict):
        out = [f"{where}.{key}" for key in sorted(set(stored) ^ set(again))]
        for key in sorted(set(stored) & set(again)):
            out += differences(stored[key], again[key], f"{where}.{key}")
        return out
    if isinstance(stored, list) and isinstance(again, list) and len(stored) == len(again):
        return [d for i, (a, b) in enumerate(zip(stored, again, strict=True))
                for d in differences(a, b, f"{where}[{i}]")]  # fmt: skip
    return [] if stored == again and type(stored) is type(again) else [where]
