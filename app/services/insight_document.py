"""The insights section of a recommendation document, and how to wire it.

Two functions give a document what it needs, JSON-ready (money as decimal strings):

- `insights_facts(session, organization_id=..., as_of=..., rules=...)`: the window, the token
  price, the summary (segments, migration candidates and the saving if moved, inactive users,
  dormant burn, product selection, off-hours burn, short launches) and the top findings of each
  kind with their counts;
- `app.services.hybrid.purchase_with_and_without(session, organization_id=..., run=...,
  price_book=..., purchase=..., pack_terms=..., ask=...)`: the chosen purchase with the live
  licence-mix changes and without them, the subscriptions' cost over the pack's life and the
  expected saving; None when there is no licence-mix change.

`document_sections` calls both with the arguments `decide_and_document`
(app/services/recommendations.py) already holds: its result goes into the report's facts as
`facts["insights"]` and `facts["hybrid"]` (the latter may be None), with
`rules=InsightRules.from_settings(settings)`.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.errors import UnprocessableError
from app.schemas.insights import FINDING_KINDS, Finding
from app.services.decision_run import DecisionAsk, PackTerms
from app.services.forecasts import ForecastRun
from app.services.hybrid import purchase_with_and_without
from app.services.insight_views import findings, insights_read, thresholds
from app.services.insights import InsightRules, TokenPrice, compute_insights
from models.decision.types import PriceBook
from models.insights.segments import SegmentRules

DOCUMENT_TOP = 10


def insights_facts(
    session: Session,
    *,
    organization_id: uuid.UUID,
    as_of: date | None,
    rules: InsightRules,
    top: int = DOCUMENT_TOP,
    token_price: TokenPrice | None = None,
) -> dict[str, Any]:
    """The insights section of a document, JSON-ready (money as decimal strings): the window,
    the token price, the summary, and the `top` findings of each kind with the count of each.

    `as_of` is the last day of usage the document's forecast used (for a recommendation: the
    day before the purchase date, or None for the latest data).
    """
    ins = compute_insights(
        session, organization_id=organization_id, as_of=as_of, rules=rules, token_price=token_price
    )
    read = insights_read(ins, kind=None, limit=0, offset=0)
    by_kind: dict[str, list[Finding]] = {k: [] for k in FINDING_KINDS}
    for f in findings(ins):
        by_kind[f.kind].append(f)
    body = read.model_dump(mode="json", exclude={"findings", "total", "limit", "offset"})
    body["findings"] = {
        k: {"count": len(v), "top": [f.model_dump(mode="json") for f in v[:top]]}
        for k, v in by_kind.items()
    }
    return body


def document_sections(
    session: Session,
    *,
    organization_id: uuid.UUID,
    run: ForecastRun,
    price_book: PriceBook,
    purchase: date,
    pack_terms: list[PackTerms],
    ask: DecisionAsk,
    rules: InsightRules,
    token_price: TokenPrice | None = None,
) -> dict[str, Any]:
    """`{"insights": ..., "hybrid": purchase_with_and_without(...) or None}` for a
    recommendation made from `run`, the insights as of the run's last day of history.

    `insights` is `insights_facts(...)` with `"available": true`, or, when the stored usage
    cannot give them (no usage, or no per-user rows), `"available": false` with the reason and
    the thresholds asked for (so a reproduction asks the same).
    """
    return {
        "insights": available_insights(
            session,
            organization_id=organization_id,
            as_of=run.history.end,
            rules=rules,
            token_price=token_price,
        ),
        "hybrid": purchase_with_and_without(
            session,
            organization_id=organization_id,
            run=run,
            price_book=price_book,
            purchase=purchase,
            pack_terms=pack_terms,
            ask=ask,
        ),
    }


def available_insights(
    session: Session,
    *,
    organization_id: uuid.UUID,
    as_of: date | None,
    rules: InsightRules,
    token_price: TokenPrice | None = None,
) -> dict[str, Any]:
    """`insights_facts` marked available, or why they are not (never raises for missing data)."""
    try:
        body = insights_facts(
            session, organization_id=organization_id, as_of=as_of, rules=rules,
            token_price=token_price,
        )  # fmt: skip
    except UnprocessableError as exc:
        return _unavailable(exc.detail, rules)
    if not body["summary"]["users"]:
        notes = [str(n) for n in body.get("notes", [])]
        per_user = [n for n in notes if "per-user" in n]
        return _unavailable((per_user or notes or ["the usage has no per-user rows"])[0], rules)
    return {"available": True, **body}


def _unavailable(reason: str, rules: InsightRules) -> dict[str, Any]:
    return {
        "available": False,
        "reason": reason,
        "thresholds": thresholds(rules).model_dump(mode="json"),
    }


def rules_from_facts(facts: dict[str, Any]) -> InsightRules:
    """The rules a stored document's insights were computed with (its `thresholds` read back)."""
    t = facts["thresholds"]
    return InsightRules(
        SegmentRules(
            power_days_per_week=float(t["power_days_per_week"]),
            occasional_days_per_year=float(t["occasional_days_per_year"]),
            inactive_after_days=int(t["inactive_after_days"]),
        ),
        window_days=int(t["window_days"]),
        sustained_days_per_week=int(t["sustained_days_per_week"]),
    )


def token_price_from_facts(facts: dict[str, Any]) -> TokenPrice | None:
    """The token price a stored document's insights used, None when they had none."""
    price = facts.get("token_price")
    if not isinstance(price, dict):
        return None
    return TokenPrice(
        Decimal(price["unit_price"]), price["currency"], price["source"], price["explanation"]
    )
