"""Limits: body bytes, rows per import, forecast horizon and paths; each a 413 or 422 naming it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from app.api.usage import UPLOAD_PATHS
from app.main import create_app
from app.settings import Settings
from tests.app.helpers import PRICE_BOOK, assert_error, strict_json
from tests.conftest import Org

MakeClient = Callable[..., TestClient]


@pytest.fixture
def make_client(settings: Settings, factory: sessionmaker[Session]) -> Iterator[MakeClient]:
    """A client whose app runs with some settings changed."""
    opened: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        app = create_app(settings.model_copy(update=overrides))
        client = TestClient(app)
        client.__enter__()
        app.state.session_factory = factory
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


def _stored_days(client: TestClient, org: Org) -> int:
    return int(strict_json(client.get("/v1/usage/daily", headers=org.headers))["days"])


def _records(n: int) -> list[dict[str, Any]]:
    return [
        {"date": f"2024-05-{d:02d}", "user": "alice.smith", "tokens": 5} for d in range(1, n + 1)
    ]


# --- request body bytes ---------------------------------------------------------------------


def test_a_declared_body_over_the_limit_is_413_and_nothing_is_stored(
    make_client: MakeClient, org: Org
) -> None:
    client = make_client(max_body_bytes=1024)
    headers = {**org.headers, "Content-Type": "application/json"}
    body = json.dumps({"records": _records(31)}).encode()
    assert len(body) > 1024
    reply = client.post("/v1/usage", headers=headers, content=body)
    err = assert_error(reply, 413, "request body", "1024", "TOKENCAST_MAX_BODY_BYTES")
    assert err["error"] == "payload_too_large"
    assert _stored_days(client, org) == 0
    small = json.dumps({"records": _records(3)}).encode()
    assert len(small) <= 1024
    assert client.post("/v1/usage", headers=headers, content=small).status_code == 201


def _scope(path: str, content_type: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", content_type), (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "state": {},
    }


def _stream(
    settings: Settings, path: str, chunks: int, chunk_bytes: int
) -> tuple[int, int, dict[str, Any]]:
    """Send a chunked body (no Content-Length) straight to the ASGI app; return the status,
    how many chunks the app pulled, and the reply's JSON."""
    app = create_app(settings)
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        if pulled == chunks:
            return {"type": "http.disconnect"}
        pulled += 1
        return {"type": "http.request", "body": b" " * chunk_bytes, "more_body": pulled < chunks}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(_scope(path, b"application/json"), receive, send))
    status = sent[0]["status"]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return status, pulled, json.loads(body)


def test_a_streamed_body_is_cut_at_the_limit_without_reading_the_rest(settings: Settings) -> None:
    # 1,000 chunks of 1 KiB against a 4 KiB limit: the 5th chunk crosses it, the rest are never
    # pulled from the client.
    limited = settings.model_copy(update={"max_body_bytes": 4096})
    status, pulled, body = _stream(limited, "/v1/usage", chunks=1000, chunk_bytes=1024)
    assert status == 413
    assert pulled == 5
    assert body["error"] == "payload_too_large" and "4096" in body["detail"]


def test_uploads_take_their_own_larger_limit(make_client: MakeClient, org: Org) -> None:
    client = make_client(max_body_bytes=1024, max_upload_bytes=64 * 1024)
    lines = ["date,tokens", *(f"2024-01-{d:02d},{100 + d}" for d in range(1, 32))] * 1
    csv = ("\n".join(lines) + "\n").encode() + b"\n" * 2000  # trailing blank lines: > 1 KiB
    assert len(csv) > 1024
    reply = client.post(
        "/v1/usage/imports", headers=org.headers, files={"file": ("u.csv", csv, "text/csv")}
    )
    assert reply.status_code == 201, reply.text
    assert strict_json(reply)["rows_read"] == 31
    # over the upload limit by less than the multipart room: the route names the file's limit
    big = b"date,tokens\n" + b"\n" * (64 * 1024)
    reply = client.post(
        "/v1/usage/imports", headers=org.headers, files={"file": ("b.csv", big, "text/csv")}
    )
    assert_error(reply, 413, "file", str(64 * 1024))
    # far over it: answered from the Content-Length, naming the upload setting
    huge = b"date,tokens\n" + b"\n" * (200 * 1024)
    reply = client.post(
        "/v1/usage/imports", headers=org.headers, files={"file": ("h.csv", huge, "text/csv")}
    )
    assert_error(reply, 413, "request body", "TOKENCAST_MAX_UPLOAD_BYTES")


