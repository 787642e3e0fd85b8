"""Turn the core's Decision into the JSON-ready reply (money as decimal strings)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from app.money import money_text
from models.decision.types import (
    DateQuantiles,
    Decision,
    OptionEvaluation,
    PriceBook,
    Quantiles,
    TimingOption,
)


def money(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(Decimal("0.01")), "f")


def fnum(value: float, digits: int = 2) -> float:
    v = float(value)
    return round(v, digits) if math.isfinite(v) else 0.0


def quantiles(q: Quantiles) -> dict[str, float]:
    return {"p10": fnum(q.p10), "p50": fnum(q.p50), "p90": fnum(q.p90)}


def date_quantiles(q: DateQuantiles | None) -> dict[str, str | None] | None:
    if q is None:
        return None
    return {
        k: (v.isoformat() if v else None)
        for k, v in (("p10", q.p10), ("p50", q.p50), ("p90", q.p90))
    }


def option(opt: OptionEvaluation, pb: PriceBook) -> dict[str, Any]:
    tier = pb.tiers[opt.tier_index]
    return {
        "label": opt.label,
        "quantity": opt.quantity,
        "tier": {
            "index": opt.tier_index,
            "min_tokens": tier.min_tokens,
            "unit_price": money_text(tier.unit_price),
        },
        "unit_price": money_text(opt.unit_price),
        "total_price": money(opt.total_price),
        "currency": pb.currency,
        "expected_cost": money(opt.expected_cost),
        "expected_top_up_cost": money(opt.expected_top_up_cost),
        "expected_consumption": quantiles(opt.expected_consumption),
        "expected_waste_tokens": fnum(opt.expected_waste_tokens),
        "expected_waste_value": money(opt.expected_waste_value),
        "prob_waste_over_10pct": fnum(opt.prob_waste_over_10pct, 4),
        "shortfall_probability": fnum(opt.shortfall_probability, 4),
        "expected_shortfall_tokens": fnum(opt.expected_shortfall_tokens),
        "runout_date": date_quantiles(opt.runout_date),
        "cost_per_token_consumed": money(opt.cost_per_token_consumed),
        "expected_blocked_days": fnum(opt.expected_blocked_days),
        "expected_blocked_cost": money(opt.expected_blocked_cost),
    }


def timing(t: TimingOption) -> dict[str, Any]:
    return {
        "label": t.label,
        "description": t.description,
        "first_purchase_tokens": t.first_purchase_tokens,
        "expected_cost": money(t.expected_cost),
        "cvar_cost": money(t.cvar_cost),
        "cvar_level": fnum(t.cvar_alpha, 4),
        "expected_waste_tokens": fnum(t.expected_waste_tokens),
        "runout_probability": fnum(t.runout_probability, 4),
        "expected_blocked_days": fnum(t.expected_blocked_days),
    }


def decision_body(decision: Decision, pb: PriceBook) -> dict[str, Any]:
    """The decision part of a recommendation reply: the chosen option's fields at the top level."""
    body = option(decision.chosen, pb)
    body.update(
        {
            "purchase_date": decision.purchase_date.isoformat(),
            "pack_expires_on": decision.pack_expires_on.isoformat(),
            "objective": decision.objective.value,
            "objective_level": decision.objective_level,
            "n_paths": decision.n_paths,
            "residual_demand": quantiles(decision.residual_demand),
            "existing_packs_expected_waste_tokens": fnum(
                decision.existing_packs_expected_waste_tokens
            ),
            "last_year_consumption_tokens": None
            if decision.last_year_consumption_tokens is None
            else fnum(decision.last_year_consumption_tokens),
            "alternatives": [option(a, pb) for a in decision.alternatives],
            "timing": [timing(t) for t in decision.timing],
            "cheapest_timing": decision.cheapest_timing_label,
            "cheapest_timing_at_risk": decision.cheapest_timing_at_risk_label,
        }
    )
    return body


def price_book_facts(pb: PriceBook) -> dict[str, Any]:
    return {
        "currency": pb.currency,
        "minimum_purchase": pb.minimum_purchase,
        "pack_increment": pb.pack_increment,
        "validity_days": pb.validity_days,
        "tier_kind": pb.tier_kind.value,
        "tiers": [
            {"min_tokens": t.min_tokens, "unit_price": money_text(t.unit_price)} for t in pb.tiers
        ],
        "top_up_price": money_text(pb.top_up_price),
        "top_up_lead_days": pb.top_up_lead_days,
        "blocked_day_cost": money_text(pb.blocked_day_cost),
        "top_up_block_tokens": pb.top_up_block_tokens,
    }
