"""The main job over HTTP: real export -> price book -> recommendation -> document."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from tests.app.helpers import PRICE_BOOK, assert_error, strict_json
from tests.conftest import TOKENFLEX_CSV, Org


def _setup(client: TestClient, org: Org) -> None:
    files = {"file": (TOKENFLEX_CSV.name, TOKENFLEX_CSV.read_bytes(), "text/csv")}
    assert client.post("/v1/usage/imports", headers=org.headers, files=files).status_code == 201
    assert client.put("/v1/price-book", headers=org.headers, json=PRICE_BOOK).status_code == 200


@pytest.mark.slow
def test_recommendation_end_to_end(client: TestClient, org: Org) -> None:
    _setup(client, org)
    reply = client.post("/v1/recommendations", headers=org.headers, json={"seed": 7})
    assert reply.status_code == 201, reply.text
    rec = strict_json(reply)
    # The data ends on 2011-12-30, so the default purchase is the next day.
    assert rec["purchase_date"] == "2011-12-31"
    assert rec["pack_expires_on"] == "2012-12-30"
    q = rec["quantity"]
    assert q % 100 == 0 and q >= 100
    # All-units pricing: the whole quantity at the tier it reaches.
    unit = Decimal("2.85") if q >= 5000 else Decimal("3.00")
    assert Decimal(rec["unit_price"]) == unit
    assert Decimal(rec["total_price"]) == unit * q
    assert rec["currency"] == "USD"
    cons = rec["expected_consumption"]
    assert cons["p10"] <= cons["p50"] <= cons["p90"] <= q
    # Top-ups cost 3.00 and the 5,000 tier 2.85: a token bought in advance saves 0.15 when it is
    # used and loses 2.85 when it expires, so the optimum sits near the 5 % quantile of the
    # pack's demand (the critical fractile 0.15 / 3.00), well below its median.
    residual = rec["residual_demand"]
    assert residual["p10"] <= residual["p50"] <= residual["p90"]
    assert q <= residual["p50"]
    labels = " ".join(a["label"] for a in rec["alternatives"])
    assert "last year" in labels
    # The chosen quantity is the cheapest in expectation among everything it reports.
    best = Decimal(rec["expected_cost"])
    assert all(Decimal(a["expected_cost"]) >= best for a in rec["alternatives"])

    again = strict_json(client.get(f"/v1/recommendations/{rec['id']}", headers=org.headers))
    assert again == rec

    doc = rec["document"]
    as_json = client.get(doc["links"]["json"], headers=org.headers)
    assert as_json.status_code == 200
    assert hashlib.sha256(as_json.content).hexdigest() == doc["sha256"]
    assert as_json.headers["x-content-sha256"] == doc["sha256"]
    facts = strict_json(as_json)
    assert facts["decision"]["quantity"] == q

    as_html = client.get(
        f"/v1/documents/{doc['id']}", headers={**org.headers, "Accept": "text/html"}
    )
    assert as_html.status_code == 200
    assert as_html.headers["content-type"].startswith("text/html")
    assert hashlib.sha256(as_html.content).hexdigest() == as_html.headers["x-content-sha256"]
    # A filed HTML copy names the hash of the facts of record.
    assert doc["sha256"] in as_html.text
    assert as_html.text.count("<svg") >= 2
    assert f"{q:,}" in as_html.text
    HTMLParser().feed(as_html.text)

    not_modified = client.get(
        doc["links"]["json"], headers={**org.headers, "If-None-Match": as_json.headers["etag"]}
    )
    assert not_modified.status_code == 304


def test_price_book_tiers_must_increase(client: TestClient, org: Org) -> None:
    bad = dict(
        PRICE_BOOK,
        tiers=[
            {"min_tokens": 5000, "unit_price": "2.85"},
            {"min_tokens": 100, "unit_price": "3.00"},
        ],
    )
    assert_error(client.put("/v1/price-book", headers=org.headers, json=bad), 422, "increasing")
    same = dict(
        PRICE_BOOK,
        tiers=[
            {"min_tokens": 100, "unit_price": "3.00"},
            {"min_tokens": 100, "unit_price": "2.85"},
        ],
    )
    assert_error(client.put("/v1/price-book", headers=org.headers, json=same), 422, "tiers[1]")
    assert_error(client.get("/v1/price-book", headers=org.headers), 404, "PUT /v1/price-book")


def test_price_book_round_trip_keeps_money_exact(client: TestClient, org: Org) -> None:
    book = dict(PRICE_BOOK, top_up_lead_days=3, blocked_day_cost="2000.50", top_up_block_tokens=700)
    put = client.put("/v1/price-book", headers=org.headers, json=book)
    assert put.status_code == 200, put.text
    got = strict_json(client.get("/v1/price-book", headers=org.headers))
    assert got["tiers"] == PRICE_BOOK["tiers"]
    # Every term is stored, not only the ones the first release knew.
    assert (got["top_up_lead_days"], got["blocked_day_cost"], got["top_up_block_tokens"]) == (
        3,
        "2000.50",
        700,
    )
    assert got["top_up_price"] == "3.00" or Decimal(got["top_up_price"]) == Decimal("3.00")


def test_purchases(client: TestClient, org: Org) -> None:
    zero = client.post(
        "/v1/purchases",
        headers=org.headers,
        json={"purchased_on": "2011-03-01", "tokens": 0, "unit_price": "2.85"},
    )
    assert_error(zero, 422, "tokens")
    ok = client.post(
        "/v1/purchases",
        headers=org.headers,
        json={"purchased_on": "2011-03-01", "tokens": 10000, "unit_price": "2.85"},
    )
    assert ok.status_code == 201, ok.text
    body = strict_json(ok)
    assert body["expires_on"] == "2012-02-29"  # 365 days after 2011-03-01
    assert body["total_price"] == "28500.00"
    listed = strict_json(client.get("/v1/purchases", headers=org.headers))
    assert [p["id"] for p in listed["purchases"]] == [body["id"]]


def test_forecast_without_usage_is_a_clear_4xx(client: TestClient, org: Org) -> None:
    assert_error(
        client.post("/v1/forecasts", headers=org.headers, json={"horizon_days": 30}),
        422,
        "no usage",
    )
    client.put("/v1/price-book", headers=org.headers, json=PRICE_BOOK)
    assert_error(client.post("/v1/recommendations", headers=org.headers, json={}), 422, "no usage")


def test_recommendation_needs_a_price_book(client: TestClient, org: Org) -> None:
    records = [{"date": f"2025-01-{d:02d}", "tokens": 10} for d in range(1, 31)]
    client.post("/v1/usage", headers=org.headers, json={"records": records})
    assert_error(
        client.post("/v1/recommendations", headers=org.headers, json={}), 404, "price book"
    )


def test_auth_is_required(client: TestClient) -> None:
    assert_error(client.get("/v1/usage/daily"), 401, "API key")
    assert_error(
        client.get("/v1/usage/daily", headers={"Authorization": "Bearer nope"}), 401, "invalid"
    )
    assert client.get("/healthz").status_code == 200


def test_same_question_same_data_same_answer(client: TestClient, org: Org) -> None:
    records = [{"date": f"2025-{m:02d}-{d:02d}", "tokens": 300 + (d * 37 + m) % 90}
               for m in range(1, 5) for d in range(1, 29)]  # fmt: skip
    client.post("/v1/usage", headers=org.headers, json={"records": records})
    ask = {"horizon_days": 60}
    first = strict_json(client.post("/v1/forecasts", headers=org.headers, json=ask))
    second = strict_json(client.post("/v1/forecasts", headers=org.headers, json=ask))
    assert first["id"] != second["id"]
    assert first["seed"] == second["seed"]
    assert first["totals"] == second["totals"]
    other = strict_json(client.post("/v1/forecasts", headers=org.headers, json={**ask, "seed": 1}))
    assert other["seed"] == 1 and other["totals"] != first["totals"]