def test_every_upload_route_takes_the_upload_limit(settings: Settings) -> None:
    schema = create_app(settings).openapi()
    multipart = {
        path
        for path, operations in schema["paths"].items()
        for op in operations.values()
        if "multipart/form-data" in op.get("requestBody", {}).get("content", {})
    }
    assert multipart == UPLOAD_PATHS


# --- rows per import -------------------------------------------------------------------------


def _import(client: TestClient, org: Org, content: bytes) -> Any:
    return client.post(
        "/v1/usage/imports", headers=org.headers, files={"file": ("u.csv", content, "text/csv")}
    )


def test_a_file_over_the_row_limit_names_the_line_and_stores_nothing(
    make_client: MakeClient, org: Org
) -> None:
    client = make_client(max_import_rows=3)
    # header on line 1; data rows on lines 2, 3, 5 (line 4 is blank) and 6: line 6 is the 4th row
    content = b"date,tokens\n2024-01-01,1\n2024-01-02,2\n\n2024-01-03,3\n2024-01-04,4\n"
    err = assert_error(_import(client, org, content), 413, "line 6", "more than 3 data rows")
    assert err["error"] == "too_many_rows"
    assert _stored_days(client, org) == 0
    exactly = b"date,tokens\n2024-01-01,1\n2024-01-02,2\n\n2024-01-03,3\n"
    reply = _import(client, org, exactly)
    assert reply.status_code == 201, reply.text
    assert strict_json(reply)["rows_read"] == 3


def test_json_records_over_the_row_limit_name_the_first_record_over_it(
    make_client: MakeClient, org: Org
) -> None:
    client = make_client(max_import_rows=3)
    reply = client.post("/v1/usage", headers=org.headers, json={"records": _records(4)})
    err = assert_error(reply, 413, "records.3", "more than 3 records", "TOKENCAST_MAX_IMPORT_ROWS")
    assert err["error"] == "too_many_rows"
    assert _stored_days(client, org) == 0
    assert client.post("/v1/usage", headers=org.headers, json={"records": _records(3)}).is_success


def test_plan_usage_over_the_row_limit_is_413(make_client: MakeClient, org: Org) -> None:
    client = make_client(max_import_rows=3)
    body = {"usage": _records(4), "price_book": PRICE_BOOK}
    assert_error(client.post("/v1/plan", headers=org.headers, json=body), 413, "usage.3")


# --- forecast horizon and paths ----------------------------------------------------------------


def _with_history(client: TestClient, org: Org) -> None:
    records = [{"date": f"2024-{m:02d}-{d:02d}", "tokens": 200 + (d * 7 + m) % 40}
               for m in range(1, 5) for d in range(1, 29)]  # fmt: skip
    assert client.post("/v1/usage", headers=org.headers, json={"records": records}).is_success


def test_horizon_over_the_limit_is_422_naming_it(make_client: MakeClient, org: Org) -> None:
    client = make_client(max_horizon_days=60)
    _with_history(client, org)
    reply = client.post("/v1/forecasts", headers=org.headers, json={"horizon_days": 61})
    assert_error(reply, 422, "horizon_days", "at most 60", "TOKENCAST_MAX_HORIZON_DAYS")


def test_paths_over_the_limit_are_422_and_within_it_are_used(
    make_client: MakeClient, org: Org
) -> None:
    client = make_client(forecast_paths=300, max_forecast_paths=400)
    _with_history(client, org)
    ask = {"horizon_days": 30, "model": "seasonal_naive"}
    reply = client.post("/v1/forecasts", headers=org.headers, json={**ask, "n_paths": 401})
    assert_error(reply, 422, "n_paths", "at most 400", "TOKENCAST_MAX_FORECAST_PATHS")
    reply = client.post("/v1/forecasts", headers=org.headers, json={**ask, "n_paths": 150})
    assert reply.status_code == 201, reply.text
    assert strict_json(reply)["n_paths"] == 150
    default = strict_json(client.post("/v1/forecasts", headers=org.headers, json=ask))
    assert default["n_paths"] == 300
    reply = client.post("/v1/backtests", headers=org.headers, json={"n_paths": 401})
    assert_error(reply, 422, "n_paths", "at most 400")


def test_the_default_paths_cannot_exceed_the_limit() -> None:
    with pytest.raises(ValidationError, match="max_forecast_paths"):
        Settings(forecast_paths=2000, max_forecast_paths=1000)
