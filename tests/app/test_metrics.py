"""GET /metrics: request counts and latencies by route template, forecast, optimizer, imports."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.orm import Session, sessionmaker

from app.main import create_app
from app.settings import Settings
from tests.app.helpers import PRICE_BOOK
from tests.conftest import Org

ROOT = Path(__file__).resolve().parents[2]


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _scraped(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    reply = client.get("/metrics")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(reply.text)
        for s in family.samples
    }


def test_requests_are_counted_by_method_route_template_and_status(
    client: TestClient, org: Org
) -> None:
    forecast_id = uuid.uuid4()
    route = {"method": "GET", "route": "/v1/forecasts/{forecast_id}", "status": "404"}
    before = _value("tokencast_http_requests_total", **route)
    before_hist = _value("tokencast_http_request_duration_seconds_count", **route)
    for _ in range(3):
        client.get(f"/v1/forecasts/{forecast_id}", headers=org.headers)
    client.get(f"/v1/forecasts/{forecast_id}")  # 401: a different series
    client.get("/not/a/route/" + "x" * 20)
    scraped = _scraped(client)
    key = ("tokencast_http_requests_total", frozenset(route.items()))
    assert scraped[key] == before + 3
    hist = ("tokencast_http_request_duration_seconds_count", frozenset(route.items()))
    assert scraped[hist] == before_hist + 3
    labels = {dict(k[1]).get("route") for k in scraped if k[0] == "tokencast_http_requests_total"}
    assert "unmatched" in labels
    assert not any(str(forecast_id) in (r or "") or "xxxx" in (r or "") for r in labels)


def test_imported_rows_are_counted_by_format(client: TestClient, org: Org) -> None:
    json_before = _value("tokencast_import_rows_total", format="json")
    csv_before = _value("tokencast_import_rows_total", format="plain-daily")
    records = [{"date": f"2024-03-{d:02d}", "tokens": d} for d in range(1, 6)]
    assert client.post("/v1/usage", headers=org.headers, json={"records": records}).is_success
    # the same day twice in a file: 3 rows read, 2 records stored; rows read are what is counted
    content = b"date,tokens\n2024-04-01,1\n2024-04-01,2\n2024-04-02,3\n"
    files = {"file": ("d.csv", content, "text/csv")}
    assert client.post("/v1/usage/imports", headers=org.headers, files=files).is_success
    # a rejected file counts nothing
    files = {"file": ("bad.csv", b"date,tokens\n2024-04-03,-1\n", "text/csv")}
    assert client.post("/v1/usage/imports", headers=org.headers, files=files).status_code == 422
    assert _value("tokencast_import_rows_total", format="json") == json_before + 5
    assert _value("tokencast_import_rows_total", format="plain-daily") == csv_before + 3


def test_forecast_and_optimizer_durations_are_observed(client: TestClient, org: Org) -> None:
    records = [{"date": f"2024-{m:02d}-{d:02d}", "tokens": 300 + (d * 11 + m) % 50}
               for m in range(1, 13) for d in range(1, 29)]  # fmt: skip
    assert client.post("/v1/usage", headers=org.headers, json={"records": records}).is_success
    assert client.put("/v1/price-book", headers=org.headers, json=PRICE_BOOK).is_success
    fc_before = _value("tokencast_forecast_duration_seconds_count", model="seasonal_naive")
    auto_before = _value("tokencast_forecast_duration_seconds_count", model="auto")
    opt_before = _value("tokencast_optimizer_duration_seconds_count", objective="cvar")
    ask = {"horizon_days": 30, "model": "seasonal_naive"}
    assert client.post("/v1/forecasts", headers=org.headers, json=ask).status_code == 201
    reply = client.post("/v1/recommendations", headers=org.headers, json={"objective": "cvar"})
    assert reply.status_code == 201, reply.text
    assert _value("tokencast_forecast_duration_seconds_count", model="seasonal_naive") == (
        fc_before + 1
    )
    # the recommendation made its own forecast ("auto") and ran the optimizer once
    assert _value("tokencast_forecast_duration_seconds_count", model="auto") == auto_before + 1
    assert _value("tokencast_optimizer_duration_seconds_count", objective="cvar") == opt_before + 1
    assert _value("tokencast_optimizer_duration_seconds_sum", objective="cvar") > 0


def test_metrics_can_be_turned_off(settings: Settings, factory: sessionmaker[Session]) -> None:
    app = create_app(settings.model_copy(update={"metrics_enabled": False}))
    with TestClient(app) as client:
        before = _value(
            "tokencast_http_requests_total", method="GET", route="/healthz", status="200"
        )
        assert client.get("/metrics").status_code == 404
        assert client.get("/healthz").status_code == 200
        after = _value(
            "tokencast_http_requests_total", method="GET", route="/healthz", status="200"
        )
    assert after == before
    assert "/metrics" not in app.openapi()["paths"]


_WORKER = """
import asyncio
from app.observability.middleware import ObservabilityMiddleware

async def ok(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})

async def main():
    app = ObservabilityMiddleware(ok)
    async def receive():
        return {"type": "http.request", "body": b""}
    async def send(message):
        pass
    for _ in range(N_REQUESTS):
        await app({"type": "http", "method": "GET", "path": "/x", "headers": []}, receive, send)

asyncio.run(main())
"""

_SCRAPE = """
import sys
from app.observability.metrics import render
sys.stdout.write(render().decode())
"""


def _run(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_multiprocess_mode_sums_every_worker(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    _run(_WORKER.replace("N_REQUESTS", "3"), env)
    _run(_WORKER.replace("N_REQUESTS", "4"), env)
    scraped = _run(_SCRAPE, env)
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(scraped)
        for s in family.samples
    }
    labels = frozenset({"method": "GET", "route": "unmatched", "status": "200"}.items())
    assert samples[("tokencast_http_requests_total", labels)] == 7
