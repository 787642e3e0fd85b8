"""Request ids on every reply and log line; JSON log lines without personal data; clean 500s."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.main import create_app
from app.observability.logs import configure_logging
from app.settings import Settings
from tests.app.helpers import assert_error, strict_json
from tests.conftest import Org

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
ACCESS_FIELDS = {
    "time", "level", "logger", "message", "request_id", "method", "path", "status", "duration_ms",
}  # fmt: skip


def test_logging_already_configured_elsewhere_is_left_alone() -> None:
    root = logging.getLogger()
    foreign = logging.NullHandler()
    saved = list(root.handlers)
    root.handlers[:] = [foreign]
    try:
        assert configure_logging("INFO") is None
        assert root.handlers == [foreign]
    finally:
        root.handlers[:] = saved


_GLOBALS = ("_srcfile", "logThreads", "logProcesses", "logMultiprocessing")


@pytest.fixture(autouse=True)
def _logging_globals() -> Iterator[None]:
    saved = {name: getattr(logging, name) for name in _GLOBALS}
    yield
    for name, value in saved.items():
        setattr(logging, name, value)


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """The service's own logging set-up, writing to a buffer; the root logger restored after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    # the test's HTTP client logs each URL it calls; it is not the service
    test_client_log = logging.getLogger("httpx")
    client_level = test_client_log.level
    test_client_log.setLevel(logging.WARNING)
    stream = io.StringIO()
    configure_logging("DEBUG", "json", stream=stream, force=True)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    test_client_log.setLevel(client_level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _access(stream: io.StringIO) -> list[dict[str, Any]]:
    return [line for line in _lines(stream) if line["logger"] == "app.observability.middleware"]


def test_every_reply_carries_a_request_id(client: TestClient, org: Org) -> None:
    replies = [
        client.get("/healthz"),
        client.get("/no/such/route"),
        client.get("/v1/usage/daily"),  # 401
        client.post("/v1/usage", headers=org.headers, json={"records": "nope"}),  # 422
        client.get("/v1/usage/daily", headers=org.headers),
    ]
    ids = [r.headers.get("X-Request-ID") for r in replies]
    assert [r.status_code for r in replies] == [200, 404, 401, 422, 200]
    assert all(i is not None and GENERATED_ID.fullmatch(i) for i in ids), ids
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("req-2024.06.01:abc_42", True),
        ("alice.smith@example.com", False),  # '@': not an id, possibly personal data
        ("two words", False),
        ("x" * 129, False),
    ],
)
def test_a_sane_incoming_request_id_is_kept_and_others_replaced(
    client: TestClient, sent: str, kept: bool
) -> None:
    got = client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"]
    if kept:
        assert got == sent
    else:
        assert GENERATED_ID.fullmatch(got), got


def test_access_lines_are_json_with_the_route_template_and_no_personal_data(
    client: TestClient, org: Org, log_stream: io.StringIO
) -> None:
    email = "alice.smith@example.com"
    records = [{"date": "2024-05-01", "user": email, "product": "AutoCAD", "tokens": 7}]
    posted = client.post("/v1/usage", headers=org.headers, json={"records": records})
    assert posted.status_code == 201, posted.text
    read = client.get(
        "/v1/usage/daily", headers=org.headers, params={"product": email, "from": "2024-05-01"}
    )
    assert read.status_code == 200
    bad = client.post("/v1/usage", headers=org.headers, json={"records": [{"user": email}]})
    assert bad.status_code == 422
    missing = client.get(f"/v1/forecasts/{'0' * 8}-0000-4000-8000-{'0' * 12}", headers=org.headers)
    assert missing.status_code == 404

    text = log_stream.getvalue()
    assert "alice" not in text and "example.com" not in text
    assert org.key not in text and org.key[:10] not in text
    access = _access(log_stream)
    assert [(a["method"], a["path"], a["status"]) for a in access] == [
        ("POST", "/v1/usage", 201),
        ("GET", "/v1/usage/daily", 200),
        ("POST", "/v1/usage", 422),
        ("GET", "/v1/forecasts/{forecast_id}", 404),
    ]
    replies = [posted, read, bad, missing]
    for line, reply in zip(access, replies, strict=True):
        assert set(line) == ACCESS_FIELDS
        assert line["request_id"] == reply.headers["X-Request-ID"]
        assert line["level"] == "INFO" and line["duration_ms"] >= 0


