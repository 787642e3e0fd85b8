"""GET /v1/insights on a synthetic organization, every number checked against the rows."""

from __future__ import annotations

import csv
import json
import logging
from datetime import date, datetime
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.services.insight_document import insights_facts
from app.services.insights import InsightRules
from app.settings import Settings
from app.simulate import account_export_csv
from models.insights.synthetic import synthetic_organization
from tests import insight_truth
from tests.app.helpers import PRICE_BOOK, assert_error, strict_json
from tests.app.insight_setup import by_kind, load_synthetic, rows_of, us_holidays
from tests.conftest import TOKENFLEX_CSV, Org


def _insights(client: TestClient, org: Org, **params: object) -> dict:
    reply = client.get("/v1/insights", headers=org.headers, params={"limit": 1000, **params})
    assert reply.status_code == 200, reply.text
    return dict(strict_json(reply))


def test_insights_reply_matches_the_rows(client: TestClient, org: Org) -> None:
    synth = load_synthetic(client, org)
    rows = rows_of(synth)
    first, last = synth.first_day, synth.last_day
    body = _insights(client, org)
    assert body["as_of"] == last.isoformat() and body["window"]["days"] == 365
    total = sum(t for *_, t in rows)
    assert total >= 5000  # the window is a year: its consumption reaches the 2.85 tier
    assert body["token_price"]["unit_price"] == "2.85"
    assert body["token_price"]["source"] == "price_book"

    segments = insight_truth.segments(rows, last, first)
    assert segments == {u.key: u.segment for u in synth.users}
    summary = body["summary"]
    assert summary["users"] == len(segments)
    assert summary["segments"] == {
        s: sum(1 for v in segments.values() if v == s)
        for s in ("power", "regular", "occasional", "inactive")
    }
    assert summary["tokens"] == pytest.approx(total)

    prices = dict(synth.named_user_prices)
    savings = insight_truth.candidates(rows, last, first, Decimal("2.85"), prices)
    found = by_kind(body["findings"], "migration_candidate")
    assert {(f["user"], f["product"]): Decimal(f["annual_saving"]) for f in found} == savings
    assert savings.keys() == {(u.key, p) for u in synth.users for p in u.candidate_products}
    assert Decimal(summary["annual_saving_if_moved"]) == sum(savings.values())
    assert summary["migration_candidates"] == len(savings)
    assert [Decimal(f["annual_saving"]) for f in found] == sorted(savings.values(), reverse=True)

    plain_total, weekend, holiday = insight_truth.off_hours(rows, first, last, us_holidays(2025))
    off = summary["off_hours"]
    assert (off["weekend_tokens"], off["holiday_tokens"]) == (weekend, holiday)
    assert off["total_tokens"] == pytest.approx(plain_total)
    assert weekend > 0 and holiday > 0
    expected_value = (Decimal(f"{weekend + holiday:.3f}") * Decimal("2.85")).quantize(
        Decimal("0.01")
    )
    assert off["value"] == str(expected_value)

    assert {f["user"] for f in by_kind(body["findings"], "inactive_user")} == {
        u for u, s in segments.items() if s == "inactive"
    }
    assert {f["user"] for f in by_kind(body["findings"], "dormant_burn")} == {
        u.key for u in synth.users if u.dormant
    }
    assert summary["short_launches"] == sum(1 for *_, t in rows if t == 0)
    assert body["total"] == len(body["findings"])


def test_users_list_and_pages(client: TestClient, org: Org) -> None:
    synth = load_synthetic(client, org, seed=9)
    reply = client.get("/v1/insights/users", headers=org.headers, params={"limit": 1000})
    users = strict_json(reply)["users"]
    assert {u["user"]: u["segment"] for u in users} == {u.key: u.segment for u in synth.users}
    power = strict_json(
        client.get("/v1/insights/users", headers=org.headers, params={"segment": "power"})
    )
    assert power["total"] == sum(1 for u in synth.users if u.segment == "power")

    everything = _insights(client, org)["findings"]
    page = _insights(client, org, limit=3, offset=2)
    assert page["findings"] == everything[2:5] and page["total"] == len(everything)
    only = _insights(client, org, kind="short_launches")
    assert only["total"] == sum(1 for u in synth.users if u.short_launches)
    assert all(f["kind"] == "short_launches" for f in only["findings"])


def test_document_facts_render_with_the_same_numbers(
    client: TestClient, org: Org, session: Session
) -> None:
    synth = load_synthetic(client, org)
    rules = InsightRules.from_settings(Settings())
    facts = insights_facts(session, organization_id=org.id, as_of=None, rules=rules)
    text = json.dumps(facts, allow_nan=False)  # JSON-ready, nothing that is not finite
    assert "NaN" not in text
    reply = _insights(client, org)
    assert facts["summary"] == reply["summary"]
    assert facts["token_price"]["unit_price"] == "2.85"
    migration = facts["findings"]["migration_candidate"]
    assert migration["count"] == sum(len(u.candidate_products) for u in synth.users)
    assert migration["top"] == by_kind(reply["findings"], "migration_candidate")[:10]
    assert isinstance(migration["top"][0]["annual_saving"], str)
    assert set(facts["findings"]) == {
        "migration_candidate",
        "inactive_user",
        "dormant_burn",
        "product_selection",
        "off_hours_burn",
        "short_launches",
    }


