"""The report's facts turned into what the template lays out: labelled, formatted strings.

Formatting lives here, in typed Python, so the template only arranges text. Facts may be missing or
carry fields this module does not know: missing ones read as a dash, unknown ones are still shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.documents import formatting as fmt
from app.documents.narrative import tier_reached

# The options table's rows: (field, label, kind). Fields an option carries beyond these are
# appended with a generic format, so the table always shows every field.
OPTION_ROWS: tuple[tuple[str, str, str], ...] = (
    ("quantity", "Quantity (tokens)", "tokens"),
    ("tier", "Tier", "tier"),
    ("unit_price", "Unit price", "money"),
    ("total_price", "Total price", "money"),
    ("expected_top_up_cost", "Expected top-up cost", "money"),
    ("expected_blocked_days", "Expected blocked days", "days"),
    ("expected_blocked_cost", "Expected blocked-day cost", "money"),
    ("expected_cost", "Expected cost", "money"),
    ("expected_consumption", "Tokens used from the pack (p10 / p50 / p90)", "quantiles"),
    ("expected_waste_tokens", "Expected waste (tokens)", "tokens"),
    ("expected_waste_value", "Expected waste (value)", "money"),
    ("prob_waste_over_10pct", "P(waste > 10 %)", "probability"),
    ("shortfall_probability", "P(run-out)", "probability"),
    ("expected_shortfall_tokens", "Expected shortfall (tokens)", "tokens"),
    ("runout_date", "Run-out date (p10 / p50 / p90)", "dates"),
    ("cost_per_token_consumed", "Cost per token used", "money"),
)
# Shown only when some option has work blocked: with no top-up lead time they are all zero.
BLOCKED_ROWS = frozenset({"expected_blocked_days", "expected_blocked_cost"})
_NOT_ROWS = frozenset({"label", "currency"})
QUANTILE_KEYS = ("p10", "p50", "p90")


@dataclass(frozen=True)
class Table:
    head: list[str]
    rows: list[list[str]]
    highlight: list[bool] = field(default_factory=list)  # per column (options) or row (others)


def mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list | tuple) else []


def tier_text(option: Mapping[str, Any], tiers: Sequence[Any]) -> str:
    """`2 of 4, from 5,000 tokens`, from the price book; the raw value if it has no tiers."""
    reached = tier_reached(option.get("quantity"), [mapping(t) for t in tiers])
    if reached is None:
        return fmt.text(option.get("tier"))
    floor = fmt.tokens(mapping(tiers[reached[0]]).get("min_tokens"))
    return f"{reached[0] + 1} of {reached[1]}, from {floor} tokens"


def quantiles_text(value: Any) -> str:
    """Token quantiles as `p10 / p50 / p90`."""
    if not isinstance(value, Mapping):
        return fmt.text(value)
    return " / ".join(fmt.tokens(value.get(key)) for key in QUANTILE_KEYS)


def runout_text(value: Any) -> str:
    """Run-out date quantiles; a None quantile means that share of futures never runs out."""
    if not isinstance(value, Mapping):
        return "no run-out" if value is None else fmt.text(value)
    return " / ".join(
        "no run-out" if value.get(key) is None else fmt.day(value.get(key)) for key in QUANTILE_KEYS
    )


def cover_text(value: Any) -> str:
    """Days from the purchase the balance lasts: `341 days (p10 290, p50 365, p90 365)`."""
    if not isinstance(value, Mapping):
        return fmt.text(value)
    spread = ", ".join(f"{key} {fmt.tokens(value.get(key))}" for key in QUANTILE_KEYS)
    life = value.get("life_days")
    of_life = f" of the pack's {fmt.tokens(life)}" if life is not None else ""
    return f"{fmt.days(value.get('mean'))} days{of_life} ({spread})"


def generic(value: Any) -> str:
    """A fact of a kind this module does not know, shown plainly."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return fmt.tokens(value)
    if isinstance(value, float):
        return fmt.score(value)
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {generic(item)}" for key, item in value.items()) or fmt.MISSING
    if isinstance(value, list | tuple):
        return ", ".join(generic(item) for item in value) or fmt.MISSING
    return fmt.text(value)


