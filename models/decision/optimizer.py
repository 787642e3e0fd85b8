"""The purchase decision: the quantity that minimises the objective, and its main alternatives."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from models.decision.expectations import SortedResidual
from models.decision.objectives import (
    ObjectiveSpec,
    first_minimum,
    fractile_levels,
    lead_objective_values,
    objective_values,
)
from models.decision.options import PathFacts, evaluate_option
from models.decision.packs import ResidualDemand, residual_demand
from models.decision.pricing import (
    candidate_quantities,
    merge_quantities,
    prices_float,
    tier_breaks,
    valid_ceil,
    valid_floor,
    validate_price_book,
)
from models.decision.runout import RunoutTable
from models.decision.timing_options import compare_timing
from models.decision.types import (
    CostCurve,
    Decision,
    Objective,
    OptionEvaluation,
    Pack,
    PriceBook,
    Quantiles,
    TimingOption,
)
from models.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

LAST_YEAR_UPLIFT = Fraction(6, 5)


def decide(
    paths_tokens_per_day: FloatArray,
    first_day: date,
    packs: Sequence[Pack],
    price_book: PriceBook,
    purchase_date: date,
    *,
    last_year_consumption_tokens: float | None,
    objective: Objective = Objective.EXPECTED_COST,
    cvar_alpha: float = 0.95,
    service_level: float = 0.95,
    timing: bool = True,
) -> Decision:
    """Choose how many tokens to buy on `purchase_date`, and price the main alternatives.

    `paths_tokens_per_day` (S, H) are simulated daily demand paths from `first_day` covering the
    new pack's whole life (see `residual_demand`); `packs` are the packs held at `first_day`.
    For a purchase of Q tokens and residual demand R[s] on path s, the cost is
    price(Q) + top_up_price * max(0, R[s] - Q) without a lead time; with one, price(Q) plus the
    emergency top-ups and blocked days that follow the run-out on that path (`RunoutTable`).
    Every valid Q (see `candidate_quantities`) is evaluated exactly: from one sort of R without a
    lead time, from the run-out tables with one. The objective is the expected cost, the CVaR of
    cost at `cvar_alpha`, or the expected cost subject to P(R > Q) <= 1 - `service_level`. Ties
    go to the smaller Q. With `timing`, the choice is compared with a smaller pack topped up at a
    trigger and with two purchases (`compare_timing`; this costs more than the choice itself).
    Method: the single-period newsvendor with all-units or incremental quantity discounts
    (Khouja, "The single-period (news-vendor) problem", Omega 27(5), 1999).
    """
    validate_price_book(price_book)
    spec = ObjectiveSpec(objective, cvar_alpha, service_level)
    _check_last_year(last_year_consumption_tokens)
    residual = residual_demand(
        paths_tokens_per_day, first_day, packs, purchase_date, price_book.validity_days
    )
    r = SortedResidual.of(residual.residual_total)
    runout = None
    if timing or price_book.top_up_lead_days > 0:
        runout = RunoutTable.build(residual.new_pack_daily, price_book)
    choice = choose_quantity(r, price_book, spec, runout)
    labelled = _labelled_quantities(
        price_book, choice.quantity, choice.risk_neutral_quantity, last_year_consumption_tokens
    )
    facts = PathFacts.build(
        r,
        residual.residual_total,
        residual.new_pack_daily,
        purchase_date,
        min(q for _, q in labelled),
        None if runout is None else runout.cumulative,
    )
    chosen, *others = [
        evaluate_option(label, q, price_book, facts, runout) for label, q in labelled
    ]
    compared: tuple[tuple[TimingOption, ...], str | None, str | None] = ((), None, None)
    if timing and runout is not None:
        compared = compare_timing(price_book, runout, spec, chosen, purchase_date)
    return _decision(
        price_book,
        spec,
        residual,
        r,
        (chosen, *others),
        (choice.quantities, choice.expected_cost),
        compared,
        last_year_consumption_tokens,
    )


@dataclass(frozen=True)
class Choice:
    """Every candidate quantity (K,) with its expected cost (currency units, floats), the
    quantity that minimises the objective and the one that minimises the expected cost."""

    quantities: IntArray
    expected_cost: FloatArray
    quantity: int
    risk_neutral_quantity: int


def choose_quantity(
    residual: SortedResidual,
    pb: PriceBook,
    spec: ObjectiveSpec,
    runout: RunoutTable | None = None,
) -> Choice:
    """The optimizer alone: every valid quantity evaluated under `spec`, the best chosen.

    `residual` is R over the S paths; `runout` (its tables) is needed when the price book has a
    lead time and is otherwise unused. Without a lead time this is one sort of R and
    O(K log S) for K candidates; with one, see `lead_objective_values`. With a lead time the cost
    is no longer convex between tier breaks, so where the grid is coarsened (over MAX_CANDIDATES
    valid quantities) the optimum is exact over the coarse grid only.
    """
    quantities = _candidates(pb, residual, spec)
    prices = prices_float(pb, quantities)
    if pb.top_up_lead_days > 0:
        if runout is None or runout.cost is None:
            raise ValueError("a lead time needs the run-out tables of the same paths")
        expected, values = lead_objective_values(spec, residual, quantities, prices, runout)
    else:
        top_up = float(pb.top_up_price)
        expected = prices + top_up * residual.expected_shortfall(quantities)
        values = objective_values(spec, residual, quantities, expected, prices, top_up)
    chosen = int(quantities[first_minimum(values)])
    return Choice(quantities, expected, chosen, int(quantities[first_minimum(expected)]))


def _decision(
    pb: PriceBook,
    spec: ObjectiveSpec,
    residual: ResidualDemand,
    r: SortedResidual,
    options: tuple[OptionEvaluation, ...],
    curve: tuple[IntArray, FloatArray],
    compared: tuple[tuple[TimingOption, ...], str | None, str | None],
    last_year: float | None,
) -> Decision:
    gap = residual.gap_shortfall
    return Decision(
        purchase_date=residual.purchase_date,
        pack_expires_on=residual.purchase_date + timedelta(days=pb.validity_days),
        objective=spec.objective,
        chosen=options[0],
        alternatives=options[1:],
        curve=CostCurve(curve[0], curve[1], tier_breaks(pb)),
        residual_demand=Quantiles(*(float(v) for v in np.quantile(r.values, [0.1, 0.5, 0.9]))),
        existing_packs_expected_waste_tokens=float(np.mean(residual.existing_waste_tokens)),
        last_year_consumption_tokens=last_year,
        n_paths=r.n_paths,
        objective_level=spec.level,
        expected_gap_shortfall_tokens=float(np.mean(gap)),
        gap_shortfall_probability=float(np.mean(gap > 0)),
        timing=compared[0],
        cheapest_timing_label=compared[1],
        cheapest_timing_at_risk_label=compared[2],
    )


def _check_last_year(tokens: float | None) -> None:
    if tokens is not None and not (math.isfinite(tokens) and tokens >= 0):
        raise InvalidInputError(
            f"last_year_consumption_tokens must be finite and non-negative, got {tokens}"
        )


def _candidates(pb: PriceBook, r: SortedResidual, spec: ObjectiveSpec) -> IntArray:
    """The grid of valid quantities plus, inside every tier, the valid neighbours of the
    objective's minimiser, so that a coarsened grid still contains the exact optimum."""
    grid = candidate_quantities(pb, float(r.values[-1]))
    top = int(grid[-1])
    levels = fractile_levels(spec, [float(t.unit_price) for t in pb.tiers], float(pb.top_up_price))
    extra: set[int] = set()
    for level in levels:
        x = r.order_statistic(level)
        extra.update(q for q in (valid_floor(pb, x), valid_ceil(pb, x)) if q <= top)
    return merge_quantities(grid, sorted(extra))


