"""Idempotency-Key: a retry gets the first reply; the key with another request answers 409."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db.tables import ApiKey, IdempotencyKey
from app.main import create_app
from app.services import idempotency as svc
from app.services.keys import hash_key
from app.settings import Settings
from tests.app.helpers import PRICE_BOOK, assert_error, strict_json
from tests.conftest import Org

PACK = {"purchased_on": "2024-01-10", "tokens": 5000, "unit_price": "2.85"}


def _post(
    client: TestClient, org: Org, key: str, json: Any, path: str = "/v1/purchases"
) -> httpx.Response:
    return client.post(path, headers={**org.headers, "Idempotency-Key": key}, json=json)


def _packs(client: TestClient, org: Org) -> list[dict[str, Any]]:
    return list(strict_json(client.get("/v1/purchases", headers=org.headers))["purchases"])


def _row(factory: sessionmaker[Session], org: Org, key: str) -> IdempotencyKey | None:
    with factory() as s:
        return s.scalars(
            select(IdempotencyKey).where(
                IdempotencyKey.organization_id == org.id, IdempotencyKey.key == key
            )
        ).one_or_none()


def _key_id(factory: sessionmaker[Session], org: Org) -> uuid.UUID:
    """The id of the organization's test key (the one in `org.headers`)."""
    with factory() as s:
        return s.scalars(select(ApiKey.id).where(ApiKey.key_hash == hash_key(org.key))).one()


def test_retry_gets_the_first_reply_and_stores_once(
    client: TestClient, org: Org, factory: sessionmaker[Session]
) -> None:
    first = _post(client, org, "buy-1", PACK)
    again = _post(client, org, "buy-1", dict(reversed(list(PACK.items()))))  # same JSON
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert again.headers["content-type"] == first.headers["content-type"]
    assert [p["id"] for p in _packs(client, org)] == [strict_json(first)["id"]]
    row = _row(factory, org, "buy-1")
    assert row is not None and (row.state, row.response_status) == ("done", 201)
    assert row.expires_at - row.created_at == timedelta(hours=24)


def test_same_key_other_request_is_a_conflict(client: TestClient, org: Org) -> None:
    assert _post(client, org, "k", PACK).status_code == 201
    other_body = assert_error(_post(client, org, "k", {**PACK, "tokens": 6000}), 409, "'k'")
    assert other_body["error"] == "idempotency_key_reused"
    other_path = _post(client, org, "k", {"kind": "rate_change"}, path="/v1/changes")
    assert assert_error(other_path, 409)["error"] == "idempotency_key_reused"
    assert len(_packs(client, org)) == 1


def test_keys_belong_to_one_organization(client: TestClient, org: Org, other_org: Org) -> None:
    mine, theirs = _post(client, org, "k", PACK), _post(client, other_org, "k", PACK)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "idempotent-replayed" not in theirs.headers
    assert strict_json(mine)["id"] != strict_json(theirs)["id"]
    assert len(_packs(client, other_org)) == 1


def test_a_failed_request_is_not_kept(
    client: TestClient, org: Org, factory: sessionmaker[Session]
) -> None:
    bad = {**PACK, "tokens": 0}
    assert_error(_post(client, org, "k", bad), 422, "tokens")
    assert _row(factory, org, "k") is None
    again = _post(client, org, "k", bad)
    assert_error(again, 422, "tokens")
    assert "idempotent-replayed" not in again.headers
    assert _post(client, org, "k", PACK).status_code == 201


def test_upload_retry_with_a_new_boundary_is_the_same_request(client: TestClient, org: Org) -> None:
    csv = b"date,tokens\n2024-01-01,10\n2024-01-02,12\n"

    def upload(content: bytes, boundary: str) -> httpx.Response:
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="u.csv"\r\nContent-Type: text/csv\r\n\r\n'
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            **org.headers,
            "Idempotency-Key": "upload",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        }
        return client.post("/v1/usage/imports", headers=headers, content=body)

    first, retry = upload(csv, "aaaa1111"), upload(csv, "bbbb2222")
    assert (first.status_code, retry.status_code) == (201, 201)
    assert strict_json(retry) == strict_json(first)
    assert strict_json(retry)["rows_added"] == 2  # the first reply, not "2 unchanged"
    assert retry.headers["idempotent-replayed"] == "true"
    changed = upload(csv.replace(b"12", b"13"), "cccc3333")
    assert assert_error(changed, 409)["error"] == "idempotency_key_reused"


