"""POST /v1/backtests on a stored history whose answer can be worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.services.keys import create_key
from tests.app.helpers import PRICE_BOOK, assert_error, strict_json
from tests.conftest import Org

START = date(2021, 1, 1)
FLAT_TOKENS = 400
YEAR = 365 * FLAT_TOKENS  # 146,000 tokens over a pack's life


def _store(client: TestClient, org: Org, days: int) -> None:
    records = [
        {"date": (START + timedelta(days=i)).isoformat(), "tokens": FLAT_TOKENS}
        for i in range(days)
    ]
    assert client.post("/v1/usage", headers=org.headers, json={"records": records}).is_success
    assert client.put("/v1/price-book", headers=org.headers, json=PRICE_BOOK).is_success


def _rows(reply: dict[str, Any], strategy: str) -> list[dict[str, Any]]:
    return [r for r in reply["rows"] if r["strategy"] == strategy]


def test_flat_demand_three_years_by_hand(client: TestClient, org: Org) -> None:
    _store(client, org, 3 * 365)
    reply = client.post("/v1/backtests", headers=org.headers, json={"n_paths": 100, "seed": 5})
    assert reply.status_code == 200, reply.text
    body = strict_json(reply)
    assert body["purchase_dates"] == ["2022-01-01", "2023-01-01"]
    assert (body["seed"], body["n_paths"], body["model"]) == (5, 100, "auto")
    # Perfect foresight buys exactly the year's 146,000 at 2.85: 416,100.00; so does last year's.
    for strategy in ("perfect_foresight", "last_year"):
        for row in _rows(body, strategy):
            assert (row["quantity"], row["spent"], row["regret"]) == (YEAR, "416100.00", "0.00")
            assert (row["wasted_tokens"], row["blocked_days"]) == (0, 0)
    # + 20 %: 175,200 at 2.85 = 499,320.00, of which 29,200 tokens (1/6) expire unused.
    for row in _rows(body, "last_year_plus_20"):
        assert (row["quantity"], row["price"], row["wasted_tokens"]) == (
            175_200,
            "499320.00",
            29_200,
        )
        assert row["regret"] == "83220.00"
    summary = {s["strategy"]: s for s in body["summary"]}
    plus = summary["last_year_plus_20"]
    assert plus["total_spent"] == "998640.00" and plus["total_wasted_tokens"] == 58_400
    assert plus["waste_pct"] == round(100 / 6, 3) and plus["regret_pct"] == 20.0
    # The recommendation: whatever it buys, the realised books must balance.
    for row in _rows(body, "recommendation"):
        q = row["quantity"]
        assert row["top_up_tokens"] == max(0, YEAR - q) and row["wasted_tokens"] == max(0, q - YEAR)
        spent = Decimal("2.85") * q + Decimal("3.00") * max(0, YEAR - q)
        assert Decimal(row["spent"]) == spent
        assert Decimal(row["regret"]) == spent - Decimal("416100.00")
        assert row["forecast_model"] and isinstance(row["seed"], int)


def test_actual_pack_dates_keep_those_with_a_year_before_and_a_life_after(
    client: TestClient, org: Org
) -> None:
    _store(client, org, 3 * 365)
    for day in ("2021-06-01", "2022-01-01", "2023-06-01"):
        pack = {"purchased_on": day, "tokens": 150_000, "unit_price": "2.85"}
        assert client.post("/v1/purchases", headers=org.headers, json=pack).is_success
    ask = {"schedule": "actual_packs", "n_paths": 50, "model": "seasonal_naive"}
    body = strict_json(client.post("/v1/backtests", headers=org.headers, json=ask))
    assert body["purchase_dates"] == ["2022-01-01"]
    assert (
        sum("2021-06-01: left out" in n or "2023-06-01: left out" in n for n in body["notes"]) == 2
    )
    assert [r["strategy"] for r in body["rows"]] == [
        "recommendation",
        "last_year_plus_20",
        "last_year",
        "perfect_foresight",
    ]


def test_too_short_a_history_or_no_packs_is_422(client: TestClient, org: Org) -> None:
    _store(client, org, 600)
    short = client.post("/v1/backtests", headers=org.headers, json={})
    assert_error(short, 422, "730 days in all", "600 days")
    no_packs = client.post("/v1/backtests", headers=org.headers, json={"schedule": "actual_packs"})
    assert_error(no_packs, 422, "no packs are stored")
    assert_error(client.post("/v1/backtests", headers=org.headers, json={"n_paths": 0}), 422)


def test_needs_the_plan_write_scope(
    client: TestClient, org: Org, factory: sessionmaker[Session]
) -> None:
    with factory() as s:
        _, raw = create_key(s, organization_id=org.id, name="ro", scopes=("read",))
        s.commit()
    reply = client.post("/v1/backtests", headers={"Authorization": f"Bearer {raw}"}, json={})
    assert_error(reply, 403)
