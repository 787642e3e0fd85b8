"""The one plain paragraph that says why this quantity, built only from the decision's numbers.

Every sentence states a figure from the facts or an exact identity between them (expected cost =
price + expected top-ups); a sentence whose figures are missing is left out rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from app.documents.formatting import days, money, probability, to_decimal, tokens

OBJECTIVES = {
    "expected_cost": "the lowest expected cost (price plus expected {run_out})",
    "cvar": "the lowest mean cost over the worst simulated futures (CVaR)",
    "service_level": (
        "the lowest expected cost among those that keep the probability of running out within "
        "the service level"
    ),
}


def tier_reached(quantity: Any, tiers: Sequence[Mapping[str, Any]]) -> tuple[int, int] | None:
    """(0-based index, count) of the highest tier whose `min_tokens` the quantity reaches."""
    amount = _number(quantity)
    if amount is None:
        return None
    reached = None
    for index, tier in enumerate(tiers):
        floor = _number(tier.get("min_tokens"))
        if floor is not None and amount >= floor:
            reached = index
    return None if reached is None else (reached, len(tiers))


def run_out_costs(price_book: Mapping[str, Any]) -> str:
    """What a run-out costs under the price book's terms, in words."""
    lead, per_day = price_book.get("top_up_lead_days"), price_book.get("blocked_day_cost")
    blocked = _positive(lead) is not None and _positive(per_day) is not None
    return "emergency top-ups and blocked days" if blocked else "emergency top-ups"


def why_paragraph(
    decision: Mapping[str, Any], price_book: Mapping[str, Any], *, n_paths: Any, currency: str
) -> str:
    sentences = [
        _purchase(decision, price_book, currency),
        _demand(decision, price_book),
        _waste_and_runout(decision, price_book, n_paths, currency),
        _total_spend(decision, currency),
        _comparison(decision, currency),
    ]
    return " ".join(sentence for sentence in sentences if sentence)


def _purchase(decision: Mapping[str, Any], price_book: Mapping[str, Any], currency: str) -> str:
    quantity = decision.get("quantity")
    if _number(quantity) is None:
        return ""
    unit, total = money(decision.get("unit_price"), currency), money(decision.get("total_price"))
    tiers = price_book.get("tiers") or []
    reached = tier_reached(quantity, tiers)
    tier = ""
    if reached is not None and reached[0] > 0:
        floor = tokens(tiers[reached[0]].get("min_tokens"))
        tier = f" reaches the {unit} tier (from {floor} tokens) and"
    objective = OBJECTIVES.get(str(decision.get("objective")), "")
    objective = objective.format(run_out=run_out_costs(price_book))
    chosen_for = f" It is the option with {objective}." if objective else ""
    return (
        f"Buying {tokens(quantity)} tokens{tier} costs {total} {currency} up front "
        f"({unit} per token).{chosen_for}"
    )


def _demand(decision: Mapping[str, Any], price_book: Mapping[str, Any]) -> str:
    residual = decision.get("residual_demand")
    days = price_book.get("validity_days")
    life = f"its {tokens(days)} days" if _number(days) is not None else "its life"
    if isinstance(residual, Mapping) and _has_quantiles(residual):
        return (
            f"Over {life}, the demand left for this pack once the existing packs are used up has "
            f"a median of {tokens(residual['p50'])} tokens (80 % of the simulated futures "
            f"between {tokens(residual['p10'])} and {tokens(residual['p90'])})."
        )
    consumption = decision.get("expected_consumption")
    if isinstance(consumption, Mapping) and _has_quantiles(consumption):
        return (
            f"Over {life}, this pack serves a median of {tokens(consumption['p50'])} tokens "
            f"(80 % of the simulated futures between {tokens(consumption['p10'])} and "
            f"{tokens(consumption['p90'])})."
        )
    return ""


def _waste_and_runout(
    decision: Mapping[str, Any], price_book: Mapping[str, Any], n_paths: Any, currency: str
) -> str:
    waste = decision.get("expected_waste_tokens")
    shortfall = _number(decision.get("shortfall_probability"))
    parts = []
    if _number(waste) is not None:
        value = money(decision.get("expected_waste_value"), currency)
        parts.append(f"On average {tokens(waste)} tokens ({value}) are expected to expire unused")
    futures = f"the {tokens(n_paths)} simulated futures" if _number(n_paths) else "the futures"
    if shortfall == 0.0:
        parts.append(f"the pack runs out before it expires in none of {futures}")
    elif shortfall is not None:
        runout = decision.get("runout_date")
        median = runout.get("p50") if isinstance(runout, Mapping) else None
        when = f" (median run-out date {median})" if median else ""
        top_up = money(price_book.get("top_up_price"), currency)
        lead = _positive(price_book.get("top_up_lead_days"))
        arrive = f", which arrive {tokens(lead)} {_days_word(lead)} after a run-out" if lead else ""
        parts.append(
            f"in {probability(shortfall)} of {futures} the pack runs out before it expires{when} "
            f"and the gap is bought as emergency top-ups at {top_up} per token{arrive}"
        )
    if not parts:
        return ""
    sentence = "; ".join(parts)
    return sentence[0].upper() + sentence[1:] + "."