def test_delete_and_put_are_idempotent_too(client: TestClient, org: Org) -> None:
    change = {
        "kind": "rate_change",
        "start": "2024-03-01",
        "product": "Revit",
        "tokens_per_day": 12,
    }
    created = strict_json(client.post("/v1/changes", headers=org.headers, json=change))
    headers = {**org.headers, "Idempotency-Key": "drop"}
    first = client.delete(f"/v1/changes/{created['id']}", headers=headers)
    again = client.delete(f"/v1/changes/{created['id']}", headers=headers)
    assert (first.status_code, again.status_code) == (204, 204)
    assert again.headers["idempotent-replayed"] == "true"
    assert client.delete(f"/v1/changes/{created['id']}", headers=org.headers).status_code == 404
    put = {**org.headers, "Idempotency-Key": "book"}
    assert client.put("/v1/price-book", headers=put, json=PRICE_BOOK).status_code == 200
    replay = client.put("/v1/price-book", headers=put, json=PRICE_BOOK)
    assert replay.headers["idempotent-replayed"] == "true"


def _claim(factory: sessionmaker[Session], org: Org, key: str, body: Any, at: datetime) -> int:
    """Claim a key as a request to POST /v1/purchases with `body` would have at `at`."""
    content = httpx.Request("POST", "http://x", json=body).content
    fingerprint = svc.request_fingerprint("POST", "/v1/purchases", "", "application/json", content)
    with factory() as s:
        got = svc.claim(
            s, organization_id=org.id, api_key_id=_key_id(factory, org), key=key,
            request_hash=fingerprint, at=at, ttl=timedelta(hours=24),
        )  # fmt: skip
        s.commit()
    assert got.outcome == "claimed" and got.claim_id is not None
    return got.claim_id


def _set_state(factory: sessionmaker[Session], claim_id: int, state: str) -> None:
    with factory() as s:
        s.execute(update(IdempotencyKey).where(IdempotencyKey.id == claim_id).values(state=state))
        s.commit()


def test_a_request_still_running_answers_409(
    client: TestClient, org: Org, factory: sessionmaker[Session]
) -> None:
    _claim(factory, org, "busy", PACK, datetime.now(UTC) - timedelta(minutes=1))
    reply = _post(client, org, "busy", PACK)
    assert assert_error(reply, 409, "still running")["error"] == "idempotency_in_progress"
    assert reply.headers["retry-after"] == "1"
    assert _packs(client, org) == []


def test_an_abandoned_claim_is_taken_over_unless_its_work_was_committed(
    client: TestClient, org: Org, factory: sessionmaker[Session]
) -> None:
    long_ago = datetime.now(UTC) - svc.ABANDONED_AFTER - timedelta(seconds=5)
    _claim(factory, org, "died", PACK, long_ago)
    assert _post(client, org, "died", PACK).status_code == 201
    assert len(_packs(client, org)) == 1

    lost = _claim(factory, org, "lost", PACK, long_ago)
    _set_state(factory, lost, svc.COMMITTED)
    assert_error(_post(client, org, "lost", PACK), 409, "not kept", "GET")
    assert len(_packs(client, org)) == 1


def test_expired_keys_are_purged_and_may_be_used_again(
    client: TestClient, org: Org, factory: sessionmaker[Session]
) -> None:
    first = strict_json(_post(client, org, "old", PACK))
    with factory() as s:
        s.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "old")
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        s.commit()
    again = _post(client, org, "old", {**PACK, "tokens": 7000})
    assert again.status_code == 201 and strict_json(again)["id"] != first["id"]
    row = _row(factory, org, "old")
    assert row is not None and row.expires_at > datetime.now(UTC)


@pytest.mark.parametrize("key", ["", "a" * 256, "two words", "caf\u00e9".encode()])
def test_a_malformed_key_is_refused(client: TestClient, org: Org, key: str | bytes) -> None:
    headers: dict[str, str | bytes] = {**org.headers, "Idempotency-Key": key}
    reply = client.post("/v1/purchases", headers=headers, json=PACK)
    assert_error(reply, 422, "Idempotency-Key")
    assert _packs(client, org) == []


def test_without_a_valid_api_key_the_route_answers_401(client: TestClient) -> None:
    reply = client.post(
        "/v1/purchases", headers={"Authorization": "Bearer nope", "Idempotency-Key": "k"}, json=PACK
    )
    assert_error(reply, 401)