def _app_with_failing_route(settings: Settings, factory: sessionmaker[Session]) -> TestClient:
    app = create_app(settings)
    log = logging.getLogger("tests.failing_route")

    @app.get("/boom")
    def boom() -> None:  # a sync route: runs in the thread pool, like the service's routes
        log.info("about to fail")
        raise RuntimeError("secret internals: password=hunter2")

    client = TestClient(app, raise_server_exceptions=False)
    return client


def test_an_unexpected_error_is_a_bare_500_logged_with_the_request_id(
    settings: Settings, factory: sessionmaker[Session], log_stream: io.StringIO
) -> None:
    with _app_with_failing_route(settings, factory) as client:
        reply = client.get("/boom", headers={"X-Request-ID": "trace-77"})
    err = assert_error(reply, 500, "trace-77")
    assert err["error"] == "internal_error"
    assert "hunter2" not in reply.text and "RuntimeError" not in reply.text
    assert reply.headers["X-Request-ID"] == "trace-77"
    lines = _lines(log_stream)
    inside = [x for x in lines if x["logger"] == "tests.failing_route"]
    assert [x["request_id"] for x in inside] == ["trace-77"]  # from a worker thread
    errors = [x for x in lines if x["level"] == "ERROR"]
    assert len(errors) == 1 and errors[0]["request_id"] == "trace-77"
    assert "RuntimeError" in errors[0]["exception"]
    access = _access(log_stream)
    assert [(a["path"], a["status"], a["request_id"]) for a in access] == [
        ("/boom", 500, "trace-77")
    ]


def test_probes_log_at_debug_and_other_routes_at_info(
    client: TestClient, log_stream: io.StringIO
) -> None:
    client.get("/healthz")
    client.get("/no/such/route")
    assert [(a["path"], a["level"]) for a in _access(log_stream)] == [
        ("/healthz", "DEBUG"),
        ("unmatched", "INFO"),
    ]


def test_text_format_carries_the_request_id(client: TestClient) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    try:
        configure_logging("INFO", "text", stream=stream, force=True)
        reply = client.get("/no/such/route")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    assert f"[{reply.headers['X-Request-ID']}]" in stream.getvalue()
    assert strict_json(reply)["error"] == "not_found"


def test_the_access_line_can_be_turned_off(settings: Settings, log_stream: io.StringIO) -> None:
    app = create_app(settings.model_copy(update={"access_log": False}))
    with TestClient(app) as client:
        reply = client.get("/no/such/route")
    assert GENERATED_ID.fullmatch(reply.headers["X-Request-ID"])
    assert _access(log_stream) == []


def test_a_body_refused_before_routing_is_logged_under_its_route(
    client: TestClient, org: Org, log_stream: io.StringIO
) -> None:
    # Refused from its Content-Length before the router runs: still named by its route.
    big = b"x" * (client.app.state.settings.max_body_bytes + 1)  # type: ignore[attr-defined]
    headers = {**org.headers, "Content-Type": "application/json"}
    for path in ("/v1/usage", f"/v1/recommendations/{org.id}/reproduction", "/no/such/route"):
        assert client.post(path, headers=headers, content=big).status_code == 413
    assert [(a["path"], a["status"]) for a in _access(log_stream)] == [
        ("/v1/usage", 413),
        ("/v1/recommendations/{recommendation_id}/reproduction", 413),
        ("unmatched", 413),
    ]