def test_no_personal_data_in_logs(
    client: TestClient, org: Org, caplog: pytest.LogCaptureFixture
) -> None:
    load_synthetic(client, org)
    with caplog.at_level(logging.DEBUG):
        _insights(client, org)
        client.post("/v1/insights/apply", headers=org.headers, json={"all_candidates": True})
        client.get("/v1/reports/monthly", headers=org.headers, params={"month": "2025-11"})
    assert "@example.com" not in caplog.text


def test_named_user_prices_round_trip_and_are_checked(
    client: TestClient, org: Org, other_org: Org
) -> None:
    body = {
        "prices": [
            {"product": "Revit", "currency": "USD", "annual_price": "2910"},
            {"product": "Revit", "currency": "EUR", "annual_price": "2700.50"},
        ]
    }
    put = strict_json(client.put("/v1/named-user-prices", headers=org.headers, json=body))
    assert [(p["currency"], p["annual_price"]) for p in put["prices"]] == [
        ("EUR", "2700.50"),
        ("USD", "2910.00"),
    ]
    assert strict_json(client.get("/v1/named-user-prices", headers=org.headers)) == put
    assert strict_json(client.get("/v1/named-user-prices", headers=other_org.headers)) == {
        "prices": [],
        "updated_at": None,
    }
    twice = {"prices": [*body["prices"], {"product": " revit", "currency": "USD",
                                          "annual_price": "1"}]}  # fmt: skip
    assert_error(client.put("/v1/named-user-prices", headers=org.headers, json=twice), 422,
                 "prices[2]", "prices[0]")  # fmt: skip
    free = {"prices": [{"product": "Revit", "currency": "USD", "annual_price": "0"}]}
    assert_error(client.put("/v1/named-user-prices", headers=org.headers, json=free), 422,
                 "prices[0].annual_price")  # fmt: skip
    cleared = client.put("/v1/named-user-prices", headers=org.headers, json={"prices": []})
    assert strict_json(cleared)["prices"] == []


def test_bad_asks_are_named(client: TestClient, org: Org) -> None:
    assert_error(client.get("/v1/insights", headers=org.headers), 422, "no usage yet")
    load_synthetic(client, org)
    assert_error(
        client.get("/v1/insights", headers=org.headers, params={"as_of": "2020-01-01"}),
        422,
        "as_of",
    )
    assert_error(
        client.get("/v1/insights", headers=org.headers, params={"kind": "nope"}), 422, "kind"
    )
    later = _insights(client, org, as_of="2026-03-01")
    assert later["as_of"] == "2025-12-31" and "ends on 2025-12-31" in later["notes"][0]


def test_real_tokenflex_export_has_no_users_but_off_hours_burn(
    client: TestClient, org: Org
) -> None:
    files = {"file": (TOKENFLEX_CSV.name, TOKENFLEX_CSV.read_bytes(), "text/csv")}
    assert client.post("/v1/usage/imports", headers=org.headers, files=files).is_success
    client.put("/v1/price-book", headers=org.headers, json=PRICE_BOOK)
    total = weekend = 0.0
    with TOKENFLEX_CSV.open(newline="") as fh:
        for row in csv.DictReader(fh):
            day = datetime.strptime(row["usageDate"], "%Y-%m-%d %H:%M:%S").date()
            tokens = float(row["tokensConsumed"])
            total += tokens
            weekend += tokens if day.weekday() >= 5 else 0.0
    body = _insights(client, org)
    assert body["window"] == {"first_day": "2011-01-01", "last_day": "2011-12-30", "days": 364}
    assert body["summary"]["users"] == 0 and body["findings"] == []
    assert any("no per-user rows" in n for n in body["notes"])
    off = body["summary"]["off_hours"]
    assert off["total_tokens"] == pytest.approx(total)
    assert off["weekend_tokens"] == pytest.approx(weekend)
    assert off["holiday_tokens"] == 0 and weekend > 0
    assert date.fromisoformat(body["as_of"]) == date(2011, 12, 30)


def test_without_prices_the_money_is_left_out_and_said_so(client: TestClient, org: Org) -> None:
    synth = synthetic_organization(2)
    files = {"file": ("s.csv", account_export_csv(synth), "text/csv")}
    assert client.post("/v1/usage/imports", headers=org.headers, files=files).is_success
    bare = _insights(client, org)
    assert bare["token_price"] is None and bare["summary"]["migration_candidates"] == 0
    assert bare["summary"]["annual_saving_if_moved"] is None
    assert bare["summary"]["off_hours"]["value"] is None
    assert any("No price book and no purchase" in n for n in bare["notes"])
    assert any("no country" in n for n in bare["notes"])

    pack = {"purchased_on": "2025-06-01", "tokens": 10000, "unit_price": "2.70"}
    assert client.post("/v1/purchases", headers=org.headers, json=pack).is_success
    bought = _insights(client, org)
    assert bought["token_price"]["source"] == "latest_purchase"
    assert bought["token_price"]["unit_price"] == "2.70"
    assert any("No named-user price in USD" in n for n in bought["notes"])
    assert bought["summary"]["segments"]["power"] == sum(
        1 for u in synth.users if u.segment == "power"
    )
