"""The usage, distribution and reproducibility parts of the document, from the facts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from app.documents import formatting as fmt
from app.documents.usage_charts import (
    distribution_chart_svg,
    monthly_chart_svg,
    weekday_chart_svg,
)
from app.documents.view import Table, generic, mapping, sequence

STATUS = {
    "active": "in use",
    "depleted": "used up",
    "expired": "expired",
}
LIBRARY_ORDER = ("tokencast", "numpy", "scipy", "pandas", "statsmodels", "prophet")


def usage_section(
    data: Mapping[str, Any], usage: Mapping[str, Any], currency: str
) -> dict[str, Any]:
    users = data.get("users")
    items = [
        ("Usage rows", fmt.tokens(data.get("rows"))),
        ("Period", f"{fmt.day(data.get('first_day'))} to {fmt.day(data.get('last_day'))}"),
        ("Tokens used", fmt.tokens(data.get("total_tokens"))),
        ("Days without usage", fmt.tokens(data.get("zero_days"))),
        ("Products", generic(data.get("products")) if "products" in data else fmt.MISSING),
        ("Users", fmt.tokens(users) if users else "not in the data (daily totals only)"),
    ]
    return {
        "items": items,
        "sources": [fmt.text(source) for source in sequence(data.get("sources"))],
        "monthly_svg": Markup(monthly_chart_svg(usage)),
        "monthly_caption": _monthly_caption(usage),
        "months": months_table(usage),
        "products": products_table(usage),
        "weekday_svg": Markup(weekday_chart_svg(usage)),
        "weekday_caption": (
            "Mean tokens per calendar day of each weekday over the whole history, days without "
            "usage included."
        ),
        "packs": packs_bought_table(sequence(usage.get("packs")), currency),
        "expired_line": _expired_line(usage, currency),
    }


def _monthly_caption(usage: Mapping[str, Any]) -> str:
    groups = [str(g) for g in sequence(usage.get("product_groups"))]
    named = [g for g in groups if g != "other products"]
    if not named:
        return "Tokens used in each calendar month (the data names no products)."
    return (
        f"Tokens used in each calendar month, stacked by product: the {len(named)} largest "
        "products by tokens used, then all others together."
    )


def months_table(usage: Mapping[str, Any]) -> Table:
    """Tokens and active users by month (the split by product is the chart's, exact in JSON)."""
    rows = []
    for month in map(mapping, sequence(usage.get("months"))):
        users = month.get("active_users")
        active = fmt.tokens(users) if users is not None else fmt.MISSING
        rows.append([fmt.text(month.get("month")), fmt.tokens(month.get("tokens")), active])
    return Table(head=["Month", "Tokens", "Active users"], rows=rows)


def products_table(usage: Mapping[str, Any]) -> Table:
    """Tokens by product over the whole history: the chart's product groups."""
    products = [mapping(p) for p in sequence(usage.get("products"))]
    groups = [str(g) for g in sequence(usage.get("product_groups"))]
    named = {g for g in groups if g != "other products"}
    totals = {str(p.get("product")): fmt.to_decimal(p.get("tokens")) or 0 for p in products}
    grand = sum(totals.values())
    rows = []
    for group in groups:
        value = (
            totals.get(group, 0)
            if group in named
            else sum(v for k, v in totals.items() if k not in named)
        )
        share = fmt.probability(float(value) / float(grand)) if grand else fmt.MISSING
        rows.append([group, fmt.tokens(value), share])
    return Table(head=["Product", "Tokens", "Share of tokens"], rows=rows)


def packs_bought_table(packs: Sequence[Any], currency: str) -> Table:
    rows = []
    for pack in map(mapping, packs):
        rows.append([
            fmt.day(pack.get("purchased_on")), fmt.tokens(pack.get("tokens")),
            fmt.money(pack.get("unit_price"), currency), fmt.day(pack.get("expires_on")),
            fmt.tokens(pack.get("consumed_tokens")), fmt.tokens(pack.get("expired_unused_tokens")),
            fmt.money(pack.get("expired_unused_value"), currency),
            STATUS.get(str(pack.get("status")), fmt.text(pack.get("status"))),
        ])  # fmt: skip
    head = ["Bought on", "Tokens", "Unit price", "Expires on", "Used", "Expired unused",
            "Value expired", "At the purchase date"]  # fmt: skip
    return Table(head=head, rows=rows)


def _expired_line(usage: Mapping[str, Any], currency: str) -> str:
    tokens, value = usage.get("expired_unused_tokens"), usage.get("expired_unused_value")
    if not fmt.to_decimal(tokens):
        return "No tokens of these packs expired unused before the purchase date."
    return (
        f"Before the purchase date, {fmt.tokens(tokens)} tokens of these packs expired unused, "
        f"worth {fmt.money(value, currency)} at the prices paid."
    )


def distribution_part(forecast: Mapping[str, Any]) -> dict[str, Any]:
    distribution = mapping(forecast.get("total_distribution"))
    days = fmt.tokens(distribution.get("days"))
    caption = (
        f"How the total tokens used over the next {days} days spread over the "
        f"{fmt.tokens(sum(c for c in sequence(distribution.get('counts')) if isinstance(c, int)))}"
        f" simulated futures: p10 {fmt.tokens(distribution.get('p10'))}, p50 "
        f"{fmt.tokens(distribution.get('p50'))}, p90 {fmt.tokens(distribution.get('p90'))}, mean "
        f"{fmt.tokens(distribution.get('mean'))} tokens. A sum of daily intervals is not an "
        "interval for the total: these come from whole simulated paths."
    )
    return {"distribution_svg": Markup(distribution_chart_svg(distribution)),
            "distribution_caption": caption}  # fmt: skip


def reproducibility_section(
    facts: Mapping[str, Any], header: Mapping[str, Any], forecast: Mapping[str, Any]
) -> dict[str, Any]:
    repro = mapping(facts.get("reproducibility"))
    items = [
        ("Inputs SHA-256", fmt.text(repro.get("inputs_sha256"))),
        ("Random seed", fmt.text(repro.get("seed"))),
        ("Simulated futures", fmt.tokens(repro.get("n_paths"))),
        ("Forecast model", fmt.text(repro.get("model"))),
        ("Forecast", fmt.text(forecast.get("id"))),
        ("Recommendation", fmt.text(header.get("recommendation_id"))),
        ("Created at", fmt.text(header.get("created_at"))),
        ("Asked by the API key", fmt.text(repro.get("requested_by_key"))),
    ]
    versions = mapping(repro.get("versions"))
    order = [k for k in LIBRARY_ORDER if k in versions] + sorted(set(versions) - set(LIBRARY_ORDER))
    lead = (
        "The inputs' SHA-256 covers the daily usage history, the packs held and the price book. "
        "The same inputs, seed and library versions give the same forecast paths and the same "
        "decision; the recommendation's reproduction route recomputes them and compares."
    )
    return {"lead": lead, "items": items,
            "versions": [(name, fmt.text(versions[name])) for name in order]}  # fmt: skip
