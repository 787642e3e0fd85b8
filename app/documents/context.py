"""Everything the recommendation template shows, built from one Report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from markupsafe import Markup

from app.documents import formatting as fmt
from app.documents.changes import changes_section
from app.documents.charts import cost_chart_svg, cost_view_upper, fan_chart_svg
from app.documents.insights import insights_section
from app.documents.narrative import run_out_costs, why_paragraph
from app.documents.report import Report
from app.documents.sections import distribution_part, reproducibility_section, usage_section
from app.documents.timing import timing_section
from app.documents.view import (
    Table,
    decision_items,
    generic,
    mapping,
    options_table,
    sequence,
)

TIER_KINDS = {
    "all_units": "all units: the whole purchase is priced at the tier its quantity reaches",
    "incremental": "incremental: each block of tokens is priced at its own tier",
}
OBJECTIVES = {
    "expected_cost": "lowest expected cost (price plus expected {run_out})",
    "cvar": "lowest mean cost over the worst simulated futures (CVaR)",
    "service_level": "lowest expected cost with the probability of running out within the level",
}
_KNOWN_BOOK = {"currency", "minimum_purchase", "pack_increment", "validity_days", "tier_kind",
               "tiers", "top_up_price", "top_up_lead_days", "blocked_day_cost",
               "top_up_block_tokens"}  # fmt: skip
_KNOWN_ASSUMPTIONS = {"price_book", "consumption_order", "objective", "n_paths", "seed"}
# Header facts shown with a running string (repeated in every printed page's margins).
_RUNNING = {"organization": "organization", "created_at": "created"}


def build_context(
    report: Report, *, document_id: str, facts_sha256: str | None = None
) -> dict[str, Any]:
    facts = report.facts
    header, decision = mapping(facts.get("document")), mapping(facts.get("decision"))
    assumptions = mapping(facts.get("assumptions"))
    book = mapping(assumptions.get("price_book"))
    currency = str(decision.get("currency") or book.get("currency") or report.currency)
    tiers = sequence(book.get("tiers"))
    quantity, total = fmt.tokens(decision.get("quantity")), decision.get("total_price")
    forecast = mapping(facts.get("forecast"))
    return {
        "document_id": document_id,
        "facts_sha256": facts_sha256,
        "title": fmt.text(header.get("title") or "Token purchase recommendation"),
        "header": _header(header),
        "organization": fmt.text(header.get("organization")),
        "created_at": fmt.text(header.get("created_at")),
        "headline": f"Buy {quantity} tokens for {fmt.money(total, currency)}",
        "decision": decision_items(decision, tiers, currency),
        "why": why_paragraph(decision, book, n_paths=assumptions.get("n_paths"), currency=currency),
        "options": options_table(decision, tiers, currency),
        "timing": timing_section(decision, currency),
        "cost_svg": Markup(cost_chart_svg(report)),
        "cost_caption": _cost_caption(report, run_out_costs(book)),
        "forecast": _forecast(forecast) | distribution_part(forecast),
        "changes": changes_section(forecast),
        "fan_svg": Markup(fan_chart_svg(report)),
        "fan_caption": _fan_caption(report),
        "usage": usage_section(mapping(facts.get("data")), mapping(facts.get("usage")), currency),
        "insights": insights_section(facts, currency),
        "packs": _packs(sequence(facts.get("packs")), currency),
        "tiers": _tiers(tiers, currency),
        "assumptions": _assumptions(assumptions, book, currency),
        "reproducibility": reproducibility_section(facts, header, forecast),
    }


def _header(header: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(label, value, running-string name or "") for each header fact but the title."""
    return [
        (key.replace("_", " ").capitalize(), generic(value), _RUNNING.get(key, ""))
        for key, value in sorted(header.items())
        if key != "title"
    ]


def _forecast(forecast: Mapping[str, Any]) -> dict[str, Any]:
    model = forecast.get("model")
    candidates = [mapping(c) for c in sequence(forecast.get("candidates"))]
    keys = sorted({key for c in candidates for key in mapping(c.get("scores"))})
    scores = Table(
        head=["Model", *(key.replace("_", " ") for key in keys)],
        rows=[
            [fmt.text(c.get("model")), *(fmt.score(mapping(c.get("scores")).get(k)) for k in keys)]
            for c in candidates
        ],
        highlight=[c.get("model") == model for c in candidates],
    )
    totals = Table(
        head=["Next days", "Mean", "p10", "p50", "p90"],
        rows=[
            [fmt.tokens(t.get(key)) for key in ("days", "mean", "p10", "p50", "p90")]
            for t in map(mapping, sequence(forecast.get("totals")))
        ],
    )
    warnings = [fmt.text(w) for w in sequence(forecast.get("warnings"))]
    return {"model": fmt.text(model), "scores": scores, "totals": totals, "warnings": warnings}


def _packs(packs: Sequence[Any], currency: str) -> Table:
    return Table(
        head=["Purchased on", "Tokens", "Remaining at the purchase date", "Expires on"],
        rows=[
            [fmt.day(p.get("purchased_on")), fmt.tokens(p.get("tokens")),
             fmt.tokens(p.get("remaining_tokens")), fmt.day(p.get("expires_on"))]
            for p in map(mapping, packs)
        ],
    )  # fmt: skip


