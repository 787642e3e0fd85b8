"""The document's "usage so far": tokens by month and product, the weekday profile, active users
by month, and the packs bought with what expired unused.

The aggregation is pure (rows in, JSON-ready facts out) so the stored flow (rows from the
database) and the stateless plan (records in the request) share it.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.tables import TokenPack, UsageRow
from app.money import CENT, money_text
from models.decision import replay_balance
from models.decision.types import Pack
from models.series import DailySeries

TOP_PRODUCTS = 5
OTHER = "other products"
UNNAMED = "(no product named)"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class BoughtPack:
    """A pack as bought, with its price (for the value of what expired unused)."""

    purchased_on: date
    tokens: int
    unit_price: Decimal
    expires_on: date


def usage_facts(
    product_days: Iterable[tuple[date, str, float]],
    user_days: Iterable[tuple[date, str]],
    history: DailySeries,
    packs: Sequence[BoughtPack],
) -> dict[str, Any]:
    """`product_days`: (day, product, tokens) summed per day and product; `user_days`: the distinct
    (day, user key) pairs with usage; both within the history's days."""
    per_month: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    per_product: dict[str, float] = defaultdict(float)
    for day, product, tokens in product_days:
        name = product or UNNAMED
        per_month[day.isoformat()[:7]][name] += tokens
        per_product[name] += tokens
    users: dict[str, set[str]] = defaultdict(set)
    for day, user in user_days:
        users[day.isoformat()[:7]].add(user)
    ranked = sorted(per_product.items(), key=lambda item: (-item[1], item[0]))
    named = [name for name, _ in ranked if name != UNNAMED][:TOP_PRODUCTS]
    groups = named + ([OTHER] if len(ranked) > len(named) else [])
    months = []
    for month, tokens in _month_totals(history):
        parts = per_month.get(month, {})
        shown = [_t(parts.get(name, 0.0)) for name in named]
        rest = [_t(sum(v for k, v in parts.items() if k not in named))] if OTHER in groups else []
        active = len(users.get(month, ())) if users else None
        months.append({"month": month, "tokens": _t(tokens), "active_users": active,
                       "by_product": shown + rest})  # fmt: skip
    bought = packs_bought(history, packs)
    expired = sum((Decimal(p["expired_unused_value"]) for p in bought), Decimal(0))
    return {
        "months": months,
        "product_groups": groups,
        "products": [{"product": name, "tokens": _t(tokens)} for name, tokens in ranked],
        "weekdays": weekday_profile(history),
        "packs": bought,
        "expired_unused_tokens": _t(sum(p["expired_unused_tokens"] for p in bought)),
        "expired_unused_value": money_text(expired.quantize(CENT)),
    }


def _t(tokens: float) -> float:
    return round(float(tokens), 3)


def _month_totals(history: DailySeries) -> list[tuple[str, float]]:
    totals: dict[str, float] = {}
    start = np.datetime64(history.start.isoformat(), "D")
    days = start + np.arange(history.n_days)
    months = np.datetime_as_string(days, unit="M")
    for month, tokens in zip(months.tolist(), history.tokens_per_day.tolist(), strict=True):
        totals[month] = totals.get(month, 0.0) + tokens
    return list(totals.items())


def weekday_profile(history: DailySeries) -> list[dict[str, Any]]:
    """Mean tokens per calendar day of each weekday (days without usage count as 0)."""
    tokens = history.tokens_per_day
    weekday = (history.start.weekday() + np.arange(history.n_days)) % 7
    total = float(tokens.sum())
    out = []
    for index, name in enumerate(WEEKDAYS):
        chosen = tokens[weekday == index]
        out.append({
            "weekday": name[:3],
            "days": int(chosen.size),
            "mean_tokens": _t(chosen.mean()) if chosen.size else 0.0,
            "share": round(float(chosen.sum()) / total, 4) if total > 0 else 0.0,
        })  # fmt: skip
    return out


def packs_bought(history: DailySeries, packs: Sequence[BoughtPack]) -> list[dict[str, Any]]:
    """Each pack bought up to the history's last day, replayed through the real usage."""
    held = sorted((p for p in packs if p.purchased_on <= history.end),
                  key=lambda p: (p.purchased_on, p.expires_on, p.tokens))  # fmt: skip
    if not held:
        return []
    core = [Pack(p.purchased_on, p.tokens, float(p.tokens), p.expires_on) for p in held]
    replay = replay_balance(history.tokens_per_day, history.start, core)
    out = []
    for pack, state in zip(held, replay.packs, strict=True):
        expired = round(state.expired_unused_tokens, 3)
        status = "expired" if pack.expires_on <= history.end else "active"
        if status == "active" and state.remaining_tokens <= 0:
            status = "depleted"
        out.append({
            "purchased_on": pack.purchased_on.isoformat(),
            "expires_on": pack.expires_on.isoformat(),
            "tokens": pack.tokens,
            "unit_price": money_text(pack.unit_price),
            "consumed_tokens": _t(state.consumed_tokens),
            "remaining_tokens": _t(state.remaining_tokens),
            "expired_unused_tokens": expired,
            "expired_unused_value": money_text(
                (pack.unit_price * Decimal(str(expired))).quantize(CENT)
            ),
            "status": status,
        })  # fmt: skip
    return out


def stored_usage_facts(
    session: Session, organization_id: uuid.UUID, history: DailySeries
) -> dict[str, Any]:
    """The usage facts of an organization's stored rows and packs over the history's days."""
    in_history = (UsageRow.organization_id == organization_id, UsageRow.day.between(
        history.start, history.end))  # fmt: skip
    product_days = session.execute(
        select(UsageRow.day, UsageRow.product, func.sum(UsageRow.tokens))
        .where(*in_history)
        .group_by(UsageRow.day, UsageRow.product)
    ).all()
    user_days = session.execute(
        select(UsageRow.day, UsageRow.user_key)
        .where(*in_history, UsageRow.user_key != "")
        .distinct()
    ).all()
    packs = session.scalars(
        select(TokenPack).where(TokenPack.organization_id == organization_id)
    ).all()
    return usage_facts(
        ((d, p, float(t)) for d, p, t in product_days),
        ((d, u) for d, u in user_days),
        history,
        [BoughtPack(p.purchased_on, p.tokens, Decimal(p.unit_price), p.expires_on) for p in packs],
    )
