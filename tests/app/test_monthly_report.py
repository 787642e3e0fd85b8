"""GET /v1/reports/monthly: the month's facts, checked against the rows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from tests import insight_truth
from tests.app.helpers import assert_error, strict_json
from tests.app.insight_setup import load_synthetic, rows_of, us_holidays
from tests.conftest import Org

NOV_1, NOV_30, OCT_31 = date(2025, 11, 1), date(2025, 11, 30), date(2025, 10, 31)


def _report(client: TestClient, org: Org, **params: object) -> dict:
    reply = client.get("/v1/reports/monthly", headers=org.headers, params=params)
    assert reply.status_code == 200, reply.text
    return dict(strict_json(reply))


def test_november_matches_the_rows(client: TestClient, org: Org) -> None:
    synth = load_synthetic(client, org, seed=6)
    rows = rows_of(synth)
    month = [r for r in rows if NOV_1 <= r[0] <= NOV_30]
    body = _report(client, org, month="2025-11", limit=5000)
    assert (body["first_day"], body["last_day"], body["as_of"]) == (
        "2025-11-01",
        "2025-11-30",
        "2025-11-30",
    )
    assert body["previous_as_of"] == "2025-10-31"

    tokens = sum(t for *_, t in month)
    totals = body["totals"]
    assert totals["tokens"] == pytest.approx(tokens)
    assert totals["users"] == len({u for _, u, _, _ in month})
    assert totals["user_days"] == sum(1 for *_, t in month if t > 0)
    assert totals["short_launches"] == sum(1 for *_, t in month if t == 0)
    assert tokens * 365 / 30 >= 5000  # a year at November's rate reaches the 2.85 tier
    value = (Decimal(f"{tokens:.3f}") * Decimal("2.85")).quantize(Decimal("0.01"))
    assert totals["value"] == str(value) and body["token_price"]["unit_price"] == "2.85"

    per_pair: dict[tuple[str, str], float] = defaultdict(float)
    for _, user, product, t in month:
        per_pair[(user, product)] += t
    got = {(r["user"], r["product"]): r["tokens"] for r in body["by_user_product"]}
    assert got == per_pair and body["total"] == len(per_pair)
    per_product: dict[str, float] = defaultdict(float)
    for (_, product), t in per_pair.items():
        per_product[product] += t
    assert {p["product"]: p["tokens"] for p in body["by_product"]} == per_product

    now = insight_truth.segments(rows, NOV_30, synth.first_day)
    then = insight_truth.segments(rows, OCT_31, synth.first_day)
    assert body["segments"] == _counts(now) and body["previous_segments"] == _counts(then)
    moved = {u: (then.get(u), now.get(u)) for u in now.keys() | then.keys()}
    moved = {u: pair for u, pair in moved.items() if pair[0] != pair[1]}
    assert {c["user"]: (c["previous"], c["current"]) for c in body["segment_changes"]} == moved
    assert sum(body["transitions"].values()) == len(moved)
    assert {u["user"] for u in body["inactive_users"]} == {
        u for u, s in now.items() if s == "inactive"
    }

    _, weekend, holiday = insight_truth.off_hours(rows, NOV_1, NOV_30, us_holidays(2025))
    off = body["off_hours"]
    assert (off["weekend_tokens"], off["holiday_tokens"]) == (weekend, holiday)
    assert [h["date"] for h in off["holidays"]] == ["2025-11-11", "2025-11-27"]


def test_pages_and_bad_months(client: TestClient, org: Org) -> None:
    assert_error(
        client.get("/v1/reports/monthly", headers=org.headers, params={"month": "2025-11"}),
        422,
        "no usage in 2025-11",
    )
    load_synthetic(client, org, seed=6)
    everything = _report(client, org, month="2025-03", limit=5000)["by_user_product"]
    page = _report(client, org, month="2025-03", limit=4, offset=3)
    assert page["by_user_product"] == everything[3:7]
    assert_error(
        client.get("/v1/reports/monthly", headers=org.headers, params={"month": "2025-13"}),
        422,
        "month",
    )
    assert_error(client.get("/v1/reports/monthly", headers=org.headers), 422, "month")
    # Years the service's dates do not reach (year 0 once answered 500), and the edge months.
    for month in ("0000-01", "1969-12", "2200-01", "9999-12"):
        reply = client.get("/v1/reports/monthly", headers=org.headers, params={"month": month})
        assert_error(reply, 422, "month")
    for month in ("1970-01", "2199-12"):  # in range, but no usage there
        reply = client.get("/v1/reports/monthly", headers=org.headers, params={"month": month})
        assert_error(reply, 422, f"no usage in {month}")
    first = _report(client, org, month="2025-01")
    assert first["previous_as_of"] is None and first["previous_segments"]["power"] == 0
    assert any("every user is new" in n for n in first["notes"])
    assert len(first["segment_changes"]) == first["totals"]["users"]


def _counts(segments: dict[str, str]) -> dict[str, int]:
    return {
        s: sum(1 for v in segments.values() if v == s)
        for s in ("power", "regular", "occasional", "inactive")
    }
