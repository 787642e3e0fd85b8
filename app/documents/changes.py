"""Known changes: what each one the organization told us about did to the forecast's total.

The forecast facts carry each change's effect on the horizon total (mean and quantiles of the
per-future difference) and the horizon totals both without the changes and with them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.documents import formatting as fmt
from app.documents.view import Table, mapping, sequence

KINDS = {
    "headcount": "headcount",
    "project": "project",
    "licence_mix": "licence mix",
    "rate_change": "rate change",
}


@dataclass(frozen=True)
class KnownChanges:
    lines: list[str]  # one per change; empty when none was applied
    totals: Table | None  # horizon totals without and with the changes


def changes_section(forecast: Mapping[str, Any]) -> KnownChanges:
    changes = [mapping(change) for change in sequence(forecast.get("changes"))]
    horizon = forecast.get("horizon_days")
    span = "over the horizon"
    if isinstance(horizon, int) and not isinstance(horizon, bool) and horizon > 0:
        span = f"over the {fmt.tokens(horizon)}-day horizon"
    lines = [change_line(change, span) for change in changes]
    baseline = sequence(forecast.get("baseline_totals"))
    totals = sequence(forecast.get("totals"))
    table = totals_table(baseline, totals) if changes and baseline and totals else None
    return KnownChanges(lines=lines, totals=table)


def change_line(change: Mapping[str, Any], span: str) -> str:
    """`Project Bridge: +2,725 tokens on average over the 365-day horizon (80 % of futures between
    0 and 5,450)`; the kind is named unless the label already says it."""
    label = fmt.text(change.get("label") or change.get("change_id"))
    kind = KINDS.get(str(change.get("kind")), fmt.text(change.get("kind")))
    if change.get("kind") is not None and kind.lower() not in label.lower():
        label = f"{label} ({kind})"
    line = f"{label}: {fmt.signed_tokens(change.get('mean_total_delta_tokens'))} tokens on average"
    line += f" {span}"
    low, high = change.get("p10"), change.get("p90")
    if not fmt.is_missing(low) and not fmt.is_missing(high):
        line += f" (80{fmt.NBSP}% of futures between {fmt.tokens(low)} and {fmt.tokens(high)})"
    return line


def totals_table(baseline: Sequence[Any], adjusted: Sequence[Any]) -> Table:
    """One row per horizon of the adjusted totals, its baseline matched by the number of days."""
    before = {mapping(total).get("days"): mapping(total) for total in baseline}
    rows = []
    for after in map(mapping, adjusted):
        base = before.get(after.get("days"), {})
        rows.append(
            [
                fmt.tokens(after.get("days")),
                fmt.tokens(base.get("mean")),
                fmt.tokens(after.get("mean")),
                _difference(base.get("mean"), after.get("mean")),
                _range(base),
                _range(after),
            ]
        )
    head = ["Next days", "Mean without changes", "Mean with changes", "Difference",
            "p10 \u2013 p90 without", "p10 \u2013 p90 with"]  # fmt: skip
    return Table(head=head, rows=rows)


def _difference(before: Any, after: Any) -> str:
    low, high = fmt.to_decimal(before), fmt.to_decimal(after)
    return fmt.MISSING if low is None or high is None else fmt.signed_tokens(high - low)


def _range(total: Mapping[str, Any]) -> str:
    return f"{fmt.tokens(total.get('p10'))} \u2013 {fmt.tokens(total.get('p90'))}"
