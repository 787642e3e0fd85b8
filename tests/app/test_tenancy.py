"""A key only ever sees its own organization's data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.app.helpers import PRICE_BOOK, assert_error, strict_json
from tests.conftest import Org


def _records(days: int) -> list[dict[str, object]]:
    start = date(2024, 1, 1)
    return [
        {
            "date": (start + timedelta(days=i)).isoformat(),
            "tokens": 0 if (start + timedelta(days=i)).weekday() >= 5 else 400 + (i % 7) * 10,
        }
        for i in range(days)
    ]


@pytest.mark.slow
def test_other_organization_gets_404_for_everything(
    client: TestClient, org: Org, other_org: Org
) -> None:
    client.post("/v1/usage", headers=org.headers, json={"records": _records(200)})
    client.put("/v1/price-book", headers=org.headers, json=PRICE_BOOK)
    fc = strict_json(client.post("/v1/forecasts", headers=org.headers, json={"horizon_days": 30}))
    rec = strict_json(client.post("/v1/recommendations", headers=org.headers, json={}))
    doc_id = rec["document"]["id"]

    assert client.get(f"/v1/forecasts/{fc['id']}", headers=org.headers).status_code == 200
    assert_error(client.get(f"/v1/forecasts/{fc['id']}", headers=other_org.headers), 404)
    assert_error(client.get(f"/v1/recommendations/{rec['id']}", headers=other_org.headers), 404)
    assert_error(client.get(f"/v1/documents/{doc_id}", headers=other_org.headers), 404)
    assert_error(client.get("/v1/forecasts/latest", headers=other_org.headers), 404)
    other_daily = strict_json(client.get("/v1/usage/daily", headers=other_org.headers))
    assert other_daily["days"] == 0
    assert_error(client.get("/v1/price-book", headers=other_org.headers), 404)
    # Reusing another organization's forecast is refused the same way.
    client.put("/v1/price-book", headers=other_org.headers, json=PRICE_BOOK)
    other_rec = client.post(
        "/v1/recommendations", headers=other_org.headers, json={"forecast_id": fc["id"]}
    )
    assert_error(other_rec, 404, "forecast")
