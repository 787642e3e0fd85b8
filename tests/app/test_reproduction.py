"""Recomputing a stored recommendation from its stored inputs and seed gives the same quantity and
the same document facts; a changed input is caught and named."""

from __future__ import annotations

import json
import uuid

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.db.tables import Document
from app.services.forecasts import create_forecast, unpack_paths
from app.services.reproduction import differences
from tests.app.helpers import PRICE_BOOK, strict_json
from tests.app.test_documents_api import recommend, records
from tests.conftest import Org

PROJECT = {"kind": "project", "name": "Bridge", "start": "2025-03-01", "end": "2025-06-30",
           "team_size": 3, "products": ["Revit"], "days_per_week": 4,
           "win_probability": 0.5}  # fmt: skip


def reproduction(client: TestClient, org: Org, rec_id: str) -> dict[str, object]:
    reply = client.get(f"/v1/recommendations/{rec_id}/reproduction", headers=org.headers)
    assert reply.status_code == 200, reply.text
    return dict(strict_json(reply))


@pytest.mark.slow
def test_the_default_recommendation_reproduces_exactly(
    client: TestClient, org: Org, session: Session
) -> None:
    client.post("/v1/usage", headers=org.headers, json={"records": records()})
    client.put("/v1/price-book", headers=org.headers, json=PRICE_BOOK)
    reply = client.post("/v1/recommendations", headers=org.headers, json={})
    assert reply.status_code == 201, reply.text
    rec = strict_json(reply)
    done = reproduction(client, org, rec["id"])
    assert done["reproduced"] is True, done["differences"]
    assert done["quantity"] == {"stored": rec["quantity"], "recomputed": rec["quantity"],
                                "match": True}  # fmt: skip
    facts = rec["document"]["sha256"]
    assert done["facts_sha256"] == {"stored": facts, "recomputed": facts, "match": True}
    assert done["inputs_sha256"]["match"] is True and done["paths_match"] is True
    assert (done["seed"], done["differences"]) == (rec["seed"], [])


def test_a_deleted_change_and_a_new_price_book_do_not_stop_reproduction(
    client: TestClient, org: Org
) -> None:
    change = client.post("/v1/changes", headers=org.headers, json=PROJECT)
    assert change.status_code == 201, change.text
    rec = recommend(client, org)
    # What the forecast and the document used stays recorded: the change (kept when deleted)
    # and the price book written in the document.
    client.delete(f"/v1/changes/{strict_json(change)['id']}", headers=org.headers)
    dearer = dict(PRICE_BOOK, tiers=[{"min_tokens": 100, "unit_price": "3.50"}])
    client.put("/v1/price-book", headers=org.headers, json=dearer)
    done = reproduction(client, org, rec["id"])
    assert done["reproduced"] is True, done["differences"]
    assert done["model"] == "seasonal_naive"


def test_changed_usage_is_caught_and_named(client: TestClient, org: Org, session: Session) -> None:
    rec = recommend(client, org)
    # One more token on a day the forecast used: the inputs' hash and the facts both change.
    extra = {"date": "2024-03-04", "user": "u99", "product": "Revit", "tokens": 1}
    assert client.post("/v1/usage", headers=org.headers,
                       json={"records": [extra]}).status_code == 201  # fmt: skip
    done = reproduction(client, org, rec["id"])
    assert done["reproduced"] is False
    assert done["inputs_sha256"]["match"] is False  # type: ignore[index]
    assert "$.data.rows" in done["differences"]  # type: ignore[operator]
    stored = session.get(Document, uuid.UUID(rec["document"]["id"]))
    assert stored is not None and json.loads(stored.json_body)["data"]["rows"] > 0


def test_differences_name_json_paths() -> None:
    stored = {"a": 1, "b": [1, 2, {"c": "x"}], "d": 1.0, "gone": 0}
    again = {"a": 1, "b": [1, 3, {"c": "y"}], "d": 1, "new": 0}
    assert differences(stored, again) == ["$.gone", "$.new", "$.b[1]", "$.b[2].c", "$.d"]
    assert differences(stored, stored) == []


def test_a_new_forecast_is_priced_at_its_stored_precision(
    client: TestClient, org: Org, session: Session
) -> None:
    """What a recommendation prices from a forecast it makes is what a later recommendation on
    that forecast, or a reproduction, reads back from storage: not the unrounded paths."""
    client.post("/v1/usage", headers=org.headers, json={"records": records()})
    client.post("/v1/changes", headers=org.headers, json=PROJECT)  # fractional paths
    run = create_forecast(session, organization_id=org.id, horizon_days=120, as_of=None,
                          model="auto", n_paths=200, seed=5)  # fmt: skip
    assert not np.array_equal(run.paths, np.round(run.paths))
    assert np.array_equal(run.paths, unpack_paths(run.row.paths))
