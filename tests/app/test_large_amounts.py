"""Usage and prices at the largest values the API accepts: every reply still answers.

A reply's money is derived (tokens x price, a year of cost, a sum of purchases) and may exceed
what any one input may be; the replies must neither fail their own validation (a 500) nor carry
float noise in token counts that are sums of stored tokens.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from app.limits import MAX_TOKENS_PER_ROW, MAX_UNIT_PRICE
from app.main import create_app
from app.money import money_text
from app.schemas import common
from app.schemas.pricing import PriceBookWrite
from app.settings import Settings
from tests.app.helpers import strict_json
from tests.conftest import Org

START = date(2023, 1, 1)
DAYS = 800  # through 2025-03-10: a year before the backtest's purchase date and a pack life after
LAST = START + timedelta(days=DAYS - 1)
ODD = Decimal("999999999.999")  # a@x.com on AutoCAD, every day: the largest value under the cap
FULL = MAX_TOKENS_PER_ROW  # b@x.com on Revit, every day
PRICE = MAX_UNIT_PRICE
CENT = Decimal("0.01")
MONEY = re.compile(r"^-?[0-9]+\.[0-9]{2,4}$")


def _store(client: TestClient, org: Org) -> None:
    lines = ["date,user,product,tokens"]
    for i in range(DAYS):
        day = (START + timedelta(days=i)).isoformat()
        lines += [f"{day},a@x.com,AutoCAD,{ODD}", f"{day},b@x.com,Revit,{FULL}"]
    files = {"file": ("usage.csv", "\n".join(lines) + "\n", "text/csv")}
    done = client.post("/v1/usage/imports", headers=org.headers, files=files)
    assert done.status_code == 201, done.text
    assert done.json()["rows_added"] == 2 * DAYS
    book = {
        "tiers": [{"min_tokens": 100, "unit_price": str(PRICE)}],
        "top_up_price": str(PRICE),
        "top_up_lead_days": 3,
        "blocked_day_cost": str(PRICE),
    }
    put = client.put("/v1/price-book", headers=org.headers, json=book)
    assert put.status_code == 200, put.text
    prices = [{"product": "Revit", "currency": "USD", "annual_price": str(PRICE)}]
    put = client.put("/v1/named-user-prices", headers=org.headers, json={"prices": prices})
    assert put.status_code == 200, put.text


def _money_strings(node: Any, key: str = "") -> list[tuple[str, Decimal]]:
    """Every string that looks like an amount, with its key; each must be a finite Decimal."""
    found: list[tuple[str, Decimal]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            found += _money_strings(v, k)
    elif isinstance(node, list):
        for v in node:
            found += _money_strings(v, key)
    elif isinstance(node, str) and MONEY.match(node):
        found.append((key, Decimal(node)))
    return found


def _get(client: TestClient, org: Org, url: str, **params: object) -> Any:
    reply = client.get(url, headers=org.headers, params=params)
    assert reply.status_code == 200, reply.text
    return strict_json(reply)


def _post(client: TestClient, org: Org, url: str, body: dict[str, Any], status: int) -> Any:
    reply = client.post(url, headers=org.headers, json=body)
    assert reply.status_code == status, reply.text
    return strict_json(reply)


def _weekend_days(first: str, last: str) -> int:
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    n = 0
    while day <= end:
        n += day.weekday() >= 5
        day += timedelta(days=1)
    return n


def test_replies_at_the_accepted_maxima(client: TestClient, org: Org) -> None:
    _store(client, org)

    # Balance before any pack: all usage is unserved, exact to 3 decimals (no float noise).
    balance = _get(client, org, "/v1/balance")
    assert balance["as_of"] == LAST.isoformat()
    assert balance["unserved_tokens"] == float(DAYS * (ODD + FULL))  # 1,599,999,999,999.2
    assert balance["unserved_days"] == DAYS

    # A pack of the most tokens at the highest price: its total is 10^18 money units.
    pack = {"purchased_on": "2024-01-01", "tokens": int(FULL), "unit_price": str(PRICE)}
    bought = _post(client, org, "/v1/purchases", pack, 201)
    assert bought["total_price"] == money_text((PRICE * FULL).quantize(CENT))
    assert bought["total_price"] == "999999999999900000.00"
    listed = _get(client, org, "/v1/purchases")
    assert [p["total_price"] for p in listed["purchases"]] == [bought["total_price"]]
    balance = _get(client, org, "/v1/balance")
    assert balance["unserved_tokens"] == float(DAYS * (ODD + FULL) - FULL)
    assert balance["packs"][0]["status"] == "expired"

    # The monthly report: March 2025 has 10 days of both rows.
    report = _get(client, org, "/v1/reports/monthly", month="2025-03")
    march = 10 * (ODD + FULL)
    assert report["totals"]["tokens"] == float(march)
    assert report["totals"]["value"] == money_text((march * PRICE).quantize(CENT))
    assert Decimal(report["totals"]["value"]) > 10**19

    # Insights: b@x.com's Revit (whole tokens, exact in floats) is a migration candidate.
    insights = _get(client, org, "/v1/insights")
    window = insights["window"]
    assert window["days"] == 365 and window["last_day"] == LAST.isoformat()
    weekend = _weekend_days(window["first_day"], window["last_day"])
    off = insights["summary"]["off_hours"]
    assert off["weekend_tokens"] == float(weekend * (ODD + FULL))
    assert off["value"] == money_text((weekend * (ODD + FULL) * PRICE).quantize(CENT))
    [candidate] = [f for f in insights["findings"] if f["kind"] == "migration_candidate"]
    assert (candidate["user"], candidate["product"]) == ("b@x.com", "Revit")
    flex = (365 * FULL * PRICE).quantize(CENT)  # a year of use over a 365-day window
    assert candidate["annual_flex_cost"] == money_text(flex) == "364999999999963500000.00"
    assert candidate["annual_saving"] == money_text(flex - PRICE)
    assert insights["summary"]["annual_saving_if_moved"] == candidate["annual_saving"]
    [revit_off] = [
        f for f in insights["findings"] if f["kind"] == "off_hours_burn" and f["user"] == "b@x.com"
    ]
    assert revit_off["value"] == money_text((weekend * FULL * PRICE).quantize(CENT))
    applied = _post(client, org, "/v1/insights/apply", {"users": ["b@x.com"]}, 201)
    assert [m["annual_saving"] for m in applied["moves"]] == [money_text(flex - PRICE)]
    assert applied["annual_flex_cost"] == money_text(flex)

    # A recommendation on a small stored forecast.
    forecast = _post(client, org, "/v1/forecasts", {"horizon_days": 365, "n_paths": 200}, 201)
    rec = _post(client, org, "/v1/recommendations", {"forecast_id": forecast["id"]}, 201)
    assert rec["unit_price"] == money_text(PRICE)
    assert rec["total_price"] == money_text((rec["quantity"] * PRICE).quantize(CENT))
    assert Decimal(rec["expected_cost"]) >= Decimal(rec["total_price"])
    assert Decimal(rec["expected_cost"]) > 10**20  # a year of ~2e9 tokens a day at ~1e9 each
    for option in rec["alternatives"]:
        assert option["total_price"] == money_text((option["quantity"] * PRICE).quantize(CENT))

    # Backtests (one purchase date, 2024-01-01): each row's books balance.
    backtest = _post(client, org, "/v1/backtests", {"n_paths": 20, "seed": 1}, 200)
    assert backtest["purchase_dates"] == ["2024-01-01"]
    for row in backtest["rows"]:
        assert row["price"] == money_text((row["quantity"] * PRICE).quantize(CENT))
        parts = Decimal(row["price"]) + Decimal(row["top_up_cost"]) + Decimal(row["blocked_cost"])
        assert Decimal(row["spent"]) == parts
    [foresight] = [r for r in backtest["rows"] if r["strategy"] == "perfect_foresight"]
    assert Decimal(foresight["spent"]) > 10**20

    for body in (balance, listed, report, insights, applied, rec, backtest):
        amounts = _money_strings(body)
        assert all(v.is_finite() for _, v in amounts)
    assert len(_money_strings(rec)) > 10 and len(_money_strings(backtest)) > 10


def _bounded_money(schema: Any) -> bool:
    """Whether a pydantic core schema anywhere validates with the request-side `_money`."""
    if isinstance(schema, dict):
        return any(_bounded_money(v) for v in schema.values())
    if isinstance(schema, list | tuple):
        return any(_bounded_money(v) for v in schema)
    return schema is common._money


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """The app's API routes, also inside included routers."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found += _api_routes(inner.routes)
    return found


def test_no_reply_model_bounds_its_money() -> None:
    """Replies use MoneyOut: a reply model validating with Money could answer 500 on a total."""
    replies = {
        f"{next(iter(route.methods))} {route.path}": route.response_model
        for route in _api_routes(create_app(Settings()).routes)
        if route.response_model is not None
    }
    assert len(replies) > 20
    bounded = [
        path for path, model in replies.items() if _bounded_money(TypeAdapter(model).core_schema)
    ]
    assert bounded == []
    # The walk finds the bound where it belongs: request bodies keep it.
    assert _bounded_money(TypeAdapter(PriceBookWrite).core_schema)


def test_money_text_is_exact_at_any_size() -> None:
    """Past the default 28-digit context, money_text neither rounds nor fails to quantize."""
    assert money_text(Decimal("1E+30")) == "1" + "0" * 30 + ".00"
    big = "123456789012345678901234567890.1234"
    assert money_text(Decimal(big)) == big
    assert money_text(Decimal("-12.5")) == "-12.50"
    assert money_text(Decimal("2.8475")) == "2.8475"
