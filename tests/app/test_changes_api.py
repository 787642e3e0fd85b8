"""Known changes over HTTP: stored per organization, validated with the field named."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.services.changes import load_core_changes, user_profiles
from app.services.keys import create_key
from models.changes import HeadcountChange, LicenceMixChange, ProjectChange
from tests.app.helpers import assert_error, strict_json
from tests.conftest import Org

HEADCOUNT = {"kind": "headcount", "start": "2025-03-01", "users": 10, "profile": "power"}
PROJECT = {
    "kind": "project",
    "name": "Harbour bridge",
    "start": "2025-04-01",
    "end": "2025-09-30",
    "team_size": 6,
    "products": ["Revit", "Navisworks Manage"],
    "days_per_week": 3.5,
    "win_probability": 0.4,
}
LICENCE_MIX = {"kind": "licence_mix", "start": "2025-05-01", "users": [" Anna@Example.com"]}
RATE = {"kind": "rate_change", "start": "2025-07-01", "product": "Revit", "tokens_per_day": 12}


def post(client: TestClient, org: Org, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/changes", headers=org.headers, json=body)
    assert response.status_code == 201, response.text
    return dict(strict_json(response))


def listed(client: TestClient, org: Org, **params: int) -> dict[str, Any]:
    response = client.get("/v1/changes", headers=org.headers, params=params)
    assert response.status_code == 200, response.text
    return dict(strict_json(response))


def test_create_list_and_delete(client: TestClient, org: Org) -> None:
    made = [post(client, org, b) for b in (HEADCOUNT, PROJECT, LICENCE_MIX, RATE)]
    assert made[0]["users"] == 10 and made[0]["profile"] == "power"
    assert made[0]["label"] == "+10 power users from 2025-03-01"
    assert made[1]["products"] == ["Revit", "Navisworks Manage"]
    assert made[1]["win_probability"] == 0.4
    # Named users are stored as user keys, as the usage is, never as they were typed.
    assert made[2]["user_keys"] == ["anna@example.com"] and "users" not in made[2]
    assert made[3]["tokens_per_day"] == 12

    everything = listed(client, org)
    assert everything["total"] == 4
    assert [c["id"] for c in everything["changes"]] == [m["id"] for m in made]
    page = listed(client, org, limit=2, offset=2)
    assert [c["kind"] for c in page["changes"]] == ["licence_mix", "rate_change"]
    assert (page["total"], page["limit"], page["offset"]) == (4, 2, 2)

    gone = client.delete(f"/v1/changes/{made[1]['id']}", headers=org.headers)
    assert gone.status_code == 204 and gone.content == b""
    assert [c["kind"] for c in listed(client, org)["changes"]] == [
        "headcount",
        "licence_mix",
        "rate_change",
    ]
    assert_error(client.delete(f"/v1/changes/{made[1]['id']}", headers=org.headers), 404)


def test_other_organization_cannot_see_or_delete(
    client: TestClient, org: Org, other_org: Org
) -> None:
    mine = post(client, org, PROJECT)
    assert listed(client, other_org)["total"] == 0
    assert_error(client.delete(f"/v1/changes/{mine['id']}", headers=other_org.headers), 404)
    assert listed(client, org)["total"] == 1


def test_read_only_key_can_list_but_not_write(
    client: TestClient, org: Org, factory: sessionmaker[Session]
) -> None:
    with factory() as s:
        _, raw = create_key(s, organization_id=org.id, name="ro", scopes=("read",))
        s.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    assert_error(client.post("/v1/changes", headers=headers, json=HEADCOUNT), 403)
    mine = post(client, org, HEADCOUNT)
    assert client.get("/v1/changes", headers=headers).status_code == 200
    assert_error(client.delete(f"/v1/changes/{mine['id']}", headers=headers), 403)


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ({"start": "2025-01-01", "users": 3}, ["kind"]),
        ({**HEADCOUNT, "kind": "hiring"}, ["kind", "headcount"]),
        ({**HEADCOUNT, "users": 0}, ["headcount.users", "must not be 0"]),
        ({**HEADCOUNT, "products": ["Revit"], "days_per_week": 2}, ["profile", "products"]),
        ({**HEADCOUNT, "profile": "superuser"}, ["profile"]),
        ({**HEADCOUNT, "colour": "blue"}, ["colour"]),
        ({**PROJECT, "team_size": 0}, ["team_size"]),
        ({**PROJECT, "end": "2025-01-01"}, ["end", "start"]),
        ({**PROJECT, "win_probability": 1.5}, ["win_probability"]),
        ({**PROJECT, "days_per_week": 8}, ["days_per_week"]),
        ({**PROJECT, "products": []}, ["products"]),
        ({k: v for k, v in PROJECT.items() if k != "name"}, ["name"]),
        ({"kind": "licence_mix", "start": "2025-01-01"}, ["users", "users_of_segment"]),
        (
            {**LICENCE_MIX, "users": None, "users_of_segment": {"segment": "power", "users": 0}},
            ["users_of_segment.users"],
        ),
        ({**RATE, "tokens_per_day": -1}, ["tokens_per_day"]),
        ({**RATE, "start": "2025-02-30"}, ["start"]),
    ],
)
def test_invalid_changes_are_422_naming_the_field(
    client: TestClient, org: Org, body: dict[str, Any], fragments: list[str]
) -> None:
    response = client.post("/v1/changes", headers=org.headers, json=body)
    error = assert_error(response, 422, *fragments)
    assert error["error"] == "validation_error"
    assert listed(client, org)["total"] == 0


def test_a_malformed_id_is_422_and_an_unknown_one_404(client: TestClient, org: Org) -> None:
    assert_error(client.delete("/v1/changes/not-a-uuid", headers=org.headers), 422, "change_id")
    unknown = "00000000-0000-4000-8000-000000000000"
    assert_error(client.delete(f"/v1/changes/{unknown}", headers=org.headers), 404, unknown)


def test_services_hand_the_core_its_changes_and_profiles(
    client: TestClient, org: Org, session: Session
) -> None:
    made = [post(client, org, b) for b in (HEADCOUNT, PROJECT, LICENCE_MIX, RATE)]
    client.delete(f"/v1/changes/{made[3]['id']}", headers=org.headers)
    core = load_core_changes(session, org.id)
    assert [type(c) for c in core] == [HeadcountChange, ProjectChange, LicenceMixChange]
    assert [c.change_id for c in core] == [m["id"] for m in made[:3]]
    project = core[1]
    assert isinstance(project, ProjectChange)
    assert (project.team_size, project.end, project.win_probability) == (
        6,
        date(2025, 9, 30),
        0.4,
    )
    mix = core[2]
    assert isinstance(mix, LicenceMixChange) and mix.user_keys == ("anna@example.com",)

    # Two users: one on Revit every weekday (power), one on AutoCAD one day a week (regular).
    start = date(2024, 1, 1)
    records = []
    for i in range(366):
        day = start + timedelta(days=i)
        if day.weekday() < 5:
            records.append(
                {
                    "date": day.isoformat(),
                    "user": "Anna@Example.com",
                    "product": "Revit",
                    "tokens": 10,
                }
            )
        if day.weekday() == 2:
            records.append(
                {
                    "date": day.isoformat(),
                    "user": "bo@example.com",
                    "product": "AutoCAD",
                    "tokens": 7,
                }
            )
    stored = client.post("/v1/usage", headers=org.headers, json={"records": records})
    assert stored.status_code == 201, stored.text
    profiles = user_profiles(session, org.id, date(2024, 12, 31))
    assert profiles.segments["power"].n_users == 1
    assert profiles.segments["regular"].n_users == 1
    assert profiles.segments["occasional"].from_defaults
    assert profiles.observed_rates == {"revit": 10.0, "autocad": 7.0}
    assert profiles.product_share["revit"] == pytest.approx(10 * 261 / (10 * 261 + 7 * 52))
    anna = profiles.user_profile("anna@example.com")
    assert anna is not None and list(anna) == [10.0] * 5 + [0.0, 0.0]
