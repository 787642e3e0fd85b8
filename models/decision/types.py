"""Boundary types of the purchase decision: price books, packs, options and the decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


class TierKind(StrEnum):
    ALL_UNITS = "all_units"  # the whole purchase is priced at the tier its quantity reaches
    INCREMENTAL = "incremental"  # each block of tokens is priced at its own tier


class Objective(StrEnum):
    EXPECTED_COST = "expected_cost"
    CVAR = "cvar"  # mean cost over the worst (1 - alpha) share of paths
    SERVICE_LEVEL = "service_level"  # expected cost subject to P(shortfall > 0) <= 1 - level


@dataclass(frozen=True)
class Tier:
    """From `min_tokens` tokens upwards, `unit_price` per token (money, exact)."""

    min_tokens: int
    unit_price: Decimal


@dataclass(frozen=True)
class PriceBook:
    """A vendor's terms. Quantities are whole tokens; prices are exact Decimals in `currency`.

    `tiers` must start at or below `minimum_purchase` and be strictly increasing in `min_tokens`.
    `top_up_price` is what one token bought in an emergency costs; emergency tokens are charged as
    they are used (what is left of an emergency purchase outlives the pack and carries over).

    Running out: an emergency purchase is usable `top_up_lead_days` after the day the balance runs
    out; the demand of the days in between is blocked work (lost: neither served nor bought) and
    every day with some blocked demand costs `blocked_day_cost`. Each emergency purchase is
    `top_up_block_tokens` tokens, or, when that is 0, enough for the rest of the pack's life at the
    burn rate of the 28 days up to the run-out plus 20 % (see `models.decision.runout`); when it is
    used up the next run-out waits for a new lead time. With a lead time of 0 none of this matters:
    a run-out costs exactly the missing tokens at the top-up price.
    """

    currency: str
    minimum_purchase: int
    pack_increment: int
    validity_days: int
    tier_kind: TierKind
    tiers: tuple[Tier, ...]
    top_up_price: Decimal
    top_up_lead_days: int = 0
    blocked_day_cost: Decimal = Decimal(0)
    top_up_block_tokens: int = 0


@dataclass(frozen=True)
class Pack:
    """A pack the organization holds at the decision date: what is left of it and when it expires.

    `expires_on` is the first day the pack can no longer be used.
    """

    purchased_on: date
    tokens: int
    remaining_tokens: float
    expires_on: date


@dataclass(frozen=True)
class Quantiles:
    p10: float
    p50: float
    p90: float


@dataclass(frozen=True)
class DateQuantiles:
    """Run-out dates; a quantile is None where that share of paths never runs out."""

    p10: date | None
    p50: date | None
    p90: date | None


@dataclass(frozen=True)
class OptionEvaluation:
    """One purchase quantity priced over every path.

    Money fields are Decimal in the price book's currency (expected values rounded to cents);
    token fields are floats (statistics over paths). `expected_cost` is the price plus the
    expected top-up cost plus the expected blocked-day cost; the last two are 0 without a lead
    time. `expected_shortfall_tokens` is the demand the pack cannot serve, bought or blocked.
    """

    label: str
    quantity: int
    tier_index: int
    unit_price: Decimal
    total_price: Decimal
    expected_cost: Decimal
    expected_top_up_cost: Decimal
    expected_consumption: Quantiles
    expected_waste_tokens: float
    expected_waste_value: Decimal
    prob_waste_over_10pct: float
    shortfall_probability: float
    expected_shortfall_tokens: float
    runout_date: DateQuantiles | None
    cost_per_token_consumed: Decimal | None
    expected_blocked_days: float = 0.0
    expected_blocked_cost: Decimal = Decimal(0)


@dataclass(frozen=True)
class TimingOption:
    """One way of timing the purchases, priced over the same paths as the decision.

    `expected_cost` and `cvar_cost` (the mean cost over the worst 1 - `cvar_alpha` of paths) are
    money in the price book's currency, rounded to cents; they include purchases, emergency
    top-ups and blocked days, less the value of tokens of a later purchase that are still valid
    when the year ends and that the path's own burn rate would use before they expire.
    `first_purchase_tokens` is what is bought on the purchase date. `expected_waste_tokens` are
    tokens forfeited (the first purchase at its expiry, and what a later purchase cannot carry
    over). `runout_probability` is P(some demand needs an emergency top-up or is blocked).
    """

    label: str
    description: str
    first_purchase_tokens: int
    expected_cost: Decimal
    cvar_cost: Decimal
    cvar_alpha: float
    expected_waste_tokens: float
    runout_probability: float
    expected_blocked_days: float


@dataclass(frozen=True)
class CostCurve:
    """Expected cost (floats, currency units) of every candidate quantity, for the chart."""

    quantities: npt.NDArray[np.int64]
    expected_cost: FloatArray
    tier_breaks: tuple[int, ...]


@dataclass(frozen=True)
class Decision:
    """The chosen option, the alternatives, the curve, and what the existing packs leave.

    `residual_demand` are the quantiles of the tokens the new pack must serve over its life.
    `existing_packs_expected_waste_tokens` is sunk, but reported.
    `objective_level` is the CVaR alpha or the service level (None for expected cost).
    `gap_*` describe a run-out of the existing packs between the forecast's first day and the
    purchase date (tokens; probability over paths).
    `timing` compares buying the chosen quantity now with a smaller pack topped up at a trigger
    and with two purchases half a year apart (empty when not asked for);
    `cheapest_timing_label` names the cheapest of them in expectation and
    `cheapest_timing_at_risk_label` the cheapest in CVaR at their `cvar_alpha`.
    """

    purchase_date: date
    pack_expires_on: date
    objective: Objective
    chosen: OptionEvaluation
    alternatives: tuple[OptionEvaluation, ...]
    curve: CostCurve
    residual_demand: Quantiles
    existing_packs_expected_waste_tokens: float
    last_year_consumption_tokens: float | None
    n_paths: int
    objective_level: float | None = None
    expected_gap_shortfall_tokens: float = 0.0
    gap_shortfall_probability: float = 0.0
    timing: tuple[TimingOption, ...] = ()
    cheapest_timing_label: str | None = None
    cheapest_timing_at_risk_label: str | None = None
