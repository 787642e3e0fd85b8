"""Migration candidates into licence-mix changes, the forecast that takes them in, and the
purchase with and without them."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.services.forecasts import create_forecast
from app.services.hybrid import purchase_with_and_without
from app.services.insight_document import document_sections
from app.services.insights import InsightRules
from app.services.pricing import get_price_book_row, to_core_price_book
from app.services.recommendations import DecisionAsk
from app.settings import Settings
from models.insights.synthetic import SyntheticOrganization
from tests.app.helpers import assert_error, strict_json
from tests.app.insight_setup import load_synthetic, rows_of
from tests.conftest import Org

BASE_TOKENS = 1000  # a day, without a user: keeps every forecast path far above the moves


def _with_base_load(client: TestClient, org: Org) -> SyntheticOrganization:
    synth = load_synthetic(client, org)
    days = [synth.first_day + timedelta(days=i) for i in range(365)]
    records = [{"date": d.isoformat(), "product": "Base", "tokens": BASE_TOKENS} for d in days]
    assert client.post("/v1/usage", headers=org.headers, json={"records": records}).is_success
    return synth


def _expected_removal(synth: SyntheticOrganization, pairs: set[tuple[str, str]]) -> float:
    """The moved pairs' mean tokens per weekday over the year, summed over the next 365 days."""
    per_weekday: dict[int, float] = defaultdict(float)
    for day, user, product, tokens in rows_of(synth):
        if (user, product) in pairs:
            per_weekday[day.weekday()] += tokens
    window = [synth.first_day + timedelta(days=i) for i in range(365)]
    count = {w: sum(1 for d in window if d.weekday() == w) for w in range(7)}
    horizon = [synth.last_day + timedelta(days=1 + i) for i in range(365)]
    return sum(per_weekday[d.weekday()] / count[d.weekday()] for d in horizon)


def test_apply_moves_the_candidates_and_the_forecast_takes_them_in(
    client: TestClient, org: Org
) -> None:
    synth = _with_base_load(client, org)
    truth = {(u.key, p) for u in synth.users for p in u.candidate_products}
    applied = client.post("/v1/insights/apply", headers=org.headers, json={"all_candidates": True})
    assert applied.status_code == 201, applied.text
    body = strict_json(applied)
    assert {(m["user"], m["product"]) for m in body["moves"]} == truth
    assert body["start"] == "2026-01-01" and body["already_covered"] == 0
    by_product: dict[str, list[str]] = defaultdict(list)
    for user, product in truth:
        by_product[product].append(user)
    assert {c["products"][0]: c["user_keys"] for c in body["changes"]} == {
        p: sorted(users) for p, users in by_product.items()
    }
    saving = sum(Decimal(m["annual_saving"]) for m in body["moves"])
    assert Decimal(body["annual_saving"]) == saving > 0
    assert Decimal(body["annual_flex_cost"]) - Decimal(body["annual_named_user_cost"]) == saving
    listed = strict_json(client.get("/v1/changes", headers=org.headers))
    assert listed["total"] == len(by_product)

    again = client.post("/v1/insights/apply", headers=org.headers, json={"all_candidates": True})
    assert_error(again, 409, "already moved")

    ask = {"horizon_days": 365, "model": "seasonal_naive", "seed": 3}
    forecast = strict_json(client.post("/v1/forecasts", headers=org.headers, json=ask))
    effects = {e["change_id"]: e for e in forecast["changes"]}
    for change in body["changes"]:
        pairs = {(u, change["products"][0]) for u in change["user_keys"]}
        expected = _expected_removal(synth, pairs)
        assert effects[change["id"]]["mean_total_delta_tokens"] == pytest.approx(
            -expected, abs=0.02
        )


def test_apply_checks_what_it_is_asked(client: TestClient, org: Org) -> None:
    synth = load_synthetic(client, org)
    url, h = "/v1/insights/apply", org.headers
    assert_error(client.post(url, headers=h, json={}), 422, "all_candidates")
    both = {"users": ["power01@example.com"], "all_candidates": True}
    assert_error(client.post(url, headers=h, json=both), 422, "not both")
    stays = {"users": ["occasional01@example.com"]}
    reply = assert_error(client.post(url, headers=h, json=stays), 422, "users[0]")
    assert "@" not in reply["detail"]
    one = next(u for u in synth.users if len(u.candidate_products) == 1)
    only = {"users": [one.key], "products": list(one.candidate_products), "start": "2026-02-01"}
    done = strict_json(client.post(url, headers=h, json=only))
    assert [(m["user"], m["product"]) for m in done["moves"]] == [
        (one.key, one.candidate_products[0])
    ]
    assert done["changes"][0]["start"] == "2026-02-01"
    rest = strict_json(client.post(url, headers=h, json={"all_candidates": True}))
    assert rest["already_covered"] == 1
    assert len(rest["moves"]) == sum(len(u.candidate_products) for u in synth.users) - 1


