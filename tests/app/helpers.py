"""Small helpers shared by the HTTP tests."""

from __future__ import annotations

import json
from typing import Any

import httpx

PRICE_BOOK: dict[str, Any] = {
    "currency": "USD",
    "minimum_purchase": 100,
    "pack_increment": 100,
    "validity_days": 365,
    "tier_kind": "all_units",
    "tiers": [
        {"min_tokens": 100, "unit_price": "3.00"},
        {"min_tokens": 5000, "unit_price": "2.85"},
    ],
    "top_up_price": "3.00",
}


def _reject_constant(name: str) -> float:
    raise AssertionError(f"reply contains {name}")


def strict_json(response: httpx.Response) -> Any:
    """Parse a reply, failing on NaN or Infinity (which json.loads accepts by default)."""
    return json.loads(response.text, parse_constant=_reject_constant)


def assert_error(response: httpx.Response, status: int, *fragments: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = strict_json(response)
    assert set(body) == {"error", "detail"}, body
    for fragment in fragments:
        assert fragment in body["detail"], (fragment, body["detail"])
    return dict(body)