def _tiers(tiers: Sequence[Any], currency: str) -> Table:
    rows = []
    for index, tier in enumerate(map(mapping, tiers)):
        following = mapping(tiers[index + 1]).get("min_tokens") if index + 1 < len(tiers) else None
        upper = fmt.tokens(following - 1) if isinstance(following, int) else "and more"
        price = fmt.money(tier.get("unit_price"), currency)
        rows.append([fmt.tokens(tier.get("min_tokens")), upper, price])
    return Table(head=["From (tokens)", "To (tokens)", "Unit price"], rows=rows)


def _assumptions(
    assumptions: Mapping[str, Any], book: Mapping[str, Any], currency: str
) -> list[tuple[str, str]]:
    kind, objective = book.get("tier_kind"), assumptions.get("objective")
    items = [
        ("Currency", fmt.text(book.get("currency") or currency)),
        ("Tier kind", TIER_KINDS.get(str(kind), fmt.text(kind))),
        ("Minimum purchase", f"{fmt.tokens(book.get('minimum_purchase'))} tokens"),
        ("Pack increment", f"{fmt.tokens(book.get('pack_increment'))} tokens"),
        ("Validity", f"{fmt.tokens(book.get('validity_days'))} days from purchase, no rollover"),
        ("Emergency top-up price", fmt.money(book.get("top_up_price"), currency)),
        *_running_out(book, currency),
        ("Consumption order", fmt.text(assumptions.get("consumption_order"))),
        (
            "Objective",
            OBJECTIVES.get(str(objective), fmt.text(objective)).format(run_out=run_out_costs(book)),
        ),
        ("Simulated demand paths", fmt.tokens(assumptions.get("n_paths"))),
        ("Random seed", fmt.text(assumptions.get("seed"))),
    ]
    return items + _extras(book, _KNOWN_BOOK) + _extras(assumptions, _KNOWN_ASSUMPTIONS)


def _running_out(book: Mapping[str, Any], currency: str) -> list[tuple[str, str]]:
    """The price book's run-out terms in words; nothing when it predates them."""
    lead = book.get("top_up_lead_days")
    if not isinstance(lead, int) or isinstance(lead, bool):
        return []
    if lead <= 0:
        return [("Running out", "Emergency top-ups are usable at once: a run-out costs the missing "
                 "tokens at the top-up price")]  # fmt: skip
    per_day = fmt.to_decimal(book.get("blocked_day_cost"))
    blocked = (
        f"each day of blocked work costs {fmt.money(per_day, currency)}"
        if per_day
        else "the work blocked meanwhile is lost but not priced"
    )
    after = f"{fmt.tokens(lead)} {'day' if lead == 1 else 'days'} after a run-out"
    block = book.get("top_up_block_tokens")
    size = (
        f"{fmt.tokens(block)} tokens"
        if isinstance(block, int) and block > 0
        else "enough for the rest of the pack's life at the recent burn rate, with a margin"
    )
    return [
        ("Running out", f"Emergency top-ups arrive {after}; {blocked}"),
        ("Emergency purchase size", size),
    ]


def _extras(facts: Mapping[str, Any], known: set[str]) -> list[tuple[str, str]]:
    return [
        (key.replace("_", " ").capitalize(), generic(value))
        for key, value in sorted(facts.items())
        if key not in known
    ]


def _cost_caption(report: Report, run_out: str) -> str:
    quantities = np.asarray(report.curve_quantities)
    if quantities.size == 0:
        return "No cost curve was computed."
    low, high, shown = int(quantities.min()), int(quantities.max()), cost_view_upper(report)
    text = (
        f"Expected cost (price plus expected {run_out}) of each of the {quantities.size:,} "
        f"candidate quantities from {low:,} to {high:,} tokens"
    )
    if shown < high:
        text += f", shown up to {shown:,} tokens"
    text += ". Dotted lines: tier breaks; circle: the chosen quantity"
    last_year = report.last_year_quantity
    if last_year is not None and low <= last_year <= shown:
        text += f"; square: last year's consumption ({last_year:,} tokens)"
    elif last_year is not None:
        text += f". Last year's consumption ({last_year:,} tokens) lies beyond the quantities shown"
    return text + "."


def _fan_caption(report: Report) -> str:
    fan, days = report.fan, report.history_days
    horizon = int(np.asarray(fan.mean).shape[0])
    parts = []
    if days:
        last = report.history_start + timedelta(days=days - 1)
        parts.append(
            f"History {report.history_start.isoformat()} to {last.isoformat()}: daily tokens "
            "(faint) and their centred 7-day mean"
        )
    if horizon:
        parts.append(
            f"forecast from {fan.first_day.isoformat()} for {horizon:,} days, as 7-day means of "
            "the daily quantiles: shaded band p10 to p90, solid line p50, dashed line mean"
        )
    return ("; ".join(parts) or "No history and no forecast") + "."
