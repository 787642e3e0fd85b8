"""Replies the schema fuzzing found undocumented: each is now in the OpenAPI schema.

Every status a route can answer must be listed among its responses, with the error envelope.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.app.helpers import assert_error
from tests.conftest import Org


def _documented(client: TestClient, path: str, method: str) -> set[str]:
    schema = client.get("/openapi.json").json()
    return set(schema["paths"][path][method]["responses"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/v1/purchases"),
        ("put", "/v1/price-book"),
        ("post", "/v1/usage"),
        ("post", "/v1/forecasts"),
        ("patch", "/v1/organization"),
    ],
)
def test_a_body_that_is_not_utf8_is_a_documented_400(
    client: TestClient, org: Org, method: str, path: str
) -> None:
    headers = {**org.headers, "Content-Type": "application/json"}
    reply = client.request(method.upper(), path, content=b'{"name": "\xff"}', headers=headers)
    assert_error(reply, 400, "body: not valid UTF-8 (byte 10)")
    assert "400" in _documented(client, path, method)


def test_a_broken_multipart_upload_is_a_documented_400(client: TestClient, org: Org) -> None:
    boundary = "b0undary"
    body = f"--{boundary}\r\n1.5e+107--{boundary}--\r\n".encode()
    headers = {**org.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    reply = client.post("/v1/usage/imports", content=body, headers=headers)
    assert_error(reply, 400, "multipart")
    assert "400" in _documented(client, "/v1/usage/imports", "post")


def test_an_unservable_document_format_is_a_documented_406(client: TestClient, org: Org) -> None:
    path = f"/v1/documents/{uuid.uuid4()}"
    reply = client.get(path, headers={**org.headers, "Accept": "image/png"})
    assert_error(reply, 406, "image/png")
    assert "406" in _documented(client, "/v1/documents/{document_id}", "get")


def test_not_modified_forecasts_are_a_documented_304(client: TestClient, org: Org) -> None:
    records = [{"date": f"2025-01-{d:02d}", "tokens": 100 + d} for d in range(1, 29)]
    assert client.post("/v1/usage", headers=org.headers, json={"records": records}).is_success
    ask = {"horizon_days": 7, "model": "seasonal_naive", "n_paths": 100}
    made = client.post("/v1/forecasts", headers=org.headers, json=ask)
    assert made.status_code == 201, made.text
    etag = {**org.headers, "If-None-Match": made.headers["ETag"]}
    for path, route in (
        ("/v1/forecasts/latest", "/v1/forecasts/latest"),
        (f"/v1/forecasts/{made.json()['id']}", "/v1/forecasts/{forecast_id}"),
    ):
        assert client.get(path, headers=etag).status_code == 304
        assert "304" in _documented(client, route, "get")


def test_a_trailing_slash_is_not_redirected(client: TestClient, org: Org) -> None:
    reply = client.get("/v1/forecasts/latest/", headers=org.headers, follow_redirects=False)
    assert_error(reply, 404)


def test_broken_json_is_named_as_the_body_with_the_place(client: TestClient, org: Org) -> None:
    headers = {**org.headers, "Content-Type": "application/json"}
    reply = client.post("/v1/purchases", headers=headers, content=b'{"tokens":')
    err = assert_error(reply, 422, "body: not valid JSON at character")
    assert "JSON decode error" not in err["detail"]
