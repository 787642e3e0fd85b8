"""GET /v1/documents and /v1/documents/{id}: three formats from one stored document, each with the
SHA-256 of the bytes served; PDFs stored the first time; the list; the published schema."""

from __future__ import annotations

import hashlib
import re
import subprocess
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.tables import DocumentRendering
from app.services.documents import store_document
from tests.app.doc_fixtures import sample_report
from tests.app.helpers import PRICE_BOOK, assert_error, strict_json
from tests.app.system_tools import require_program
from tests.conftest import Org

PRODUCTS = (("Revit", 10), ("AutoCAD", 7), ("Navisworks Manage", 9))


def records(days: int = 240) -> list[dict[str, Any]]:
    """Weekday usage by eight users on three products, from Monday 2024-01-01."""
    out = []
    for i in range(days):
        day = date(2024, 1, 1) + timedelta(days=i)
        if day.weekday() >= 5:
            continue
        for user in range(8 + (i * 7) % 5):
            product, rate = PRODUCTS[(user + i) % 3]
            out.append({"date": day.isoformat(), "user": f"u{user}", "product": product,
                        "tokens": rate})  # fmt: skip
    return out


def recommend(client: TestClient, org: Org, model: str = "seasonal_naive") -> dict[str, Any]:
    assert client.post("/v1/usage", headers=org.headers,
                       json={"records": records()}).status_code == 201  # fmt: skip
    assert client.put("/v1/price-book", headers=org.headers, json=PRICE_BOOK).status_code == 200
    pack = {"purchased_on": "2024-02-01", "tokens": 30000, "unit_price": "2.85"}
    assert client.post("/v1/purchases", headers=org.headers, json=pack).status_code == 201
    ask = {"horizon_days": 365, "model": model, "seed": 11}
    fc = client.post("/v1/forecasts", headers=org.headers, json=ask)
    assert fc.status_code == 201, fc.text
    reply = client.post("/v1/recommendations", headers=org.headers,
                        json={"forecast_id": strict_json(fc)["id"]})  # fmt: skip
    assert reply.status_code == 201, reply.text
    return dict(strict_json(reply))


def test_three_formats_each_hashed_tagged_and_named(client: TestClient, org: Org) -> None:
    rec = recommend(client, org)
    doc = rec["document"]
    assert doc["links"]["pdf"] == f"/v1/documents/{doc['id']}?format=pdf"
    expected = {"json": "application/json", "html": "text/html", "pdf": "application/pdf"}
    served = {}
    for fmt, media in expected.items():
        by_query = client.get(f"/v1/documents/{doc['id']}?format={fmt}", headers=org.headers)
        by_accept = client.get(f"/v1/documents/{doc['id']}",
                               headers={**org.headers, "Accept": media})  # fmt: skip
        for reply in (by_query, by_accept):
            assert reply.status_code == 200, reply.text
            assert reply.headers["content-type"].startswith(media)
            digest = hashlib.sha256(reply.content).hexdigest()
            assert reply.headers["etag"] == f'"{digest}"'
            assert reply.headers["x-content-sha256"] == digest
            assert reply.headers["x-document-sha256"] == doc["sha256"]
            day = rec["created_at"][:10]
            suffix = "-a4.pdf" if fmt == "pdf" else f".{fmt}"
            assert reply.headers["content-disposition"] == (
                f'inline; filename="tokencast-org-a-{day}-recommendation{suffix}"'
            )
        assert by_query.content == by_accept.content
        etag = {"If-None-Match": by_query.headers["etag"]}
        again = client.get(f"/v1/documents/{doc['id']}?format={fmt}",
                           headers={**org.headers, **etag})  # fmt: skip
        assert again.status_code == 304 and again.content == b""
        served[fmt] = by_query.content
    assert hashlib.sha256(served["json"]).hexdigest() == doc["sha256"]
    assert doc["sha256"].encode() in served["html"]
    assert served["pdf"].startswith(b"%PDF-")


def test_a_pdf_is_stored_once_per_paper_and_served_as_stored(
    client: TestClient, org: Org, session: Session
) -> None:
    rec = recommend(client, org)
    url = f"/v1/documents/{rec['document']['id']}"
    first = client.get(f"{url}?format=pdf", headers=org.headers)
    stored = session.scalars(select(DocumentRendering)).all()
    assert [(r.rendering, r.sha256) for r in stored] == [
        ("pdf-a4", hashlib.sha256(first.content).hexdigest())
    ]
    # Later requests serve the stored bytes, even if rendering again would differ.
    stored[0].body = b"%PDF-1.7 stored"
    stored[0].sha256 = hashlib.sha256(stored[0].body).hexdigest()
    session.commit()
    second = client.get(f"{url}?format=pdf", headers=org.headers)
    assert second.content == b"%PDF-1.7 stored"
    letter = client.get(f"{url}?format=pdf&paper=letter", headers=org.headers)
    assert letter.headers["content-disposition"].endswith('-letter.pdf"')
    count = select(func.count()).select_from(DocumentRendering)
    assert session.scalar(count) == 2