def _total_spend(decision: Mapping[str, Any], currency: str) -> str:
    """Budget line: the up-front price is not the year's spend when top-ups are expected."""
    costs = _costs(decision)
    if costs is None or costs[2] <= 0:
        return ""
    blocked = _positive(decision.get("expected_blocked_cost"))
    if blocked is not None:
        return _spend_with_blocked_days(decision, costs, blocked, currency)
    expected, price, top_ups = costs
    return (
        f"Budget for {money(expected, currency)} in all over the pack's life: "
        f"{money(price, currency)} now and an expected {money(top_ups, currency)} of "
        f"emergency top-ups ({probability(float(top_ups / expected))} of the expected spend)."
    )


def _spend_with_blocked_days(
    decision: Mapping[str, Any],
    costs: tuple[Decimal, Decimal, Decimal],
    blocked: Decimal,
    currency: str,
) -> str:
    """Blocked work is a cost but not a payment: the budget is the cash, and the expected cost is
    the cash plus the blocked days' cost. The top-ups are the remainder, so both sums are exact."""
    expected, price, run_out = costs
    cash, top_ups = expected - blocked, run_out - blocked
    number = decision.get("expected_blocked_days")
    on_average = "" if _number(number) is None else f" (on average {days(number)} days)"
    budget = (
        f"Budget for {money(cash, currency)} in cash over the pack's life, all of it now: no "
        "emergency top-ups are expected."
        if top_ups == 0
        else f"Budget for {money(cash, currency)} in cash over the pack's life: "
        f"{money(price, currency)} now and an expected {money(top_ups, currency)} of emergency "
        "top-ups."
    )
    return (
        f"{budget} The expected cost of {money(expected, currency)} also counts "
        f"{money(blocked, currency)} for the days of work expected to be blocked while a top-up is "
        f"on its way{on_average}."
    )


def _comparison(decision: Mapping[str, Any], currency: str) -> str:
    chosen = _costs(decision)
    rivals = [
        (costs, option)
        for option in decision.get("alternatives") or []
        if isinstance(option, Mapping)
        and option.get("quantity") != decision.get("quantity")
        and (costs := _costs(option)) is not None
    ]
    if chosen is None or not rivals:
        return ""
    rival_costs, rival = min(rivals, key=lambda pair: pair[0][0])
    name = str(rival.get("label") or "the next option")
    difference = rival_costs[0] - chosen[0]
    price_gap, top_up_gap = chosen[1] - rival_costs[1], chosen[2] - rival_costs[2]
    head = (
        f"The cheapest other option, {name} ({tokens(rival.get('quantity'))} tokens at "
        f"{money(rival.get('unit_price'), currency)}), is expected to cost "
        f"{money(rival_costs[0], currency)}"
    )
    if difference < 0:
        return f"{head}, {money(-difference, currency)} less, but does not meet the objective."
    blocked = any(_positive(o.get("expected_blocked_cost")) for o in (decision, rival))
    what = "emergency top-ups and blocked days" if blocked else "emergency top-ups"
    return (
        f"{head}, {money(difference, currency)} more: this purchase costs "
        f"{_more_or_less(price_gap, currency)} up front and "
        f"{_more_or_less(top_up_gap, currency)} in expected run-out costs ({what})."
    )


def _costs(option: Mapping[str, Any]) -> tuple[Decimal, Decimal, Decimal] | None:
    """(expected cost, price, expected run-out cost); the last is the difference, so the sentence's
    parts always add up to its total."""
    expected, price = to_decimal(option.get("expected_cost")), to_decimal(option.get("total_price"))
    if expected is None or price is None:
        return None
    return expected, price, expected - price


def _more_or_less(amount: Decimal, currency: str) -> str:
    if amount == 0:
        return "the same"
    return f"{money(abs(amount), currency)} {'more' if amount > 0 else 'less'}"


def _positive(value: Any) -> Decimal | None:
    amount = None if isinstance(value, bool) else to_decimal(value)
    return amount if amount is not None and amount > 0 else None


def _days_word(count: Decimal) -> str:
    return "day" if count == 1 else "days"


def _has_quantiles(mapping: Mapping[str, Any]) -> bool:
    return all(_number(mapping.get(key)) is not None for key in ("p10", "p50", "p90"))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    amount = to_decimal(value)
    return None if amount is None else float(amount)
