"""The timing comparison: ways of timing the purchases, priced over the same simulated futures.

The decision facts carry a list of strategies (a single purchase now, a top-up at a trigger, two
purchases), each with its expected cost and its CVaR cost, and the labels of the cheapest by each
measure. An empty list means no comparison was made, and the document then says nothing about it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.documents import formatting as fmt
from app.documents.view import Table, mapping, sequence


@dataclass(frozen=True)
class Timing:
    table: Table
    descriptions: list[tuple[str, str]]
    verdict: str


def timing_section(decision: Mapping[str, Any], currency: str) -> Timing | None:
    """Strategies as columns (three fit an A4 page), measures as rows; None when there are none."""
    options = [mapping(option) for option in sequence(decision.get("timing"))]
    if not options:
        return None
    level = common_level(options)

    def money(key: str) -> list[str]:
        return [fmt.money(option.get(key), currency) for option in options]

    def at_level(option: Mapping[str, Any]) -> str:
        cost = fmt.money(option.get("cvar_cost"), currency)
        return cost if level is not None else f"{cost} at {fmt.level(option.get('cvar_level'))}"

    rows = [
        ["First purchase (tokens)", *(fmt.tokens(o.get("first_purchase_tokens")) for o in options)],
        ["Expected cost", *money("expected_cost")],
        [_cvar_label(level), *(at_level(option) for option in options)],
        ["Expected waste (tokens)", *(fmt.tokens(o.get("expected_waste_tokens")) for o in options)],
        ["P(run-out)", *(fmt.probability(o.get("runout_probability")) for o in options)],
        ["Expected blocked days", *(fmt.days(o.get("expected_blocked_days")) for o in options)],
    ]
    head = ["", *(fmt.text(option.get("label")) for option in options)]
    descriptions = [(fmt.text(o.get("label")), fmt.text(o.get("description"))) for o in options]
    verdict = timing_verdict(
        options,
        cheapest=decision.get("cheapest_timing"),
        at_risk=decision.get("cheapest_timing_at_risk"),
        currency=currency,
    )
    note = _headline_note(options, decision.get("cheapest_timing"))
    verdict = f"{verdict} {note}".strip() if verdict else verdict
    return Timing(Table(head=head, rows=rows), descriptions, verdict)


SINGLE = "single purchase"


def _headline_note(options: Sequence[Mapping[str, Any]], cheapest: Any) -> str:
    """Say how the headline (a single purchase now) relates to a cheaper timing, if there is one."""
    if not cheapest or cheapest == SINGLE:
        return ""
    chosen = next((o for o in options if o.get("label") == cheapest), None)
    if chosen is None:
        return ""
    first = fmt.tokens(chosen.get("first_purchase_tokens"))
    return (
        f"The decision above is the best single purchase; to follow {_quoted(cheapest)} "
        f"instead, buy {first} tokens now and plan the later purchase its description gives."
    )


def common_level(options: Sequence[Mapping[str, Any]]) -> float | None:
    """The CVaR level all the strategies share (they are priced together), or None."""
    levels = {option.get("cvar_level") for option in options}
    if len(levels) != 1:
        return None
    level = levels.pop()
    return float(level) if isinstance(level, int | float) and 0.0 < level < 1.0 else None


def timing_verdict(
    options: Sequence[Mapping[str, Any]], *, cheapest: Any, at_risk: Any, currency: str
) -> str:
    """Which strategy is cheapest in expectation and which at the CVaR level, with the costs."""
    by_label = {option.get("label"): option for option in options}
    level = common_level(options)
    risk = f"at the {fmt.level(level)} CVaR" if level is not None else "at the CVaR level"

    def cost(label: Any, key: str) -> str:
        option = by_label.get(label)
        return f" ({fmt.money(option.get(key), currency)})" if option is not None else ""

    if cheapest and cheapest == at_risk:
        return (
            f"{_quoted(cheapest)} is the cheapest timing both in expectation"
            f"{cost(cheapest, 'expected_cost')} and {risk}{cost(at_risk, 'cvar_cost')}."
        )
    parts = []
    if cheapest:
        parts.append(
            f"in expectation the cheapest timing is {_quoted(cheapest)}"
            f"{cost(cheapest, 'expected_cost')}"
        )
    if at_risk:
        subject = "it" if cheapest else "the cheapest timing"
        parts.append(f"{risk} {subject} is {_quoted(at_risk)}{cost(at_risk, 'cvar_cost')}")
    if not parts:
        return ""
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def _quoted(label: Any) -> str:
    return f"\u201c{fmt.text(label)}\u201d"


def _cvar_label(level: float | None) -> str:
    if level is None:
        return "Mean cost of the worst futures (CVaR)"
    return f"Mean cost of the worst {fmt.level(1.0 - level)} of futures ({fmt.level(level)} CVaR)"
