"""A key only ever sees its own organization's data, in any route, by any id."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.app.helpers import PRICE_BOOK, assert_error, strict_json
from tests.app.live import fresh_database, new_org
from tests.conftest import BACKENDS, Org


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


# --- Every route of the OpenAPI schema, called with organization B's key and A's ids ---------

SECRET_PRODUCT = "Aprivate-Product-7f3"
SECRET_USER = "alice@a-only.example"
A_NAME = "Org A Confidential 5c1"


def _schema_routes() -> list[tuple[str, str]]:
    schema = create_app(Settings()).openapi()
    return sorted(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, op in operations.items()
        if op.get("security")
    )


ROUTES = _schema_routes()


@dataclass
class World:
    client: TestClient
    a: dict[str, str]
    b: dict[str, str]
    ids: dict[str, str]  # A's objects, by the name of the path parameter that takes them
    markers: list[str]  # strings only A's data contains
    a_view: dict[str, Any]


def _a_view(client: TestClient, a: dict[str, str]) -> dict[str, Any]:
    """Everything of A that B's calls must leave alone, as A's own key sees it."""
    keys = strict_json(client.get("/v1/keys", headers=a))["keys"]
    return {
        "keys": [{k: v for k, v in key.items() if k != "last_used_at"} for key in keys],
        **{
            path: strict_json(client.get(path, headers=a))
            for path in (
                "/v1/organization",
                "/v1/usage/daily?limit=1000",
                "/v1/price-book",
                "/v1/purchases",
                "/v1/changes",
                "/v1/forecasts/latest",
                "/v1/named-user-prices",
            )
        },
    }


@pytest.fixture(scope="module", params=BACKENDS)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    for url in fresh_database(request.param, tmp_path_factory):
        a_id, a = new_org(url, A_NAME)
        _, b = new_org(url, "Org B")
        with TestClient(create_app(Settings(database_url=url, forecast_paths=100))) as client:
            yield _build_world(client, a_id, a, b)


def _build_world(client: TestClient, a_id: str, a: dict[str, str], b: dict[str, str]) -> World:
    users = [{**r, "user": SECRET_USER, "product": SECRET_PRODUCT} for r in _records(200)]
    for h, records in ((a, users), (b, _records(200))):
        assert client.post("/v1/usage", headers=h, json={"records": records}).status_code == 201
        assert client.put("/v1/price-book", headers=h, json=PRICE_BOOK).status_code == 200
    a_prices = {"prices": [{"product": SECRET_PRODUCT, "currency": "USD", "annual_price": "10.00"}]}
    assert client.put("/v1/named-user-prices", headers=a, json=a_prices).status_code == 200
    pack = {"purchased_on": "2024-01-10", "tokens": 5000, "unit_price": "2.85"}
    change = {"kind": "rate_change", "start": "2024-09-01", "product": SECRET_PRODUCT,
              "tokens_per_day": 11}  # fmt: skip
    posts = {
        "purchase": ("/v1/purchases", pack),
        "change_id": ("/v1/changes", change),
        "forecast_id": ("/v1/forecasts", {"horizon_days": 30}),
        "recommendation_id": ("/v1/recommendations", {}),
        "key_id": ("/v1/keys", {"name": "a-second", "scopes": ["read"]}),
    }
    # A sends an Idempotency-Key that B will send too: keys belong to one organization.
    made = {
        name: strict_json(client.post(p, headers={**a, "Idempotency-Key": f"k{p}"}, json=j))
        for name, (p, j) in posts.items()
    }
    ids = {name: str(body["id"]) for name, body in made.items()}
    ids["document_id"] = made["recommendation_id"]["document"]["id"]
    markers = [a_id, A_NAME, SECRET_PRODUCT, SECRET_USER, made["key_id"]["prefix"], *ids.values()]
    return World(client, a, b, ids, markers, _a_view(client, a))


def _request_for(world: World, method: str, path: str) -> tuple[str, dict[str, Any], bool]:
    """The URL, the request's arguments, and whether it names one of A's objects."""
    params = re.findall(r"{(\w+)}", path)
    unknown = [p for p in params if p not in world.ids]
    if unknown:
        pytest.fail(f"{method} {path}: add an object of organization A for {unknown} to the world")
    url = path.format(**{p: world.ids[p] for p in params})
    kwargs: dict[str, Any] = {}
    body_names_a = False
    if method in ("POST", "PUT", "PATCH"):
        bodies = _bodies(world)
        if (method, path) not in bodies and not params:
            pytest.fail(f"{method} {path}: add organization B's request body to _bodies()")
        kwargs = bodies.get((method, path), {"json": {}})
        body_names_a = any(i in json.dumps(kwargs.get("json", "")) for i in world.ids.values())
    return url, kwargs, bool(params) or body_names_a


def _bodies(world: World) -> dict[tuple[str, str], dict[str, Any]]:
    csv = b"date,tokens\n2024-08-01,5\n"
    change = {"kind": "rate_change", "start": "2024-09-01", "tokens_per_day": 12}
    plan = {"usage": _records(120), "price_book": PRICE_BOOK}
    return {
        ("POST", "/v1/usage"): {"json": {"records": [{"date": "2024-08-02", "tokens": 4}]}},
        ("POST", "/v1/usage/imports"): {"files": {"file": ("b.csv", csv, "text/csv")}},
        ("PUT", "/v1/price-book"): {"json": PRICE_BOOK},
        ("POST", "/v1/purchases"): {
            "json": {"purchased_on": "2024-02-01", "tokens": 100, "unit_price": "3.00"}
        },
        ("POST", "/v1/changes"): {"json": {**change, "product": "Revit"}},
        ("POST", "/v1/forecasts"): {"json": {"horizon_days": 30}},
        ("POST", "/v1/recommendations"): {"json": {"forecast_id": world.ids["forecast_id"]}},
        ("POST", "/v1/plan"): {"json": plan},
        ("POST", "/v1/backtests"): {"json": {"n_paths": 10}},
        ("PATCH", "/v1/organization"): {"json": {"country": "US"}},
        ("POST", "/v1/keys"): {"json": {"name": "b-key", "scopes": ["read"]}},
        ("PUT", "/v1/named-user-prices"): {
            "json": {"prices": [{"product": "Revit", "currency": "USD", "annual_price": "9.00"}]}
        },
        # B names A's user: B has no such user, so nothing of A's may be moved or shown.
        ("POST", "/v1/insights/apply"): {"json": {"users": [SECRET_USER]}},
    }


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_no_route_shows_or_changes_another_organizations_data(
    world: World, method: str, path: str
) -> None:
    url, kwargs, names_a = _request_for(world, method, path)
    headers = {**world.b, "Idempotency-Key": f"k{path}"} if method != "GET" else world.b
    reply = world.client.request(method, url, headers=headers, **kwargs)
    if names_a:
        assert reply.status_code in (403, 404), (method, url, reply.status_code, reply.text)
    assert reply.status_code < 500 and reply.status_code != 409, reply.text
    sent = url + json.dumps(kwargs.get("json"))  # an error may name the id B asked for
    shown = reply.text + str(reply.headers)
    leaked = [m for m in world.markers if m not in sent and m in shown]
    assert leaked == [], f"{method} {url} showed organization A's {leaked}"
    assert _a_view(world.client, world.a) == world.a_view


def test_every_v1_route_needs_a_key() -> None:
    schema = create_app(Settings()).openapi()
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            assert bool(op.get("security")) == path.startswith("/v1/"), (method, path)
