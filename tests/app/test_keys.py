"""API keys: scopes, management routes for admin keys, revocation, last use."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app import cli
from app.db.tables import ApiKey
from app.main import create_app
from app.services.keys import LAST_USED_RESOLUTION
from app.settings import Settings
from tests.app.helpers import assert_error, strict_json
from tests.conftest import Org

READ_FIELDS = {"id", "name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"}


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def _create(client: TestClient, org: Org, name: str, scopes: list[str]) -> dict[str, str]:
    reply = client.post("/v1/keys", headers=org.headers, json={"name": name, "scopes": scopes})
    assert reply.status_code == 201, reply.text
    return dict(strict_json(reply))


def test_an_admin_key_creates_a_key_shown_once(client: TestClient, org: Org) -> None:
    made = _create(client, org, "dashboard", ["read"])
    assert set(made) == READ_FIELDS | {"api_key"}
    raw = made["api_key"]
    assert raw.startswith("tc_") and made["prefix"] == raw[:10]
    assert (made["name"], made["scopes"], made["revoked_at"]) == ("dashboard", ["read"], None)

    listed = client.get("/v1/keys", headers=org.headers)
    assert raw not in listed.text and hashlib.sha256(raw.encode()).hexdigest() not in listed.text
    keys = strict_json(listed)["keys"]
    assert [k["name"] for k in keys] == ["test", "dashboard"]
    assert all(set(k) == READ_FIELDS for k in keys)
    one = strict_json(client.get(f"/v1/keys/{made['id']}", headers=org.headers))
    assert one == {k: v for k, v in made.items() if k != "api_key"}


def test_scopes_limit_what_a_key_may_do(client: TestClient, org: Org) -> None:
    reader = _bearer(_create(client, org, "reader", ["read"])["api_key"])
    writer = _bearer(_create(client, org, "writer", ["usage:write"])["api_key"])
    docs = _bearer(_create(client, org, "filing", ["documents:read"])["api_key"])
    record = {"records": [{"date": "2024-01-02", "tokens": 5}]}
    assert client.get("/v1/usage/daily", headers=reader).status_code == 200
    assert_error(client.post("/v1/usage", headers=reader, json=record), 403, "usage:write")
    assert client.post("/v1/usage", headers=writer, json=record).status_code == 201
    assert_error(client.get("/v1/usage/daily", headers=writer), 403, "read")
    assert_error(client.get("/v1/usage/daily", headers=docs), 403)
    for h in (reader, writer, docs):
        assert_error(client.get("/v1/keys", headers=h), 403, "admin")
        assert_error(
            client.post("/v1/keys", headers=h, json={"name": "x", "scopes": ["admin"]}), 403
        )


def test_a_revoked_key_answers_401(client: TestClient, org: Org) -> None:
    made = _create(client, org, "leaver", ["read", "usage:write"])
    assert client.get("/v1/usage/daily", headers=_bearer(made["api_key"])).status_code == 200
    assert client.delete(f"/v1/keys/{made['id']}", headers=org.headers).status_code == 204
    assert_error(client.get("/v1/usage/daily", headers=_bearer(made["api_key"])), 401, "revoked")
    first = strict_json(client.get(f"/v1/keys/{made['id']}", headers=org.headers))["revoked_at"]
    assert first is not None
    assert client.delete(f"/v1/keys/{made['id']}", headers=org.headers).status_code == 204
    again = strict_json(client.get(f"/v1/keys/{made['id']}", headers=org.headers))["revoked_at"]
    assert again == first
    assert_error(client.delete(f"/v1/keys/{uuid.uuid4()}", headers=org.headers), 404)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"name": "x", "scopes": ["billing"]}, "scopes.0"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "", "scopes": ["read"]}, "name"),
        ({"name": "x" * 101, "scopes": ["read"]}, "name"),
        ({"name": "x", "scopes": ["read"], "secret": "mine"}, "secret"),
    ],
)
def test_bad_key_requests_name_the_field(
    client: TestClient, org: Org, body: dict[str, object], where: str
) -> None:
    assert_error(client.post("/v1/keys", headers=org.headers, json=body), 422, where)


def _last_used(factory: sessionmaker[Session], key_id: str) -> datetime | None:
    with factory() as s:
        row = s.get(ApiKey, uuid.UUID(key_id))
        assert row is not None
        return row.last_used_at


def test_last_use_is_recorded_at_most_once_a_minute(
    client: TestClient, org: Org, factory: sessionmaker[Session]
) -> None:
    made = _create(client, org, "poller", ["read"])
    assert _last_used(factory, made["id"]) is None
    before = datetime.now(UTC)
    assert client.get("/v1/usage/daily", headers=_bearer(made["api_key"])).status_code == 200
    first = _last_used(factory, made["id"])
    assert first is not None and before <= first <= datetime.now(UTC)
    assert client.get("/v1/usage/daily", headers=_bearer(made["api_key"])).status_code == 200
    assert _last_used(factory, made["id"]) == first  # within the minute: no write

    stale = first - LAST_USED_RESOLUTION - timedelta(seconds=1)
    with factory() as s:
        s.execute(
            update(ApiKey).where(ApiKey.id == uuid.UUID(made["id"])).values(last_used_at=stale)
        )
        s.commit()
    assert client.get("/v1/usage/daily", headers=_bearer(made["api_key"])).status_code == 200
    moved = _last_used(factory, made["id"])
    assert moved is not None and moved > first
    listed = strict_json(client.get(f"/v1/keys/{made['id']}", headers=org.headers))
    assert datetime.fromisoformat(listed["last_used_at"]) == moved


def test_cli_creates_and_revokes_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("TOKENCAST_DATABASE_URL", url)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    assert run("migrate")[0] == 0
    org = json.loads(run("create-org", "Acme", "--json")[1])
    code, out, _ = run(
        "create-key", "--org", org["organization_id"], "--name", "ci",
        "--scopes", "read,usage:write", "--json",
    )  # fmt: skip
    key = json.loads(out)
    assert code == 0 and key["scopes"] == ["read", "usage:write"]
    code, _, err = run("revoke-key", key["key_id"], "--org", str(uuid.uuid4()))
    assert code == 2 and "not found" in err
    code, out, _ = run("revoke-key", key["key_id"])
    assert code == 0 and f"API key {key['key_id']} revoked at" in out

    with TestClient(create_app(Settings(database_url=url))) as c:
        assert_error(c.get("/v1/usage/daily", headers=_bearer(key["api_key"])), 401)
        assert c.get("/v1/usage/daily", headers=_bearer(org["api_key"])).status_code == 200


def test_a_key_without_the_scope_is_told_so_before_its_body_is_checked(
    client: TestClient, org: Org
) -> None:
    """Every route a documents:read key may not call answers 403, whatever the body: the scope
    is checked before the body is validated (a 422 would ask it to fix a body it may not send)."""
    reader = _bearer(_create(client, org, "filing", ["documents:read"])["api_key"])
    schema = client.app.openapi()  # type: ignore[attr-defined]
    allowed = ("/v1/documents", "/v1/schemas/")
    checked = 0
    for path, operations in schema["paths"].items():
        if not path.startswith("/v1/") or path.startswith(allowed):
            continue
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        for method in operations:
            reply = client.request(method.upper(), url, headers=reader, json={"bad": [1, "x"]})
            assert reply.status_code == 403, (method, path, reply.text)
            assert "lacks the scope" in reply.json()["detail"], (method, path)
            checked += 1
    assert checked >= 30


def test_the_last_admin_key_cannot_revoke_itself_over_the_api(client: TestClient, org: Org) -> None:
    keys = strict_json(client.get("/v1/keys", headers=org.headers))
    mine = [k for k in keys["keys"] if "admin" in k["scopes"] and k["revoked_at"] is None]
    assert len(mine) == 1
    reply = client.delete(f"/v1/keys/{mine[0]['id']}", headers=org.headers)
    assert_error(reply, 409, "last active admin key", "tokencast revoke-key")
    assert client.get("/v1/keys", headers=org.headers).status_code == 200  # still works
    # With a second admin key, either may go, but not both.
    second = _create(client, org, "second admin", ["admin"])
    reader = _create(client, org, "reader", ["read"])
    assert client.delete(f"/v1/keys/{mine[0]['id']}", headers=org.headers).status_code == 204
    other = _bearer(second["api_key"])
    assert_error(client.delete(f"/v1/keys/{second['id']}", headers=other), 409, "last active")
    # A key without admin goes as before, and "409" is documented.
    assert client.delete(f"/v1/keys/{reader['id']}", headers=other).status_code == 204
    schema = client.get("/openapi.json").json()
    assert "409" in schema["paths"]["/v1/keys/{key_id}"]["delete"]["responses"]


@pytest.mark.parametrize("body", [b"{bad", b"[", b"\xff\xfe"])
def test_a_body_that_does_not_parse_is_answered_after_the_key(
    client: TestClient, org: Org, body: bytes
) -> None:
    """Without a key 401, without the scope 403, and only a key that may call the route
    is told what is wrong with its body, on every write route of the schema."""
    reader = _bearer(_create(client, org, "filing", ["documents:read"])["api_key"])
    schema = client.app.openapi()  # type: ignore[attr-defined]
    checked = 0
    for path, operations in schema["paths"].items():
        if not path.startswith("/v1/"):
            continue
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        for method in set(operations) & {"post", "put", "patch"}:
            kind = "multipart/form-data; boundary=x" if path.endswith("/imports") else None
            base = {"Content-Type": kind or "application/json"}
            replies = [
                client.request(method.upper(), url, content=body, headers={**base, **h})
                for h in ({}, reader, org.headers)
            ]
            assert [r.status_code for r in replies[:2]] == [401, 403], (method, path)
            assert replies[2].status_code in (400, 422), (method, path, replies[2].text)
            checked += 1
    assert checked >= 12
