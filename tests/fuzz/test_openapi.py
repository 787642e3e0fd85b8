"""schemathesis against the live OpenAPI schema, with a real key for a seeded organization.

Every operation gets generated requests (valid by the schema, so they reach the routes beyond
validation), sent with an API key that has every scope, to an organization that has usage, a
price book, a forecast, a purchase, a known change and a recommendation with its document. Each
reply must not be a 5xx, must use a status code and content type the schema documents, and must
match the documented body schema. The database is PostgreSQL when TOKENCAST_TEST_POSTGRES_URL is
set (a fresh one), else SQLite.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.db.migrate import upgrade_to_head
from app.main import create_app
from app.settings import Settings
from tests.conftest import PG_ADMIN_URL, _postgres_database

pytestmark = [pytest.mark.fuzz, pytest.mark.slow]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Operations that fit forecasts: fewer examples each, so the run stays within a few minutes.
HEAVY = r"^/v1/(forecasts|recommendations|plan|backtests)$"
HEAVY_EXAMPLES = 8
LIGHT_EXAMPLES = 40
HYPOTHESIS = {
    "deadline": None,
    "derandomize": True,
    "suppress_health_check": list(HealthCheck),
}


if os.environ.get("TOKENCAST_TEST_FUZZ") != "1":
    pytest.skip("fuzzing: set TOKENCAST_TEST_FUZZ=1 to run it", allow_module_level=True)

# The app is built at collection, for its schema; the `database` fixture sets the real URL
# before the app starts (its lifespan reads the settings then).
SETTINGS = Settings(database_url="sqlite://", forecast_paths=100)
APP = create_app(SETTINGS)


def _schema(*, coverage: bool) -> schemathesis.BaseSchema:
    loaded = schemathesis.openapi.from_dict(APP.openapi())
    loaded.app = APP
    loaded.location = "/openapi.json"
    loaded.config.phases.coverage.enabled = coverage
    return loaded


# The coverage phase (boundary values, every combination) is not bounded by max_examples: for
# the operations that fit forecasts only the bounded phases run.
light = _schema(coverage=True).exclude(path_regex=HEAVY)
heavy = _schema(coverage=False).include(path_regex=HEAVY)


def _daily(days: int) -> list[dict[str, Any]]:
    first = date(2024, 1, 1)
    return [
        {"date": (first + timedelta(days=i)).isoformat(), "tokens": 50 + (i % 7) * 10}
        for i in range(days)
    ]


def _seed(client: TestClient, key: str) -> None:
    """Usage, a price book, a forecast, a purchase, a change and a recommendation."""
    from tests.app.helpers import PRICE_BOOK

    auth = {"Authorization": f"Bearer {key}"}
    purchase = {"purchased_on": "2024-06-01", "tokens": 5000, "unit_price": "2.85"}
    change = {"kind": "headcount", "start": "2025-03-01", "users": 3}
    change |= {"products": ["Revit"], "days_per_week": 4}
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("POST", "/v1/usage", {"records": _daily(400)}),
        ("PUT", "/v1/price-book", PRICE_BOOK),
        ("POST", "/v1/purchases", purchase),
        ("POST", "/v1/changes", change),
        ("POST", "/v1/forecasts", {"horizon_days": 90}),
        ("POST", "/v1/recommendations", {}),
    ]
    for method, path, body in steps:
        reply = client.request(method, path, json=body, headers=auth)
        assert reply.status_code < 300, (path, reply.text)


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if PG_ADMIN_URL is None:
        yield f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"
        return
    yield from _postgres_database()


@pytest.fixture(scope="module")
def api_key(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database, seeded, and an API key with every scope for its organization."""
    from app.db.session import build_engine, session_factory, session_scope
    from app.services.keys import create_key, create_organization

    for url in _database_url(tmp_path_factory):
        upgrade_to_head(url)
        SETTINGS.database_url = url
        engine = build_engine(url)
        with session_scope(session_factory(engine)) as session:
            org = create_organization(session, name="Fuzzed")
            _, key = create_key(session, organization_id=org.id, name="fuzz")
        engine.dispose()
        with TestClient(APP) as client:
            _seed(client, key)
        yield key


@light.parametrize()
@settings(max_examples=LIGHT_EXAMPLES, **HYPOTHESIS)
def test_light_operations_conform(case: schemathesis.Case, api_key: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)


@heavy.parametrize()
@settings(max_examples=HEAVY_EXAMPLES, **HYPOTHESIS)
def test_heavy_operations_conform(case: schemathesis.Case, api_key: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {api_key}"}, checks=CHECKS)


def test_heavy_pattern_names_existing_routes() -> None:
    assert {p for p in APP.openapi()["paths"] if re.match(HEAVY, p)} == {
        "/v1/forecasts",
        "/v1/recommendations",
        "/v1/plan",
        "/v1/backtests",
    }