def _labelled_quantities(
    pb: PriceBook, chosen: int, neutral: int, last_year: float | None
) -> list[tuple[str, int]]:
    """The chosen quantity first (its label joined with every other label at the same quantity),
    then the distinct alternatives in ascending quantity."""
    named: list[tuple[str, int]] = [("recommended", chosen)]
    breaks = [(b, valid_ceil(pb, b)) for b in tier_breaks(pb)]
    below = [(b, q) for b, q in breaks if q <= chosen]
    above = [(b, q) for b, q in breaks if q > chosen]
    near = below[-2:] if below and below[-1][1] == chosen else below[-1:]
    named += [(f"tier break at {b:,}", q) for b, q in [*near, *above[:1]]]
    if neutral != chosen:
        named.append(("risk-neutral optimum", neutral))
    if last_year is not None:
        exact = Fraction(last_year)
        named.append(("last year's consumption", valid_ceil(pb, math.ceil(exact))))
        named.append(("last year's + 20 %", valid_ceil(pb, math.ceil(exact * LAST_YEAR_UPLIFT))))
    labels: dict[int, list[str]] = {}
    for label, q in named:
        labels.setdefault(q, []).append(label)
    order = [chosen, *sorted(q for q in labels if q != chosen)]
    return [("; ".join(labels[q]), q) for q in order]
