"""The recommendation document's usage insights section and the purchase with and without the
licence-mix moves, checked against GET /v1/insights and the licence-mix facts."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy.orm import Session

from app.documents import formatting as fmt
from app.documents.schema import schema
from app.services.insight_document import available_insights
from app.services.insights import InsightRules
from models.insights.segments import SegmentRules
from tests.app.helpers import PRICE_BOOK, strict_json
from tests.app.insight_setup import load_synthetic
from tests.app.test_document_pdf import poppler
from tests.conftest import TOKENFLEX_CSV, Org

BASE_TOKENS = 1000  # a day, without a user: keeps every forecast path far above the moves
HEADING = "Usage insights"
HYBRID_HEADING = "The purchase with and without the moves"


def _with_base_load(client: TestClient, org: Org) -> Any:
    synth = load_synthetic(client, org)
    days = [synth.first_day + timedelta(days=i) for i in range(365)]
    records = [{"date": d.isoformat(), "product": "Base", "tokens": BASE_TOKENS} for d in days]
    assert client.post("/v1/usage", headers=org.headers, json={"records": records}).is_success
    return synth


def _recommend(client: TestClient, org: Org) -> dict[str, Any]:
    ask = {"horizon_days": 365, "model": "seasonal_naive", "seed": 11, "n_paths": 200}
    fc = client.post("/v1/forecasts", headers=org.headers, json=ask)
    assert fc.status_code == 201, fc.text
    reply = client.post("/v1/recommendations", headers=org.headers,
                        json={"forecast_id": strict_json(fc)["id"]})  # fmt: skip
    assert reply.status_code == 201, reply.text
    return dict(strict_json(reply))


def _document(client: TestClient, org: Org, rec: dict[str, Any]) -> tuple[dict[str, Any], str]:
    links = rec["document"]["links"]
    doc = client.get(links["json"], headers=org.headers)
    html = client.get(links["html"], headers=org.headers)
    assert doc.status_code == 200 and html.status_code == 200, (doc.text, html.text)
    body = dict(strict_json(doc))
    errors = list(Draft202012Validator(schema(), format_checker=FormatChecker()).iter_errors(body))
    assert errors == [], [e.message for e in errors]
    return body, unescape(html.text)


def _reproduction(client: TestClient, org: Org, rec: dict[str, Any]) -> dict[str, Any]:
    done = client.get(f"/v1/recommendations/{rec['id']}/reproduction", headers=org.headers)
    assert done.status_code == 200, done.text
    return dict(strict_json(done))


def _reproduces(client: TestClient, org: Org, rec: dict[str, Any]) -> None:
    got = _reproduction(client, org, rec)
    assert got["reproduced"] is True, got["differences"]


def test_the_document_shows_the_insights_and_the_purchase_with_and_without_the_moves(
    client: TestClient, org: Org, tmp_path: Path
) -> None:
    synth = _with_base_load(client, org)
    reply = client.get("/v1/insights", headers=org.headers, params={"limit": 1000})
    api = dict(strict_json(reply))
    rec = _recommend(client, org)
    doc, html = _document(client, org, rec)
    ins = doc["insights"]
    assert ins["available"] is True and ins["as_of"] == synth.last_day.isoformat()
    assert ins["summary"] == api["summary"]
    assert ins["window"] == api["window"] and ins["thresholds"] == api["thresholds"]
    candidates = [f for f in api["findings"] if f["kind"] == "migration_candidate"]
    top = ins["findings"]["migration_candidate"]
    assert top["count"] == len(candidates) == api["summary"]["migration_candidates"] > 0
    assert top["top"] == candidates[:10]
    assert doc["hybrid"] is None  # no licence-mix change yet
    assert HEADING in html and HYBRID_HEADING not in html
    best = candidates[0]
    assert best["user"] in html and fmt.money(best["annual_saving"], "USD") in html
    assert fmt.money(api["summary"]["annual_saving_if_moved"], "USD") in html
    _reproduces(client, org, rec)

    applied = client.post("/v1/insights/apply", headers=org.headers,
                          json={"all_candidates": True})  # fmt: skip
    assert applied.status_code in (200, 201), applied.text
    moved = {(m["user"], m["product"]) for m in strict_json(applied)["moves"]}
    rec = _recommend(client, org)
    doc, html = _document(client, org, rec)
    hybrid = doc["hybrid"]
    with_q, without_q = hybrid["with"]["quantity"], hybrid["without"]["quantity"]
    assert with_q < without_q
    assert rec["quantity"] == with_q  # the forecast takes the moves in: the chosen purchase
    named = sum(synth.named_user_prices[p] for _, p in moved)  # a whole year of the pack's life
    subs = Decimal(hybrid["subscriptions"]["cost_over_pack_life"])
    assert subs == named.quantize(Decimal("0.01"))
    assert Decimal(hybrid["with_total_expected_cost"]) == (
        Decimal(hybrid["with"]["expected_cost"]) + subs
    )
    assert HYBRID_HEADING in html
    section = html[html.index(HYBRID_HEADING) :]
    for text in (fmt.tokens(with_q), fmt.tokens(without_q), fmt.money(subs, "USD"),
                 fmt.money(hybrid["with_total_expected_cost"], "USD")):  # fmt: skip
        assert text in section, text
    again = _reproduction(client, org, rec)
    assert again["paths_match"] is True and again["quantity"]["match"] is True
    # Every fact comes out the same, the decision and both hybrid sides included: the paths
    # are priced at the precision they are stored in, fractional ones too.
    assert again["differences"] == [] and again["reproduced"] is True
    pdf = client.get(rec["document"]["links"]["pdf"], headers=org.headers)
    assert pdf.status_code == 200, pdf.text
    text = " ".join(poppler("pdftotext", pdf.content, tmp_path).split())
    order = ["Known changes", HEADING, "Users by segment", HYBRID_HEADING, "Assumptions"]
    at = [text.find(heading) for heading in order]
    assert -1 not in at and at == sorted(at), at
    assert (
        fmt.tokens(with_q) in text[at[3] : at[4]] and fmt.tokens(without_q) in text[at[3] : at[4]]
    )


def test_without_users_the_document_says_why_there_are_no_insights(
    client: TestClient, org: Org
) -> None:
    files = {"file": (TOKENFLEX_CSV.name, TOKENFLEX_CSV.read_bytes(), "text/csv")}
    assert client.post("/v1/usage/imports", headers=org.headers, files=files).is_success
    assert client.put("/v1/price-book", headers=org.headers, json=PRICE_BOOK).is_success
    rec = _recommend(client, org)
    doc, html = _document(client, org, rec)
    assert doc["insights"]["available"] is False
    assert "no per-user rows" in doc["insights"]["reason"]
    assert doc["hybrid"] is None
    assert HEADING in html and "Not available: The usage has no per-user rows" in html
    _reproduces(client, org, rec)


def test_an_organization_without_usage_has_no_insights_and_no_error(
    session: Session, org: Org
) -> None:
    rules = InsightRules(SegmentRules(), window_days=200)
    got = available_insights(session, organization_id=org.id, as_of=None, rules=rules)
    assert got["available"] is False and "has no usage yet" in got["reason"]
    assert got["thresholds"]["window_days"] == 200
    stranger = available_insights(session, organization_id=uuid.uuid4(), as_of=None, rules=rules)
    assert stranger["available"] is False