def option_cell(option: Mapping[str, Any], key: str, kind: str, ctx: dict[str, Any]) -> str:
    value = option.get(key)
    if kind == "money":
        return fmt.money(value, ctx["currency"])
    if kind == "tokens":
        return fmt.tokens(value)
    if kind == "probability":
        return fmt.probability(value)
    if kind == "days":
        return fmt.days(value)
    if kind == "quantiles":
        return quantiles_text(value)
    if kind == "dates":
        return runout_text(value)
    if kind == "tier":
        return tier_text(option, ctx["tiers"])
    return generic(value)


def options_table(decision: Mapping[str, Any], tiers: Sequence[Any], currency: str) -> Table:
    """Options as columns, fields as rows (narrow enough to print); the chosen column marked."""
    options = [mapping(o) for o in sequence(decision.get("alternatives"))]
    # Fields beyond the known rows are taken from the alternatives only: the decision itself also
    # carries decision-wide facts (dates, residual demand) that are not per-option.
    extra = sorted({key for o in options for key in o} - {k for k, _, _ in OPTION_ROWS} - _NOT_ROWS)
    quantity = decision.get("quantity")
    if not any(o.get("quantity") == quantity for o in options):
        options.insert(0, {**decision, "label": decision.get("label") or "recommended"})
    chosen = [o.get("quantity") == quantity for o in options]
    blocked = any_blocked(options)
    shown = [row for row in OPTION_ROWS if blocked or row[0] not in BLOCKED_ROWS]
    rows_spec = [*shown, *((key, key.replace("_", " "), "generic") for key in extra)]
    ctx = {"currency": currency, "tiers": tiers}
    rows = [
        [label, *(option_cell(option, key, kind, ctx) for option in options)]
        for key, label, kind in rows_spec
    ]
    head = ["", *(fmt.text(o.get("label")) for o in options)]
    return Table(head=head, rows=rows, highlight=[False, *chosen])


def _is_positive(value: Any) -> bool:
    amount = fmt.to_decimal(value)
    return amount is not None and amount > 0


def any_blocked(options: Sequence[Mapping[str, Any]]) -> bool:
    """Whether some option expects blocked work (days or their cost above zero)."""
    return any(_is_positive(option.get(key)) for option in options for key in BLOCKED_ROWS)


def decision_items(
    decision: Mapping[str, Any], tiers: Sequence[Any], currency: str
) -> list[tuple[str, str]]:
    consumption = quantiles_text(decision.get("expected_consumption"))
    runout = decision.get("runout_date", fmt.MISSING)
    if runout is None:
        runout = "the pack does not run out in the simulated futures"
    return [
        ("Quantity", f"{fmt.tokens(decision.get('quantity'))} tokens"),
        ("Tier", tier_text(decision, tiers)),
        ("Unit price", fmt.money(decision.get("unit_price"), currency)),
        ("Total price", fmt.money(decision.get("total_price"), currency)),
        (_expected_cost_label(decision), fmt.money(decision.get("expected_cost"), currency)),
        ("Purchase date / pack expires", _pair(decision, "purchase_date", "pack_expires_on")),
        ("Tokens used from the pack (p10 / p50 / p90)", consumption),
        ("Expected waste", _waste(decision, currency)),
        ("Expected days of cover", cover_text(decision.get("days_of_cover"))),
        (
            "Run-out risk: probability of running out",
            fmt.probability(decision.get("shortfall_probability")),
        ),
        ("Run-out date (p10 / p50 / p90)", runout_text(runout)),
        ("Cost per token used", fmt.money(decision.get("cost_per_token_consumed"), currency)),
    ]


def _expected_cost_label(decision: Mapping[str, Any]) -> str:
    if any_blocked([decision]):
        return "Expected cost, top-ups and blocked days included"
    return "Expected cost, top-ups included"


def _pair(facts: Mapping[str, Any], first: str, second: str) -> str:
    return f"{fmt.day(facts.get(first))} / {fmt.day(facts.get(second))}"


def _waste(decision: Mapping[str, Any], currency: str) -> str:
    value = fmt.money(decision.get("expected_waste_value"), currency)
    return f"{fmt.tokens(decision.get('expected_waste_tokens'))} tokens ({value})"
