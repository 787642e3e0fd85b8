"""Real concurrent clients: a live app on its own database, requests from several threads.

Each thread's request runs on its own pooled connection, as requests from several API processes
would. Whatever the interleaving, the data must end as one of the serial orders leaves it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.services import recommendations
from app.settings import Settings
from tests.app.helpers import PRICE_BOOK, strict_json
from tests.app.live import fresh_database, new_org
from tests.conftest import BACKENDS

USERS = 40


@pytest.fixture(scope="module", params=BACKENDS)
def live_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    yield from fresh_database(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def live(live_url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=live_url, forecast_paths=300))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def new_key(url: str, name: str) -> dict[str, str]:
    return new_org(url, name)[1]


def at_once(*calls: Callable[[], httpx.Response], stagger: float = 0.0) -> list[httpx.Response]:
    """Run the calls in threads released together (the i-th after i * stagger seconds)."""
    replies: list[httpx.Response | None] = [None] * len(calls)
    gate = threading.Barrier(len(calls))

    def run(i: int) -> None:
        gate.wait()
        time.sleep(i * stagger)
        replies[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is not None for r in replies)
    return [r for r in replies if r is not None]


def usage_csv(first: date, days: int, tokens: int) -> bytes:
    lines = ["date,user,product,tokens"]
    for d in range(days):
        day = (first + timedelta(days=d)).isoformat()
        lines += [f"{day},u{u}@example.com,Revit,{tokens}" for u in range(USERS)]
    return ("\n".join(lines) + "\n").encode()


def test_overlapping_imports_end_as_one_serial_order(live_url: str, live: TestClient) -> None:
    # A: January to March at 10 tokens a row; B: February to April at 20. They overlap on
    # February and March (59 days of 2024), which one of the two must win as a whole.
    a = usage_csv(date(2024, 1, 1), 91, 10)
    b = usage_csv(date(2024, 2, 1), 90, 20)
    rows_a, rows_b, overlap = 91 * USERS, 90 * USERS, 60 * USERS
    for round_ in range(3):
        headers = new_key(live_url, f"imports {round_}")

        def post(name: str, content: bytes, h: dict[str, str] = headers) -> httpx.Response:
            return live.post("/v1/usage/imports", headers=h, files={"file": (name, content)})

        ra, rb = at_once(lambda: post("a.csv", a), lambda: post("b.csv", b))
        assert (ra.status_code, rb.status_code) == (201, 201), (ra.text, rb.text)
        got_a, got_b = strict_json(ra), strict_json(rb)
        daily = strict_json(live.get("/v1/usage/daily?limit=400", headers=headers))["daily"]
        tokens = {row["date"]: row["tokens"] for row in daily}
        assert tokens["2024-01-15"] == USERS * 10 and tokens["2024-04-15"] == USERS * 20
        shared = {tokens[(date(2024, 2, 1) + timedelta(days=i)).isoformat()] for i in range(60)}
        assert len(shared) == 1, "the overlap mixes the two files"
        b_won = shared == {USERS * 20}
        first, second, second_rows = (got_a, got_b, rows_b) if b_won else (got_b, got_a, rows_a)
        assert (first["rows_added"], first["rows_replaced"]) == (
            rows_a if b_won else rows_b,
            0,
        )
        assert (second["rows_added"], second["rows_replaced"]) == (second_rows - overlap, overlap)


def _history(days: int, first: date, user: str | None = None) -> list[dict[str, Any]]:
    out = []
    for i in range(days):
        day = first + timedelta(days=i)
        tokens = 0 if day.weekday() >= 5 else 300 + 7 * (i % 11) + i // 3
        record: dict[str, Any] = {"date": day.isoformat(), "tokens": tokens}
        if user is not None:
            record.update(user=user, product="Revit", tokens=10 if tokens else 0)
        out.append(record)
    return out


def _decision_inputs(
    live: TestClient, headers: dict[str, str], rec: dict[str, Any]
) -> tuple[Any, ...]:
    doc = strict_json(
        live.get(f"/v1/documents/{rec['document']['id']}?format=json", headers=headers)
    )
    return (
        rec["quantity"],
        rec["expected_consumption"],
        doc["data"]["rows"],
        doc["data"]["total_tokens"],
        doc["data"]["last_day"],
        doc["reproducibility"]["inputs_sha256"],
    )


def test_recommendation_during_an_import_sees_all_of_it_or_none(
    live_url: str, live: TestClient
) -> None:
    base = _history(420, date(2023, 1, 2))
    # The import adds one user's rows over the last 60 days and 20 more: more rows, users and
    # tokens in the history the recommendation reads, and a longer history.
    late = _history(80, date(2023, 1, 2) + timedelta(days=360), user="late@example.com")
    ask = {"purchase_date": "2024-03-01"}
    serial = []
    for name, batches in (("before", [base]), ("after", [base, late])):
        headers = new_key(live_url, name)
        for records in batches:
            assert (
                live.post("/v1/usage", headers=headers, json={"records": records}).status_code
                == 201
            )
        assert live.put("/v1/price-book", headers=headers, json=PRICE_BOOK).status_code == 200
        rec = strict_json(live.post("/v1/recommendations", headers=headers, json=ask))
        serial.append(_decision_inputs(live, headers, rec))
    assert serial[0] != serial[1]

    headers = new_key(live_url, "racing")
    assert live.post("/v1/usage", headers=headers, json={"records": base}).status_code == 201
    assert live.put("/v1/price-book", headers=headers, json=PRICE_BOOK).status_code == 200
    rec_reply, import_reply = at_once(
        lambda: live.post("/v1/recommendations", headers=headers, json=ask),
        lambda: live.post("/v1/usage", headers=headers, json={"records": late}),
        stagger=2.0,
    )
    assert (rec_reply.status_code, import_reply.status_code) == (201, 201), rec_reply.text
    assert _decision_inputs(live, headers, strict_json(rec_reply)) in serial


def test_simultaneous_retries_with_one_idempotency_key_store_once(
    live_url: str, live: TestClient
) -> None:
    headers = {**new_key(live_url, "retries"), "Idempotency-Key": "pack-2024-01"}
    pack = {"purchased_on": "2024-01-10", "tokens": 5000, "unit_price": "2.85"}
    replies = at_once(*[lambda: live.post("/v1/purchases", headers=headers, json=pack)] * 6)
    created = [strict_json(r)["id"] for r in replies if r.status_code == 201]
    busy = [strict_json(r)["error"] for r in replies if r.status_code == 409]
    assert len(created) + len(busy) == 6 and created, [r.text for r in replies]
    assert set(busy) <= {"idempotency_in_progress"}
    assert len(set(created)) == 1
    stored = strict_json(live.get("/v1/purchases", headers=headers))["purchases"]
    assert [p["id"] for p in stored] == created[:1]


@pytest.mark.slow
def test_a_retry_while_the_recommendation_runs_is_told_it_is_in_progress(
    live_url: str, live: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = new_key(live_url, "slow retry")
    records = _history(200, date(2023, 1, 2))
    assert live.post("/v1/usage", headers=headers, json={"records": records}).status_code == 201
    assert live.put("/v1/price-book", headers=headers, json=PRICE_BOOK).status_code == 200
    headers["Idempotency-Key"] = "rec-1"
    ask = {"purchase_date": "2023-07-21"}
    post = lambda: live.post("/v1/recommendations", headers=headers, json=ask)  # noqa: E731
    if live_url.startswith("sqlite"):
        # SQLite writers take turns: the retry's claim waits for the first request's commit,
        # then finds it still finishing or already done.
        first, retry = at_once(post, post, stagger=0.5)
        assert first.status_code == 201, first.text
        assert retry.status_code in (201, 409)
        if retry.status_code == 201:
            assert strict_json(retry)["id"] == strict_json(first)["id"]
    else:
        # The first request is held inside its decision step (whatever the machine's speed)
        # until the retry has been answered.
        entered, release = threading.Event(), threading.Event()
        priced = recommendations.price_and_report

        def held(*args: Any, **kwargs: Any) -> Any:
            entered.set()
            release.wait(30)
            return priced(*args, **kwargs)

        monkeypatch.setattr(recommendations, "price_and_report", held)
        replies: list[httpx.Response] = []
        worker = threading.Thread(target=lambda: replies.append(post()))
        worker.start()
        try:
            assert entered.wait(60), "the first request never reached its decision step"
            retry = post()
        finally:
            release.set()
            worker.join()
        first = replies[0]
        assert first.status_code == 201, first.text
        assert retry.status_code == 409, retry.text
        assert strict_json(retry)["error"] == "idempotency_in_progress"
    later = live.post("/v1/recommendations", headers=headers, json=ask)
    assert later.headers["idempotent-replayed"] == "true"
    assert strict_json(later)["id"] == strict_json(first)["id"]


def test_a_lock_held_too_long_is_a_503_to_retry_and_changes_nothing(
    live_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another transaction holds what an import needs (SQLite's write lock, the organization's
    usage lock on PostgreSQL) past the wait: 503 `busy` with Retry-After, nothing stored."""
    import uuid

    from app.db import session as db_session
    from app.db.session import build_engine, session_factory
    from app.services import usage_locks
    from app.services.usage_locks import lock_usage

    monkeypatch.setattr(db_session, "LOCK_WAIT_SECONDS", 1)
    monkeypatch.setattr(usage_locks, "LOCK_WAIT_SECONDS", 1)
    org_id, headers = new_org(live_url, "held")
    holder_engine = build_engine(live_url)
    holder = session_factory(holder_engine)()
    try:
        if live_url.startswith("sqlite"):
            holder.connection().exec_driver_sql("COMMIT")  # leave SQLAlchemy's own BEGIN
            holder.connection().exec_driver_sql("BEGIN IMMEDIATE")
        else:
            lock_usage(holder, uuid.UUID(org_id), exclusive=True)
        app = create_app(Settings(database_url=live_url, forecast_paths=100))
        with TestClient(app, raise_server_exceptions=False) as client:
            reply = client.post(
                "/v1/usage", headers=headers, json={"records": _history(5, date(2024, 1, 1))}
            )
            assert reply.status_code == 503, reply.text
            assert reply.json()["error"] == "busy" and reply.headers["retry-after"] == "5"
            holder.rollback()
            if live_url.startswith("sqlite"):
                holder.connection().exec_driver_sql("ROLLBACK")
            days = client.get("/v1/usage/daily", headers=headers)
            assert days.status_code == 200 and days.json()["daily"] == []
    finally:
        holder.close()
        holder_engine.dispose()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/price-book", PRICE_BOOK),
        ("/v1/named-user-prices", {"prices": [
            {"product": "Revit", "currency": "USD", "annual_price": "2910.00"},
            {"product": "AutoCAD", "currency": "USD", "annual_price": "2030.00"}]}),
    ],
)  # fmt: skip
def test_simultaneous_first_puts_all_succeed_with_one_result(
    live_url: str, live: TestClient, path: str, body: dict[str, Any]
) -> None:
    headers = new_key(live_url, f"puts {path}")
    for _ in range(2):  # the first burst creates, the second replaces
        replies = at_once(*[lambda: live.put(path, headers=headers, json=body)] * 6)
        assert [r.status_code for r in replies] == [200] * 6, [r.text for r in replies]
    stored = dict(strict_json(live.get(path, headers=headers)))
    stored.pop("updated_at")
    assert all({**strict_json(r), "updated_at": None} == {**stored, "updated_at": None}
               for r in replies)  # fmt: skip
