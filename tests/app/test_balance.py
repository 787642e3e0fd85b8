"""GET /v1/balance replays real usage through the packs in the vendor's consumption order."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.app.helpers import strict_json
from tests.conftest import Org


def _usage(start: date, days: int, tokens: int) -> list[dict[str, object]]:
    return [
        {"date": (start + timedelta(days=i)).isoformat(), "tokens": tokens} for i in range(days)
    ]


def test_equal_expiry_smaller_pack_first_and_expiry_forfeits(client: TestClient, org: Org) -> None:
    start = date(2024, 1, 1)
    client.post("/v1/usage", headers=org.headers, json={"records": _usage(start, 60, 10)})
    packs = [
        {"purchased_on": "2024-01-01", "tokens": 1000, "unit_price": "2.85",
         "expires_on": "2024-02-20"},
        {"purchased_on": "2024-01-01", "tokens": 300, "unit_price": "3.00",
         "expires_on": "2024-02-20"},
    ]  # fmt: skip
    ids = [
        strict_json(client.post("/v1/purchases", headers=org.headers, json=p))["id"] for p in packs
    ]

    mid = strict_json(client.get("/v1/balance?as_of=2024-01-20", headers=org.headers))
    by_id = {p["id"]: p for p in mid["packs"]}
    # 20 days x 10 = 200 tokens, all from the smaller pack (equal expiry: smaller first).
    assert by_id[ids[1]]["consumed_tokens"] == 200 and by_id[ids[1]]["remaining_tokens"] == 100
    assert by_id[ids[0]]["consumed_tokens"] == 0 and by_id[ids[0]]["remaining_tokens"] == 1000
    assert mid["remaining_tokens"] == 1100
    assert mid["upcoming_expiries"] == [{"expires_on": "2024-02-20", "tokens": 1100}]

    end = strict_json(client.get("/v1/balance?as_of=2024-02-29", headers=org.headers))
    by_id = {p["id"]: p for p in end["packs"]}
    # Jan 1 .. Feb 19 is 50 days = 500 tokens: 300 from the small pack, 200 from the large one;
    # the large pack's other 800 expire on Feb 20; Feb 20 .. Feb 29 (10 days) has no pack.
    assert by_id[ids[1]]["status"] == "expired" and by_id[ids[1]]["expired_unused_tokens"] == 0
    assert by_id[ids[0]]["consumed_tokens"] == 200
    assert by_id[ids[0]]["expired_unused_tokens"] == 800
    assert by_id[ids[0]]["expired_unused_value"] == "2280.00"
    assert end["remaining_tokens"] == 0
    assert end["unserved_tokens"] == 100 and end["unserved_days"] == 10
    assert end["first_unserved_day"] == "2024-02-20"


def test_balance_without_packs(client: TestClient, org: Org) -> None:
    client.post("/v1/usage", headers=org.headers, json={"records": _usage(date(2024, 1, 1), 5, 7)})
    body = strict_json(client.get("/v1/balance", headers=org.headers))
    assert body["as_of"] == "2024-01-05" and body["packs"] == []
    assert body["unserved_tokens"] == 35 and body["remaining_tokens"] == 0