def test_purchase_with_and_without_the_moves(
    client: TestClient, org: Org, session: Session
) -> None:
    synth = _with_base_load(client, org)
    book = to_core_price_book(get_price_book_row(session, org.id))
    purchase = synth.last_day + timedelta(days=1)
    ask = DecisionAsk(purchase)

    def run():  # type: ignore[no-untyped-def]
        return create_forecast(
            session, organization_id=org.id, horizon_days=365, as_of=None,
            model="seasonal_naive", n_paths=200, seed=11,
        )  # fmt: skip

    def compare(r):  # type: ignore[no-untyped-def]
        return purchase_with_and_without(
            session, organization_id=org.id, run=r, price_book=book, purchase=purchase,
            pack_terms=[], ask=ask,
        )  # fmt: skip

    before = run()
    assert compare(before) is None  # no licence-mix change yet
    applied = strict_json(
        client.post("/v1/insights/apply", headers=org.headers, json={"all_candidates": True})
    )
    after = run()
    made_before, made_after = compare(before), compare(after)
    assert [c["in_forecast"] for c in made_before["changes"]] == [False] * len(applied["changes"])
    assert all(c["in_forecast"] for c in made_after["changes"])
    assert made_after["clipped_path_days"] == 0
    for side in ("with", "without"):
        assert made_before[side]["quantity"] == made_after[side]["quantity"]
        assert Decimal(made_before[side]["expected_cost"]) == pytest.approx(
            Decimal(made_after[side]["expected_cost"]), abs=Decimal("0.05")
        )
    facts = made_after
    moved = {(m["user"], m["product"]) for m in applied["moves"]}
    removal = _expected_removal(synth, moved)
    assert facts["demand_saving_p50"] == pytest.approx(removal, abs=0.05)
    without_p50 = facts["without"]["pack_demand"]["p50"]
    assert facts["with"]["pack_demand"]["p50"] == pytest.approx(without_p50 - removal, abs=0.05)
    assert facts["with"]["quantity"] < facts["without"]["quantity"]
    named = sum(synth.named_user_prices[p] for _, p in moved)  # a whole year of the pack's life
    assert facts["subscriptions"] == {
        "pairs": len(moved),
        "unpriced_pairs": 0,
        "cost_over_pack_life": str(named.quantize(Decimal("0.01"))),
    }
    with_total = Decimal(facts["with"]["expected_cost"]) + named
    assert Decimal(facts["with_total_expected_cost"]) == with_total
    assert (
        Decimal(facts["expected_saving"]) == Decimal(facts["without"]["expected_cost"]) - with_total
    )
    assert facts["pack_expires_on"] == (purchase + timedelta(days=365)).isoformat()
    assert date.fromisoformat(facts["purchase_date"]) == purchase

    sections = document_sections(
        session, organization_id=org.id, run=after, price_book=book, purchase=purchase,
        pack_terms=[], ask=ask, rules=InsightRules.from_settings(Settings()),
    )  # fmt: skip
    assert sections["hybrid"] == facts
    assert sections["insights"]["as_of"] == synth.last_day.isoformat()
    assert sections["insights"]["summary"]["migration_candidates"] == len(moved)
    json.dumps(sections, allow_nan=False)


def test_apply_finds_a_user_by_the_email_as_written(client: TestClient, org: Org) -> None:
    """Imports store e-mails folded to lower case; apply folds what it is asked the same way."""
    synth = load_synthetic(client, org)
    one = next(u for u in synth.users if u.candidate_products)
    assert "@" in one.key and one.key == one.key.lower()
    shouted = {"users": [f"  {one.key.upper()} "]}
    done = client.post("/v1/insights/apply", headers=org.headers, json=shouted)
    assert done.status_code in (200, 201), done.text
    assert {m["user"] for m in strict_json(done)["moves"]} == {one.key}