def test_the_schema_shows_the_header_on_writes_only(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        for method, op in operations.items():
            names = [p["name"] for p in op.get("parameters", [])]
            is_write = method in ("post", "put", "patch", "delete")
            assert ("Idempotency-Key" in names) == is_write, (method, path)
            assert ("409" in op["responses"]) >= is_write, (method, path)


@pytest.mark.slow
def test_a_retried_recommendation_has_the_same_id(client: TestClient, org: Org) -> None:
    records = [
        {"date": (datetime(2024, 1, 1) + timedelta(days=i)).date().isoformat(), "tokens": 300}
        for i in range(120)
    ]
    assert client.post("/v1/usage", headers=org.headers, json={"records": records}).status_code
    client.put("/v1/price-book", headers=org.headers, json=PRICE_BOOK)
    ask = {"purchase_date": "2024-05-01"}
    first = _post(client, org, "rec", ask, path="/v1/recommendations")
    again = _post(client, org, "rec", ask, path="/v1/recommendations")
    assert (first.status_code, again.status_code) == (201, 201)
    assert strict_json(again)["id"] == strict_json(first)["id"]
    assert strict_json(again)["document"] == strict_json(first)["document"]


def test_an_oversized_body_is_refused_before_it_is_kept(
    settings: Settings, factory: sessionmaker[Session], org: Org
) -> None:
    app = create_app(settings.model_copy(update={"max_upload_bytes": 2048}))
    with TestClient(app) as small:
        app.state.session_factory = factory
        headers = {**org.headers, "Idempotency-Key": "big", "Content-Type": "text/csv"}
        too_big = b"x" * (2048 + 1024 * 1024 + 1)
        assert_error(small.post("/v1/usage/imports", headers=headers, content=too_big), 413)
        assert _row(factory, org, "big") is None


def _new_key(client: TestClient, org: Org, name: str, scopes: list[str]) -> dict[str, str]:
    """Create a key of `org` with `scopes` over the API (no Idempotency-Key): {"Authorization"}."""
    made = client.post("/v1/keys", headers=org.headers, json={"name": name, "scopes": scopes})
    assert made.status_code == 201, made.text
    return {"Authorization": f"Bearer {strict_json(made)['api_key']}"}


def _key_names(client: TestClient, org: Org) -> list[str]:
    return [k["name"] for k in strict_json(client.get("/v1/keys", headers=org.headers))["keys"]]


def test_another_key_of_the_organization_never_gets_the_replay(
    client: TestClient, org: Org
) -> None:
    reader = _new_key(client, org, "reader", ["read"])
    filing = _new_key(client, org, "filing", ["documents:read"])
    writer = _new_key(client, org, "writer", ["usage:write"])

    # An admin key's write, then the same Idempotency-Key and body from keys that may not write:
    # the route's scope check answers, not a replay of the admin key's reply.
    first = _post(client, org, "k1", PACK)
    assert first.status_code == 201
    for other in (reader, filing):
        sent = {**other, "Idempotency-Key": "k1"}
        reply = client.post("/v1/purchases", headers=sent, json=PACK)
        assert_error(reply, 403, "usage:write")
        assert "idempotent-replayed" not in reply.headers
    # A key that may write has a namespace of its own: its request runs.
    own = client.post("/v1/purchases", headers={**writer, "Idempotency-Key": "k1"}, json=PACK)
    assert own.status_code == 201 and "idempotent-replayed" not in own.headers
    assert strict_json(own)["id"] != strict_json(first)["id"]
    again = client.post("/v1/purchases", headers={**writer, "Idempotency-Key": "k1"}, json=PACK)
    assert again.headers["idempotent-replayed"] == "true" and again.content == own.content
    mine = _post(client, org, "k1", PACK)
    assert mine.headers["idempotent-replayed"] == "true" and mine.content == first.content
    assert len(_packs(client, org)) == 2

    # The security report's case: an admin key creates an admin key with Idempotency-Key k2;
    # a documents:read key sending the same request gets 403 and no secret.
    admin = {"name": "second admin", "scopes": ["admin"]}
    created = _post(client, org, "k2", admin, path="/v1/keys")
    assert created.status_code == 201
    stolen = client.post("/v1/keys", headers={**filing, "Idempotency-Key": "k2"}, json=admin)
    assert_error(stolen, 403, "admin")
    assert strict_json(created)["api_key"] not in stolen.text


def test_a_reply_with_a_secret_is_not_kept(
    client: TestClient, org: Org, factory: sessionmaker[Session]
) -> None:
    ask = {"name": "dashboard", "scopes": ["read"]}
    first = _post(client, org, "mk", ask, path="/v1/keys")
    assert first.status_code == 201
    secret = strict_json(first)["api_key"]
    row = _row(factory, org, "mk")
    assert row is not None and row.state == svc.WITHHELD
    assert (row.response_status, row.response_body, row.response_headers) == (201, None, None)

    retry = _post(client, org, "mk", ask, path="/v1/keys")
    body = assert_error(retry, 409, "'mk'", "secret", "GET /v1/keys")
    assert body["error"] == "idempotency_reply_not_kept"
    assert secret not in retry.text and "idempotent-replayed" not in retry.headers
    other = _post(client, org, "mk", {**ask, "name": "other"}, path="/v1/keys")
    assert assert_error(other, 409)["error"] == "idempotency_key_reused"
    assert _key_names(client, org) == ["test", "dashboard"]

    # A refused request is still forgotten: a retry with the key runs again.
    bad = {"name": "x", "scopes": ["nope"]}
    assert_error(_post(client, org, "bad", bad, path="/v1/keys"), 422)
    assert _row(factory, org, "bad") is None
    assert _post(client, org, "bad", {**ask, "name": "later"}, path="/v1/keys").status_code == 201


def test_a_secret_reply_is_claimed_while_it_runs(
    client: TestClient, org: Org, factory: sessionmaker[Session]
) -> None:
    ask = {"name": "dashboard", "scopes": ["read"]}
    content = httpx.Request("POST", "http://x", json=ask).content
    fingerprint = svc.request_fingerprint("POST", "/v1/keys", "", "application/json", content)
    with factory() as s:
        got = svc.claim(
            s, organization_id=org.id, api_key_id=_key_id(factory, org), key="busy",
            request_hash=fingerprint, at=datetime.now(UTC), ttl=timedelta(hours=1),
        )  # fmt: skip
        s.commit()
    assert got.outcome == "claimed"
    reply = _post(client, org, "busy", ask, path="/v1/keys")
    assert assert_error(reply, 409, "still running")["error"] == "idempotency_in_progress"
    assert _key_names(client, org) == ["test"]


def test_the_schema_says_which_replies_are_not_kept(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]

    def header(path: str, method: str) -> str:
        params = paths[path][method]["parameters"]
        return str(next(p for p in params if p["name"] == "Idempotency-Key")["description"])

    assert "not kept" in header("/v1/keys", "post") and "GET /v1/keys" in header("/v1/keys", "post")
    assert "first reply again" not in header("/v1/keys", "post")
    assert "first reply again" in header("/v1/purchases", "post")
    assert "not kept" not in header("/v1/purchases", "post")
    assert "same API key" in header("/v1/purchases", "post")


def test_a_deeply_nested_body_gets_the_same_400_as_without_the_header(
    client: TestClient, org: Org, factory: sessionmaker[Session]
) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    sent = {**org.headers, "Content-Type": "application/json"}
    plain = client.post("/v1/purchases", headers=sent, content=deep)
    keyed = client.post("/v1/purchases", headers={**sent, "Idempotency-Key": "deep"}, content=deep)
    assert_error(plain, 400, "body: JSON nested too deeply")
    assert (keyed.status_code, keyed.json()) == (plain.status_code, plain.json())
    assert _row(factory, org, "deep") is None
    assert _packs(client, org) == []


def test_an_oversized_chunked_body_gets_the_same_413_as_without_the_header(
    settings: Settings, factory: sessionmaker[Session], org: Org
) -> None:
    app = create_app(settings.model_copy(update={"max_body_bytes": 4096}))

    def chunks() -> Any:
        for _ in range(16):
            yield b" " * 1024

    with TestClient(app) as small:
        app.state.session_factory = factory
        sent = {**org.headers, "Content-Type": "application/json"}
        plain = small.post("/v1/purchases", headers=sent, content=chunks())
        keyed_headers = {**sent, "Idempotency-Key": "chunked"}
        keyed = small.post("/v1/purchases", headers=keyed_headers, content=chunks())
        assert plain.request.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in keyed.request.headers
        assert assert_error(plain, 413, "4096")["error"] == "payload_too_large"
        assert (keyed.status_code, keyed.json()) == (plain.status_code, plain.json())
        assert _row(factory, org, "chunked") is None
        assert _packs(small, org) == []
