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
from typing import Any

from sqlalchemy.orm import Session

from app.schemas.insights import FINDING_KINDS, Finding
from app.services.forecasts import ForecastRun
from app.services.hybrid import purchase_with_and_without
from app.services.insight_views import findings, insights_read
from app.services.insights import InsightRules, compute_insights
from app.services.recommendations import DecisionAsk, PackTerms
from models.decision.types import PriceBook

DOCUMENT_TOP = 10


def insights_facts(
    session: Session,
    *,
    organization_id: uuid.UUID,
    as_of: date | None,
    rules: InsightRules,
    top: int = DOCUMENT_TOP,
) -> dict[str, Any]:
    """The insights section of a document, JSON-ready (money as decimal strings): the window,
    the token price, the summary, and the `top` findings of each kind with the count of each.

    `as_of` is the last day of usage the document's forecast used (for a recommendation: the
    day before the purchase date, or None for the latest data).
    """
    ins = compute_insights(session, organization_id=organization_id, as_of=as_of, rules=rules)
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
) -> dict[str, Any]:
    """`{"insights": insights_facts(...), "hybrid": purchase_with_and_without(...) or None}`
    for a recommendation made from `run`, the insights as of the run's last day of history."""
    return {
        "insights": insights_facts(
            session, organization_id=organization_id, as_of=run.history.end, rules=rules
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