def test_real_documents_validate_against_the_served_schema(client: TestClient, org: Org) -> None:
    rec = recommend(client, org)
    schema_reply = client.get("/v1/schemas/recommendation-document", headers=org.headers)
    assert schema_reply.status_code == 200
    assert schema_reply.headers["content-type"].startswith("application/schema+json")
    validator = Draft202012Validator(strict_json(schema_reply), format_checker=FormatChecker())
    document = strict_json(client.get(rec["document"]["links"]["json"], headers=org.headers))
    validator.validate(document)
    assert document["schema_url"] == "/v1/schemas/recommendation-document"
    usage = document["usage"]
    assert sorted(usage["product_groups"]) == ["AutoCAD", "Navisworks Manage", "Revit"]
    january = usage["months"][0]
    # January 2024: 23 weekdays; on day i, 8 + (7 i mod 5) users are active; all 12 users appear.
    assert january["month"] == "2024-01" and january["active_users"] == 12
    assert sum(january["by_product"]) == pytest.approx(january["tokens"])
    assert document["decision"]["days_of_cover"]["life_days"] == 365
    assert document["reproducibility"]["model_requested"] == "seasonal_naive"
    assert_error(client.get("/v1/schemas/recommendation-document"), 401)


def test_the_list_is_newest_first_paginated_and_tenant_scoped(
    client: TestClient, org: Org, other_org: Org, session: Session
) -> None:
    base = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    report = sample_report(history_days=120, curve_points=50, n_paths=40)
    made = [
        store_document(session, organization_id=org.id, report=report, kind="recommendation",
                       title=f"Recommendation {i}", created_at=base + timedelta(days=i))
        for i in range(3)
    ]  # fmt: skip
    store_document(session, organization_id=other_org.id, report=report, kind="recommendation",
                   title="Not yours", created_at=base)  # fmt: skip
    session.commit()
    page = strict_json(client.get("/v1/documents?limit=2", headers=org.headers))
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert [d["title"] for d in page["documents"]] == ["Recommendation 2", "Recommendation 1"]
    newest = page["documents"][0]
    assert newest == {
        "id": str(made[2].id), "kind": "recommendation", "title": "Recommendation 2",
        "created_at": "2025-03-03T12:00:00Z", "sha256": made[2].sha256,
        "links": {"html": f"/v1/documents/{made[2].id}?format=html",
                  "json": f"/v1/documents/{made[2].id}?format=json",
                  "pdf": f"/v1/documents/{made[2].id}?format=pdf",
                  "pdf_letter": f"/v1/documents/{made[2].id}?format=pdf&paper=letter",
                  "schema": "/v1/schemas/recommendation-document"},
    }  # fmt: skip
    rest = strict_json(client.get("/v1/documents?limit=2&offset=2", headers=org.headers))
    assert [d["title"] for d in rest["documents"]] == ["Recommendation 0"]
    assert_error(client.get("/v1/documents?limit=0", headers=org.headers), 422, "limit")
    assert_error(client.get(f"/v1/documents/{made[0].id}", headers=other_org.headers), 404)


def test_accept_prefers_the_highest_quality(client: TestClient, org: Org, session: Session) -> None:
    report = sample_report(history_days=120, curve_points=50, n_paths=40)
    row = store_document(session, organization_id=org.id, report=report, kind="recommendation",
                         title="t")  # fmt: skip
    session.commit()
    url = f"/v1/documents/{row.id}"

    def media(accept: str) -> str:
        reply = client.get(url, headers={**org.headers, "Accept": accept})
        assert reply.status_code == 200, reply.text
        return reply.headers["content-type"].split(";")[0]

    assert media("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8") == "text/html"
    assert media("application/json;q=0.5, text/html;q=0.4") == "application/json"
    assert media("*/*") == "application/json"
    assert media("text/*") == "text/html"


def test_the_pdf_text_has_the_quantity_and_page_facts(
    client: TestClient, org: Org, tmp_path: Any
) -> None:
    pdftotext = require_program("pdftotext")
    rec = recommend(client, org)
    pdf = client.get(rec["document"]["links"]["pdf"], headers=org.headers).content
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert f"Buy {rec['quantity']:,} tokens" in text
    pages = text.split("\f")[:-1]
    for number, page in enumerate(pages, start=1):
        assert "Org A" in page and rec["document"]["id"] in page
        assert f"Page {number} of {len(pages)}" in page
    assert re.search(r"Reproducibility\n", text)
