"""The organization's settings: its country gives forecasts their public holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.app.helpers import assert_error, strict_json
from tests.conftest import Org


def test_set_and_clear_the_country(client: TestClient, org: Org) -> None:
    assert strict_json(client.get("/v1/organization", headers=org.headers))["country"] is None
    got = client.patch("/v1/organization", headers=org.headers, json={"country": "GB"})
    assert strict_json(got)["country"] == "GB"
    assert_error(client.patch("/v1/organization", headers=org.headers, json={"country": "XX"}),
                 422, "country")  # fmt: skip
    assert_error(client.patch("/v1/organization", headers=org.headers, json={"country": "gb"}),
                 422, "country")  # fmt: skip
    cleared = client.patch("/v1/organization", headers=org.headers, json={"clear_country": True})
    assert strict_json(cleared)["country"] is None


@pytest.mark.slow
def test_us_holidays_stay_near_zero_in_the_forecast(client: TestClient, org: Org) -> None:
    # Two years of weekday usage, zero on weekends and on US federal holidays.
    import holidays

    us = holidays.country_holidays("US", years=range(2022, 2025))
    start, records = date(2022, 1, 3), []
    for i in range(730):
        day = start + timedelta(days=i)
        busy = day.weekday() < 5 and day not in us
        records.append({"date": day.isoformat(), "tokens": 400 + (i % 5) * 10 if busy else 0})
    client.post("/v1/usage", headers=org.headers, json={"records": records})
    client.patch("/v1/organization", headers=org.headers, json={"country": "US"})
    fc = strict_json(
        client.post("/v1/forecasts", headers=org.headers,
                    json={"horizon_days": 365, "model": "prophet", "seed": 1})
    )  # fmt: skip
    daily = {d["date"]: d for d in fc["daily"]}
    # Thanksgiving 2024 (a Thursday) is a holiday; the Thursday a week before is not.
    assert daily["2024-11-28"]["p50"] < 0.2 * daily["2024-11-21"]["p50"]
