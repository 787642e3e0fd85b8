"""The stateless plan: usage, packs, price book and changes inline; only the document is stored."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from app.errors import UnprocessableError
from app.ingest.records import UsageRecord
from app.schemas.plan import PlanCreate
from app.services.changes import PROFILE_WINDOW_DAYS, to_core_changes
from app.services.forecasts import build_forecast
from app.services.pricing import price_book_from_body
from app.services.recommendations import (
    DecisionAsk,
    ForecastLimits,
    PackTerms,
    decide_and_document,
    forecast_horizon,
)
from app.services.usage import records_from_json, user_key_function
from app.services.usage_facts import BoughtPack, usage_facts
from models.changes import UserProfiles, build_user_profiles, usage_from_rows
from models.series import DailySeries


def plan(
    session: Session,
    *,
    organization_id: uuid.UUID,
    key_name: str,
    body: PlanCreate,
    user_key_secret: str | None,
    limits: ForecastLimits,
) -> dict[str, Any]:
    to_key = user_key_function(user_key_secret)
    records = records_from_json(body.usage, to_key)
    pb = price_book_from_body(body.price_book)
    as_of = None if body.purchase_date is None else body.purchase_date - timedelta(days=1)
    history = series_from_records(records, as_of)
    purchase = body.purchase_date or history.end + timedelta(days=1)
    run = build_forecast(
        organization_id=organization_id,
        history=history,
        horizon_days=forecast_horizon(history, purchase, pb, limits),
        as_of=as_of,
        model="auto",
        n_paths=limits.n_paths,
        seed=body.seed,
        changes=to_core_changes(list(body.changes), to_key),
        profiles=lambda: profiles_from_records(records, history.end),
        country=body.country,
    )
    terms = [
        PackTerms(
            p.purchased_on, p.tokens, p.expires_on or p.purchased_on + timedelta(pb.validity_days)
        )
        for p in body.packs
        if p.purchased_on < purchase
    ]
    recommendation, _ = decide_and_document(
        session,
        organization_id=organization_id,
        key_name=key_name,
        run=run,
        price_book=pb,
        purchase=purchase,
        pack_terms=terms,
        ask=DecisionAsk(purchase, body.objective, body.cvar_level, body.service_level),
        data_facts=data_facts(records, history),
        usage_facts=records_usage_facts(records, history, body),
    )
    later = sum(1 for p in body.packs if p.purchased_on >= purchase)
    if later:
        recommendation["warnings"].append(
            f"{later} pack(s) bought on or after the purchase date {purchase.isoformat()} were "
            "left out: only packs already held count."
        )
    forecast = dict(run.row.body)
    if not body.include_daily:
        forecast["daily"] = []
    return {"recommendation": recommendation, "forecast": forecast}


def series_from_records(records: list[UsageRecord], as_of: date | None) -> DailySeries:
    totals: dict[date, float] = defaultdict(float)
    for rec in records:
        if as_of is None or rec.day <= as_of:
            totals[rec.day] += float(rec.tokens)
    if not totals:
        raise UnprocessableError(
            f"usage: no records on or before {as_of.isoformat() if as_of else 'the purchase'}"
        )
    start, end = min(totals), max(totals)
    days = (end - start).days + 1
    values = [totals.get(start + timedelta(days=i), 0.0) for i in range(days)]
    return DailySeries(start, np.asarray(values, dtype=np.float64))


def profiles_from_records(records: list[UsageRecord], end: date) -> UserProfiles:
    start = end - timedelta(days=PROFILE_WINDOW_DAYS - 1)
    rows = (
        (r.day, r.user_key, r.product, float(r.tokens)) for r in records if start <= r.day <= end
    )
    return build_user_profiles(usage_from_rows(start, end, rows))


def data_facts(records: list[UsageRecord], history: DailySeries) -> dict[str, Any]:
    used = [r for r in records if history.start <= r.day <= history.end]
    return {
        "rows": len(used),
        "first_day": history.start.isoformat(),
        "last_day": history.end.isoformat(),
        "days": history.n_days,
        "zero_days": int((history.tokens_per_day == 0).sum()),
        "total_tokens": round(float(history.tokens_per_day.sum()), 3),
        "products": len({r.product for r in used if r.product}),
        "users": len({r.user_key for r in used if r.user_key}),
        "sources": ["json (POST /v1/plan)"],
    }


def records_usage_facts(
    records: list[UsageRecord], history: DailySeries, body: PlanCreate
) -> dict[str, Any]:
    """The document's usage section from the request's own records and packs."""
    used = [r for r in records if history.start <= r.day <= history.end]
    per_product: dict[tuple[date, str], float] = defaultdict(float)
    for rec in used:
        per_product[(rec.day, rec.product)] += float(rec.tokens)
    user_days = {(r.day, r.user_key) for r in used if r.user_key}
    validity = body.price_book.validity_days
    packs = [
        BoughtPack(p.purchased_on, p.tokens, p.unit_price,
                   p.expires_on or p.purchased_on + timedelta(days=validity))
        for p in body.packs
    ]  # fmt: skip
    product_days = ((day, product, tokens) for (day, product), tokens in per_product.items())
    return usage_facts(product_days, sorted(user_days), history, packs)
