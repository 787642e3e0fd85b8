"""Polling forecasts: the stored body as it was answered, its ETag, and 304 while unchanged."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from tests.app.helpers import assert_error, strict_json
from tests.conftest import Org


def _usage(client: TestClient, org: Org) -> None:
    first = date(2024, 1, 1)
    records = [
        {"date": (first + timedelta(days=i)).isoformat(), "tokens": 100 + (i % 7) * 5}
        for i in range(120)
    ]
    assert client.post("/v1/usage", headers=org.headers, json={"records": records}).is_success


def _forecast(client: TestClient, org: Org, seed: int) -> tuple[dict[str, object], str]:
    body = {"horizon_days": 30, "model": "seasonal_naive", "seed": seed}
    reply = client.post("/v1/forecasts", headers=org.headers, json=body)
    assert reply.status_code == 201, reply.text
    return strict_json(reply), reply.headers["ETag"]


def test_latest_answers_the_stored_forecast_and_304_while_it_is_the_latest(
    client: TestClient, org: Org
) -> None:
    _usage(client, org)
    created, etag = _forecast(client, org, seed=1)

    latest = client.get("/v1/forecasts/latest", headers=org.headers)
    assert latest.status_code == 200
    assert latest.headers["content-type"] == "application/json"
    assert latest.headers["ETag"] == etag
    assert strict_json(latest) == created

    for tag in (etag, f"W/{etag}", f'"other", {etag}'):
        same = client.get("/v1/forecasts/latest", headers={**org.headers, "If-None-Match": tag})
        assert same.status_code == 304
        assert same.content == b""
        assert same.headers["ETag"] == etag

    newer, newer_etag = _forecast(client, org, seed=2)
    assert newer_etag != etag
    changed = client.get("/v1/forecasts/latest", headers={**org.headers, "If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] == newer_etag
    assert strict_json(changed)["id"] == newer["id"]


def test_a_forecast_by_id_is_its_stored_body_with_its_etag(client: TestClient, org: Org) -> None:
    _usage(client, org)
    created, etag = _forecast(client, org, seed=3)
    _forecast(client, org, seed=4)
    path = f"/v1/forecasts/{created['id']}"
    by_id = client.get(path, headers=org.headers)
    assert by_id.headers["ETag"] == etag
    assert strict_json(by_id) == created
    assert client.get(path, headers={**org.headers, "If-None-Match": etag}).status_code == 304


def test_no_forecast_yet_is_404_with_or_without_an_etag(client: TestClient, org: Org) -> None:
    for headers in (org.headers, {**org.headers, "If-None-Match": '"abc"'}):
        assert_error(client.get("/v1/forecasts/latest", headers=headers), 404, "no forecast yet")


def test_the_polling_route_reads_the_key_as_every_other_route(client: TestClient, org: Org) -> None:
    """The polling route parses `Authorization` itself; every value gets the answer the
    dependency-based routes give (401 with the same message, or through to the data)."""
    key = org.headers["Authorization"].removeprefix("Bearer ")
    values = [None, "", "Bearer", "Bearer ", f"Basic {key}", key, f"bearer {key}",
              f"BEARER {key}", f"Bearer {key}", "Bearer tc_unknown", f"Bearer  {key}"]  # fmt: skip
    for value in values:
        headers = {} if value is None else {"Authorization": value}
        poll = client.get("/v1/forecasts/latest", headers=headers)
        other = client.get("/v1/purchases", headers=headers)
        assert (poll.status_code == 401) == (other.status_code == 401), value
        if other.status_code == 401:
            assert poll.json() == other.json(), value
        else:
            assert poll.status_code == 404, value  # no forecast yet: the key was accepted
