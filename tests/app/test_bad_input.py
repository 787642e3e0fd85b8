"""Inputs that once reached a 500 or stored unreadable data: each is now a clear 4xx."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.app.helpers import PRICE_BOOK, assert_error, strict_json
from tests.conftest import Org


def _post_usage(client: TestClient, org: Org, *records: dict[str, Any]) -> Any:
    return client.post("/v1/usage", headers=org.headers, json={"records": list(records)})


@pytest.mark.parametrize(
    ("record", "where"),
    [
        ({"date": "9999-12-31", "tokens": 1}, "records.0.date"),
        ({"date": "0001-01-01", "tokens": 1}, "records.0.date"),
        ({"date": 1709596800, "tokens": 1}, "records.0.date"),
        ({"date": "2024-05-01", "tokens": "999999999999999.999"}, "records.0.tokens"),
        ({"date": "2024-05-01", "tokens": 1, "product": "a\u0000b"}, "records.0.product"),
        ({"date": "2024-05-01", "tokens": 1, "user": "x" * 300}, "records.0.user"),
    ],
)
def test_bad_json_records(client: TestClient, org: Org, record: dict[str, Any], where: str) -> None:
    assert_error(_post_usage(client, org, record), 422, where)


def test_many_large_rows_on_one_day_stay_readable(client: TestClient, org: Org) -> None:
    rows = [{"date": "2024-05-01", "user": f"u{i}", "tokens": 1_000_000_000} for i in range(20)]
    assert _post_usage(client, org, *rows).status_code == 201
    daily = strict_json(client.get("/v1/usage/daily", headers=org.headers))
    assert daily["daily"] == [{"date": "2024-05-01", "tokens": 20_000_000_000}]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"9999-12-31,5\n", "outside"),
        (b"2024-01-01,1.23456789\n", "decimal places"),
        (b"2024-01-01,5000000000\n", "implausibly large"),
    ],
)
def test_bad_csv_values_name_the_line(
    client: TestClient, org: Org, line: bytes, reason: str
) -> None:
    content = b"date,tokens\n2024-01-01,5\n" + line
    files = {"file": ("t.csv", content, "text/csv")}
    body = assert_error(
        client.post("/v1/usage/imports", headers=org.headers, files=files), 422, "line 3"
    )
    assert reason in body["detail"]
    assert strict_json(client.get("/v1/usage/daily", headers=org.headers))["days"] == 0


def test_purchases_and_prices_out_of_range(client: TestClient, org: Org) -> None:
    far = {"purchased_on": "9999-12-31", "tokens": 1000, "unit_price": "2.85"}
    assert_error(client.post("/v1/purchases", headers=org.headers, json=far), 422, "purchased_on")
    dear = {"purchased_on": "2020-01-01", "tokens": 10**9, "unit_price": "1e20"}
    assert_error(client.post("/v1/purchases", headers=org.headers, json=dear), 422, "unit_price")
    assert_error(client.get("/v1/purchases?offset=99999999999999999999", headers=org.headers), 422)
    book = dict(PRICE_BOOK, tiers=[{"min_tokens": 100, "unit_price": "1e30"}])
    assert_error(client.put("/v1/price-book", headers=org.headers, json=book), 422, "unit_price")


def test_purchase_date_too_far_ahead_is_refused_before_any_work(
    client: TestClient, org: Org
) -> None:
    records = [{"date": f"2024-01-{d:02d}", "tokens": 50 + d} for d in range(1, 31)]
    _post_usage(client, org, *records)
    client.put("/v1/price-book", headers=org.headers, json=PRICE_BOOK)
    far = client.post(
        "/v1/recommendations", headers=org.headers, json={"purchase_date": "2199-12-31"}
    )
    assert_error(far, 422, "purchase_date", "730")
    early = client.post(
        "/v1/recommendations", headers=org.headers, json={"purchase_date": "2023-06-01"}
    )
    assert_error(early, 422, "2024-01-01")


def test_document_format_and_paper_are_checked(client: TestClient, org: Org) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    url = f"/v1/documents/{missing}"
    image = client.get(url, headers={**org.headers, "Accept": "image/png"})
    assert_error(image, 406, "image/png", "application/pdf")
    refused = client.get(url, headers={**org.headers, "Accept": "application/pdf;q=0, text/csv"})
    assert_error(refused, 406, "Accept")
    assert_error(client.get(f"{url}?format=docx", headers=org.headers), 422, "format")
    assert_error(client.get(f"{url}?format=pdf&paper=a3", headers=org.headers), 422, "paper")
    # A format that can be served goes on to look the document up.
    assert_error(client.get(f"{url}?format=pdf", headers=org.headers), 404, missing)


def test_control_characters_in_a_csv_name_are_refused(client: TestClient, org: Org) -> None:
    content = b"date,user,product,tokens\n2024-01-01,u1,Revit,10\n2024-01-02,u1,Re\x07vit,10\n"
    files = {"file": ("t.csv", content, "text/csv")}
    reply = client.post("/v1/usage/imports", headers=org.headers, files=files)
    assert_error(reply, 422, "line 3", "product", "control characters")


def test_change_dates_are_bounded_and_duplicate_products_count_once(
    client: TestClient, org: Org
) -> None:
    project = {
        "kind": "project", "name": "Far", "start": "2025-01-01", "end": "9999-12-31",
        "team_size": 2, "products": ["AutoCAD"], "days_per_week": 5, "win_probability": 1,
    }  # fmt: skip
    assert_error(client.post("/v1/changes", headers=org.headers, json=project), 422, "end")
    twice = dict(project, end="2025-06-30", products=["AutoCAD", "AutoCAD"])
    stored = strict_json(client.post("/v1/changes", headers=org.headers, json=twice))
    assert stored["products"] == ["AutoCAD"]
    assert_error(client.get("/v1/changes?offset=99999999999999999999", headers=org.headers), 422)


def test_organization_update_is_strict(client: TestClient, org: Org) -> None:
    for body in ({"name": "  "}, {"country": "DE", "clear_country": True},
                 {"clear_country": "yes"}, {"name": "a\u0000b"}):  # fmt: skip
        assert_error(client.patch("/v1/organization", headers=org.headers, json=body), 422)


def test_balance_without_packs_names_the_first_unserved_day(client: TestClient, org: Org) -> None:
    records = [{"date": "2024-03-02", "tokens": 0}, {"date": "2024-03-03", "tokens": 7}]
    _post_usage(client, org, *records)
    body = strict_json(client.get("/v1/balance", headers=org.headers))
    assert body["first_unserved_day"] == "2024-03-03" and body["unserved_days"] == 1


def _patterns(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return found.union(*(_patterns(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_patterns(v) for v in node))
    return set()


def test_every_pattern_in_the_schema_is_explained_in_words(client: TestClient) -> None:
    """A value that misses a pattern is told what it should look like, not the expression."""
    from app.errors import PATTERN_WORDS

    patterns = _patterns(client.get("/openapi.json").json())
    assert patterns and patterns <= set(PATTERN_WORDS), patterns - set(PATTERN_WORDS)


@pytest.mark.parametrize(
    ("method", "path", "body", "words"),
    [
        ("get", "/v1/reports/monthly?month=2025-13", None, "month: expected a month as YYYY-MM"),
        ("patch", "/v1/organization", {"country": "usa"}, "country: expected a two-letter"),
        ("put", "/v1/price-book", {**PRICE_BOOK, "currency": "usd"}, "currency: expected a three"),
    ],
)
def test_a_value_that_misses_its_pattern_is_told_its_form(
    client: TestClient, org: Org, method: str, path: str, body: Any, words: str
) -> None:
    reply = client.request(method.upper(), path, headers=org.headers, json=body)
    err = assert_error(reply, 422, words)
    assert "^" not in err["detail"] and "\\d" not in err["detail"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "post",
            "/v1/usage",
            {
                "records": [
                    {"date": "2025-03-01", "user": "a\ud800b", "product": "Revit", "tokens": 1}
                ]
            },
        ),
        ("patch", "/v1/organization", {"name": "o\udc00"}),
    ],
)
def test_a_lone_surrogate_in_a_text_value_is_a_422_and_stores_nothing(
    client: TestClient, org: Org, method: str, path: str, body: Any
) -> None:
    before = strict_json(client.get("/v1/organization", headers=org.headers))
    raw = json.dumps(body)  # ensure_ascii: the surrogate travels as a \\udXXX escape
    headers = {**org.headers, "Content-Type": "application/json"}
    reply = client.request(method.upper(), path, headers=headers, content=raw.encode())
    assert_error(reply, 422, "lone UTF-16 surrogate")
    assert strict_json(client.get("/v1/organization", headers=org.headers)) == before
    daily = strict_json(client.get("/v1/usage/daily", headers=org.headers))
    assert daily["daily"] == []


PROJECT = {
    "kind": "project", "name": "Bridge", "start": "2025-03-01", "end": "2025-06-30",
    "team_size": 3, "products": ["Revit"], "days_per_week": 4, "win_probability": 0.5,
}  # fmt: skip
MIX = {
    "kind": "licence_mix", "start": "2025-03-01", "users": ["ann@example.com"],
    "products": ["Revit"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({**PROJECT, "name": "x\u0000y"}, "name"),
        ({**MIX, "label": "x\u0007"}, "label"),
        ({**MIX, "users": ["x\u0000y@example.com"]}, "users.0"),
        ({**PROJECT, "name": "a\ud800b"}, "name"),
    ],
)
def test_change_texts_refuse_control_characters_and_lone_surrogates(
    client: TestClient, org: Org, body: dict[str, Any], where: str
) -> None:
    headers = {**org.headers, "Content-Type": "application/json"}
    raw = json.dumps(body).encode()  # ASCII escapes: a lone surrogate travels as \\udXXX
    err = assert_error(client.post("/v1/changes", headers=headers, content=raw), 422, where)
    assert "control characters" in err["detail"] or "surrogate" in err["detail"]
    assert strict_json(client.get("/v1/changes", headers=org.headers))["changes"] == []


@pytest.mark.parametrize("bad", ["١٢", "1_0", " 1 2 ", True, "0x10"])
def test_numbers_are_plain_ascii_decimals_or_json_numbers(
    client: TestClient, org: Org, bad: object
) -> None:
    pack = {"purchased_on": "2024-01-10", "tokens": bad, "unit_price": "2.85"}
    assert_error(client.post("/v1/purchases", headers=org.headers, json=pack), 422, "tokens")
    pack = {"purchased_on": "2024-01-10", "tokens": 100, "unit_price": bad}
    assert_error(client.post("/v1/purchases", headers=org.headers, json=pack), 422, "unit_price")
    record = {"date": "2024-01-10", "tokens": bad}
    assert_error(client.post("/v1/usage", headers=org.headers, json={"records": [record]}), 422)
    csv = f"date,tokens\n2024-01-10,{bad}\n".encode()
    files = {"file": ("u.csv", csv, "text/csv")}
    reply = client.post("/v1/usage/imports", headers=org.headers, files=files)
    assert_error(reply, 422, "line 2")
    assert strict_json(client.get("/v1/purchases", headers=org.headers))["purchases"] == []
    # The same values written plainly are fine.
    good = {"purchased_on": "2024-01-10", "tokens": "12", "unit_price": " 2.85 "}
    assert client.post("/v1/purchases", headers=org.headers, json=good).status_code == 201


def test_nan_and_infinity_are_not_numbers_a_request_may_carry(client: TestClient, org: Org) -> None:
    headers = {**org.headers, "Content-Type": "application/json"}
    for value in ("NaN", "Infinity", "-Infinity"):
        body = ('{"kind": "project", "name": "B", "start": "2025-03-01", "end": "2025-06-30", '
                '"team_size": 3, "products": ["Revit"], "days_per_week": 4, '
                f'"win_probability": {value}}}').encode()  # fmt: skip
        err = assert_error(client.post("/v1/changes", headers=headers, content=body), 422)
        assert "win_probability" in err["detail"] and "finite" in err["detail"], err


@pytest.mark.parametrize("name", ["a\u202eb", "a\u2028b", "a\u2066b\u2069", "a\u200fb"])
def test_names_refuse_bidi_overrides_and_line_separators(
    client: TestClient, org: Org, name: str
) -> None:
    reply = client.post("/v1/keys", headers=org.headers, json={"name": name, "scopes": ["read"]})
    assert_error(reply, 422, "name", "control characters")


def test_a_method_not_allowed_names_the_ones_that_are(client: TestClient, org: Org) -> None:
    reply = client.put("/v1/purchases", headers=org.headers, json={})
    err = assert_error(reply, 405, "PUT is not allowed", "GET")
    assert "POST" in err["detail"]


@pytest.mark.parametrize("spaced", ["\u00a012", "12\u3000", "1\u20092"])
def test_numbers_with_other_scripts_spaces_are_refused(
    client: TestClient, org: Org, spaced: str
) -> None:
    pack = {"purchased_on": "2024-01-10", "tokens": spaced, "unit_price": "2.85"}
    assert_error(client.post("/v1/purchases", headers=org.headers, json=pack), 422, "tokens")
    csv = f"date,tokens\n2024-01-10,{spaced}\n".encode()
    files = {"file": ("u.csv", csv, "text/csv")}
    assert_error(client.post("/v1/usage/imports", headers=org.headers, files=files), 422, "line 2")


def test_a_bad_idempotency_key_header_is_answered_after_the_api_key(
    client: TestClient, org: Org
) -> None:
    pack = {"purchased_on": "2024-01-10", "tokens": 10, "unit_price": "2.85"}
    bad = {"Idempotency-Key": "x" * 300}
    assert_error(client.post("/v1/purchases", headers=bad, json=pack), 401)
    assert_error(client.post("/v1/purchases", headers={**bad, **org.headers}, json=pack), 422,
                 "Idempotency-Key")  # fmt: skip
    assert strict_json(client.get("/v1/purchases", headers=org.headers))["purchases"] == []


@pytest.mark.parametrize("day", ["1699920000", "-0", "2025-01-01T00:00:00Z", "20250101"])
def test_a_day_is_written_yyyy_mm_dd_not_as_a_timestamp(
    client: TestClient, org: Org, day: str
) -> None:
    record = {"date": day, "tokens": 7}
    reply = client.post("/v1/usage", headers=org.headers, json={"records": [record]})
    assert_error(reply, 422, "records.0.date", "YYYY-MM-DD")
    assert_error(client.get(f"/v1/usage/daily?from={day}", headers=org.headers), 422, "from")
    assert strict_json(client.get("/v1/usage/daily", headers=org.headers))["daily"] == []


def test_daily_usage_from_a_far_day_is_a_422_not_an_overflow(client: TestClient, org: Org) -> None:
    record = {"date": "2025-01-01", "tokens": 7}
    assert client.post("/v1/usage", headers=org.headers, json={"records": [record]}).is_success
    for query in ("from=9999-12-31", "from=9999-12-31&to=9999-12-31", "to=0001-01-01"):
        err = assert_error(client.get(f"/v1/usage/daily?{query}", headers=org.headers), 422)
        assert "1970" in err["detail"] or "2199" in err["detail"], err
