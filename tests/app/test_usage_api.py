"""Usage over HTTP: the real Token Flex export, idempotency, all-or-nothing bad input."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db.tables import UsageRow
from app.main import create_app
from app.settings import Settings
from tests.app.helpers import assert_error, strict_json
from tests.conftest import TOKENFLEX_CSV, Org

TEST_DATA = Path(__file__).resolve().parents[1] / "data"


def _independent_daily_totals() -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with TOKENFLEX_CSV.open(newline="") as fh:
        for row in csv.DictReader(fh):
            totals[row["usageDate"][:10]] += Decimal(row["tokensConsumed"])
    return totals


def _import(client: TestClient, org: Org, name: str, content: bytes) -> object:
    return client.post(
        "/v1/usage/imports", headers=org.headers, files={"file": (name, content, "text/csv")}
    )


def test_real_tokenflex_export_imports_with_matching_totals(client: TestClient, org: Org) -> None:
    expected = _independent_daily_totals()
    with TOKENFLEX_CSV.open(newline="") as fh:
        raw_rows = list(csv.DictReader(fh))
    pairs = {(r["usageDate"][:10], r["productLineCode"]) for r in raw_rows}
    reply = _import(client, org, TOKENFLEX_CSV.name, TOKENFLEX_CSV.read_bytes())
    assert reply.status_code == 201, reply.text
    body = strict_json(reply)
    assert body["format"] == "autodesk-enterprise-tokenflex"
    assert body["rows_read"] == len(raw_rows)
    assert body["rows_added"] == len(pairs)
    assert body["first_day"] == min(expected) and body["last_day"] == max(expected)

    daily = strict_json(client.get("/v1/usage/daily", headers=org.headers))
    got = {d["date"]: Decimal(str(d["tokens"])) for d in daily["daily"]}
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in expected.items() if v}
    assert Decimal(str(daily["total_tokens"])) == sum(expected.values())


def test_reimport_changes_nothing(client: TestClient, org: Org) -> None:
    content = TOKENFLEX_CSV.read_bytes()
    first = strict_json(_import(client, org, "a.csv", content))
    before = strict_json(client.get("/v1/usage/daily", headers=org.headers))
    second = strict_json(_import(client, org, "a.csv", content))
    assert second["rows_added"] == 0 and second["rows_replaced"] == 0
    assert second["rows_unchanged"] == first["rows_added"]
    assert strict_json(client.get("/v1/usage/daily", headers=org.headers)) == before


def test_json_records_upsert(client: TestClient, org: Org) -> None:
    records = [
        {"date": "2025-01-06", "user": "U17@example.com", "product": "AutoCAD", "tokens": 7},
        {"date": "2025-01-06", "user": "u17@example.com", "product": "Revit", "tokens": 10},
        {"date": "2025-01-07", "tokens": 421},
    ]
    reply = client.post("/v1/usage", headers=org.headers, json={"records": records})
    assert reply.status_code == 201, reply.text
    assert strict_json(reply)["rows_added"] == 3
    again = strict_json(client.post("/v1/usage", headers=org.headers, json={"records": records}))
    assert (again["rows_added"], again["rows_unchanged"]) == (0, 3)
    changed = [dict(records[2], tokens=400)]
    third = strict_json(client.post("/v1/usage", headers=org.headers, json={"records": changed}))
    assert third["rows_replaced"] == 1
    daily = strict_json(
        client.get("/v1/usage/daily?from=2025-01-06&to=2025-01-07", headers=org.headers)
    )
    assert [d["tokens"] for d in daily["daily"]] == [17, 400]


def _stored_total(client: TestClient, org: Org) -> object:
    return strict_json(client.get("/v1/usage/daily", headers=org.headers))["total_tokens"]


def test_bad_rows_are_rejected_with_line_and_nothing_is_stored(
    client: TestClient, org: Org
) -> None:
    good = TOKENFLEX_CSV.read_bytes()
    assert _import(client, org, "good.csv", good).status_code == 201
    total = _stored_total(client, org)
    header = (
        b'"contractYear","tokenPool","usageCategory","usageDate",'
        b'"productLineCode","productName","tokensConsumed",\n'
    )
    ok_row = b'1,"CY","DESKTOP_PRODUCT",2012-01-02 00:00:00,"ACD","AutoCAD",5.0,\n'
    cases = [
        (b'1,"CY","DESKTOP_PRODUCT",2012-13-45 00:00:00,"ACD","AutoCAD",5.0,\n', "line 4", "date"),
        (
            b'1,"CY","DESKTOP_PRODUCT",2012-01-03 00:00:00,"ACD","AutoCAD",-5.0,\n',
            "line 4",
            "negative",
        ),
    ]
    for bad_row, where, why in cases:
        reply = _import(
            client, org, "bad.csv", header + ok_row + ok_row.replace(b"01-02", b"01-05") + bad_row
        )
        body = assert_error(reply, 422, where)
        assert why in body["detail"].lower()
        assert _stored_total(client, org) == total
    unknown = _import(client, org, "x.csv", b"when,what,how much\n2012-01-01,a,3\n")
    assert_error(unknown, 422, "line 1")
    assert _stored_total(client, org) == total


def test_bad_json_record_names_the_field(client: TestClient, org: Org) -> None:
    reply = client.post(
        "/v1/usage",
        headers=org.headers,
        json={
            "records": [{"date": "2025-01-06", "tokens": 1}, {"date": "2025-02-30", "tokens": 1}]
        },
    )
    assert_error(reply, 422, "records.1.date")
    neg = client.post(
        "/v1/usage", headers=org.headers, json={"records": [{"date": "2025-01-06", "tokens": -1}]}
    )
    assert_error(neg, 422, "records.0.tokens")
    assert strict_json(client.get("/v1/usage/daily", headers=org.headers))["days"] == 0


def _hand_totals(path: Path, day_col: str, tokens_col: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            totals[row[day_col][:10]] += Decimal(row[tokens_col])
    return totals


@pytest.mark.parametrize(
    ("name", "day_col", "tokens_col"),
    [
        ("account_usage_2026.csv", "Day used", "Tokens used"),
        ("account_usage_legacy.csv", "day_used", "tokens_used"),
    ],
)
def test_account_export_both_spellings_store_no_personal_data(
    settings: Settings,
    factory: sessionmaker[Session],
    org: Org,
    session: Session,
    name: str,
    day_col: str,
    tokens_col: str,
) -> None:
    app = create_app(settings.model_copy(update={"user_key_secret": "s3cret"}))
    with TestClient(app) as client:
        app.state.session_factory = factory
        _check_account_import(client, org, session, name, day_col, tokens_col)


def _check_account_import(
    client: TestClient, org: Org, session: Session, name: str, day_col: str, tokens_col: str
) -> None:
    path = TEST_DATA / name
    reply = _import(client, org, name, path.read_bytes())
    assert reply.status_code == 201, reply.text
    assert strict_json(reply)["format"].startswith("autodesk-account")
    daily = strict_json(client.get("/v1/usage/daily", headers=org.headers))
    got = {d["date"]: Decimal(str(d["tokens"])) for d in daily["daily"] if d["tokens"]}
    assert got == {k: v for k, v in _hand_totals(path, day_col, tokens_col).items() if v}
    stored = session.execute(
        select(UsageRow.user_key).where(UsageRow.organization_id == org.id)
    ).scalars()
    keys = set(stored)
    # With a user-key secret, users are stored as keyed hashes: no e-mail, no name.
    assert keys and all(k.startswith("u_") and "@" not in k for k in keys)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    first, last = (
        ("First name", "Last name") if "Day used" in rows[0] else ("first_name", "last_name")
    )
    names = {r[first] for r in rows} | {r[last] for r in rows}
    assert names
    assert not any(n.lower() in k for n in names for k in keys)
