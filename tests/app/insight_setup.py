"""Put the synthetic organization into a test organization through the public API."""

from __future__ import annotations

from datetime import date
from typing import Any

import holidays
from fastapi.testclient import TestClient

from app.simulate import account_export_csv
from models.insights.synthetic import SyntheticOrganization, synthetic_organization
from tests.app.helpers import PRICE_BOOK
from tests.conftest import Org

Row = tuple[date, str, str, float]


def load_synthetic(client: TestClient, org: Org, seed: int = 4) -> SyntheticOrganization:
    """Import the synthetic export, set country US, the price book and the named-user prices."""
    synth = synthetic_organization(seed)
    files = {"file": ("synthetic.csv", account_export_csv(synth), "text/csv")}
    done = client.post("/v1/usage/imports", headers=org.headers, files=files)
    assert done.status_code == 201, done.text
    assert done.json()["rows_added"] == len(synth.rows)
    assert client.patch("/v1/organization", headers=org.headers, json={"country": "US"}).is_success
    assert client.put("/v1/price-book", headers=org.headers, json=PRICE_BOOK).is_success
    prices = [
        {"product": p, "currency": "USD", "annual_price": str(v)}
        for p, v in synth.named_user_prices.items()
    ]
    put = client.put("/v1/named-user-prices", headers=org.headers, json={"prices": prices})
    assert put.status_code == 200, put.text
    return synth


def rows_of(synth: SyntheticOrganization) -> list[Row]:
    return [(d, u, p, float(t)) for d, u, p, t in synth.rows]


def us_holidays(year: int) -> set[date]:
    return set(holidays.country_holidays("US", years=year))


def by_kind(findings: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f for f in findings if f["kind"] == kind]
