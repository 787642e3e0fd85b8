"""The usage insights part of the document, and the purchase with and without the moves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.documents import formatting as fmt
from app.documents.view import Table, mapping, sequence

SEGMENTS = ("power", "regular", "occasional", "inactive")


def insights_section(facts: Mapping[str, Any], currency: str) -> dict[str, Any] | None:
    """The section's view data; None when the document has no insights facts (a plan's)."""
    if "insights" not in facts:
        return None
    ins = mapping(facts.get("insights"))
    hybrid = _hybrid(facts.get("hybrid"), currency)
    if not ins.get("available"):
        reason = fmt.text(ins.get("reason"))
        return {"available": False, "reason": f"Not available: {reason}", "hybrid": hybrid}
    summary = mapping(ins.get("summary"))
    price = mapping(ins.get("token_price"))
    money_in = str(price.get("currency") or currency)
    window = mapping(ins.get("window"))
    return {
        "available": True,
        "lead": (
            f"From the user-level usage of {fmt.day(window.get('first_day'))} to "
            f"{fmt.day(window.get('last_day'))} ({fmt.tokens(window.get('days'))} days), "
            f"{fmt.tokens(summary.get('users'))} users."
        ),
        "segments": _segments(summary),
        "candidates": _candidates(mapping(ins.get("findings")), money_in),
        "candidates_line": _candidates_line(summary, money_in),
        "indicators": _indicators(summary, mapping(ins.get("thresholds")), money_in),
        "notes": [fmt.text(n) for n in sequence(ins.get("notes"))],
        "hybrid": hybrid,
    }


def _segments(summary: Mapping[str, Any]) -> Table:
    counts = mapping(summary.get("segments"))
    return Table(
        head=[s.capitalize() for s in SEGMENTS] + ["All users"],
        rows=[[fmt.tokens(counts.get(s)) for s in SEGMENTS] + [fmt.tokens(summary.get("users"))]],
    )


def _candidates(findings: Mapping[str, Any], currency: str) -> Table:
    rows = [
        [
            fmt.text(c.get("user")),
            fmt.text(c.get("product")),
            fmt.money(c.get("annual_flex_cost"), currency),
            fmt.money(c.get("named_user_price"), currency),
            fmt.money(c.get("annual_saving"), currency),
            fmt.days(c.get("break_even_days_per_year")),
        ]
        for c in map(mapping, sequence(mapping(findings.get("migration_candidate")).get("top")))
    ]
    head = ["User", "Product", "Flex cost a year", "Named-user price", "Saving a year",
            "Break-even days a year"]  # fmt: skip
    return Table(head=head, rows=rows)


def _candidates_line(summary: Mapping[str, Any], currency: str) -> str:
    n = summary.get("migration_candidates") or 0
    if not n:
        return "No user and product costs less on a named-user subscription than on Flex."
    return (
        f"{fmt.tokens(n)} user and product pairs ({fmt.tokens(summary.get('migration_users'))} "
        f"users) cost less on a named-user subscription: "
        f"{fmt.money(summary.get('annual_flex_cost_of_candidates'), currency)} a year on Flex "
        f"against {fmt.money(summary.get('annual_named_user_cost'), currency)} named user, a "
        f"saving of {fmt.money(summary.get('annual_saving_if_moved'), currency)} a year."
    )


def _indicators(
    summary: Mapping[str, Any], thresholds: Mapping[str, Any], currency: str
) -> list[tuple[str, str]]:
    off = mapping(summary.get("off_hours"))
    return [
        ("Inactive users", f"{fmt.tokens(summary.get('inactive_users'))} users with no use in "
         f"the last {fmt.tokens(thresholds.get('inactive_after_days'))} days."),
        ("Dormant burn", f"{fmt.tokens(summary.get('dormant_users'))} users burn tokens long "
         f"after their last real use: {fmt.tokens(summary.get('dormant_tokens'))} tokens, "
         f"worth {fmt.money(summary.get('dormant_value'), currency)}."),
        ("Off-hours burn", f"{fmt.tokens(off.get('off_hours_tokens'))} tokens "
         f"({fmt.probability(off.get('share'))} of all) on weekends and public holidays, worth "
         f"{fmt.money(off.get('value'), currency)}."),
        ("Short launches", f"{fmt.tokens(summary.get('short_launches'))} launches of 0 tokens "
         f"by {fmt.tokens(summary.get('users_with_short_launches'))} users."),
        ("Product selection", f"{fmt.tokens(summary.get('product_selection_users'))} users "
         "burn a dearer product where a cheaper one they also use would do: "
         f"{fmt.tokens(summary.get('product_selection_excess_tokens'))} excess tokens, worth "
         f"{fmt.money(summary.get('product_selection_value'), currency)}."),
    ]  # fmt: skip


def _hybrid(value: Any, currency: str) -> dict[str, Any] | None:
    """The purchase with and without the licence-mix changes; None without such a change."""
    if not isinstance(value, Mapping):
        return None
    cur = str(value.get("currency") or currency)
    subs = mapping(value.get("subscriptions"))
    rows = []
    for name, label in (("without", "Without the moves"), ("with", "With the moves")):
        side = mapping(value.get(name))
        sub = subs.get("cost_over_pack_life") if name == "with" else "0"
        total = (
            value.get("with_total_expected_cost") if name == "with" else side.get("expected_cost")
        )
        rows.append([
            label, fmt.tokens(side.get("quantity")), fmt.money(side.get("total_price"), cur),
            fmt.money(side.get("expected_cost"), cur), fmt.money(sub, cur), fmt.money(total, cur),
        ])  # fmt: skip
    head = ["", "Quantity", "Price", "Expected cost", "Subscriptions", "Total"]
    changes = [mapping(c) for c in sequence(value.get("changes"))]
    users = sum(int(c.get("users") or 0) for c in changes)
    lead = (
        f"{len(changes)} licence-mix change(s) move {fmt.tokens(users)} users "
        f"({fmt.tokens(subs.get('pairs'))} user and product pairs) to named-user subscriptions. "
        f"The subscriptions are paid pro rata over the pack's life, "
        f"{fmt.day(value.get('purchase_date'))} to {fmt.day(value.get('pack_expires_on'))}."
    )
    saving = f"Expected saving with the moves: {fmt.money(value.get('expected_saving'), cur)}."
    unpriced = int(subs.get("unpriced_pairs") or 0)
    if unpriced:
        saving += f" {unpriced} pair(s) have no named-user price and are counted at zero."
    return {"lead": lead, "table": Table(head=head, rows=rows), "saving": saving}
