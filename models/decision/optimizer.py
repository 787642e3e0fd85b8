"""The purchase decision: the quantity that minimises the objective, and its main alternatives."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from models.decision.expectations import SortedResidual
from models.decision.objectives import (
    ObjectiveSpec,
    first_minimum,
    fractile_levels,
    objective_values,
)
from models.decision.options import PathFacts, evaluate_option
from models.decision.packs import residual_demand
from models.decision.pricing import (
    candidate_quantities,
    merge_quantities,
    prices_float,
    tier_breaks,
    valid_ceil,
    valid_floor,
    validate_price_book,
)
from models.decision.types import (
    CostCurve,
    Decision,
    Objective,
    Pack,
    PriceBook,
    Quantiles,
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
) -> Decision:
    """Choose how many tokens to buy on `purchase_date`, and price the main alternatives.

    `paths_tokens_per_day` (S, H) are simulated daily demand paths from `first_day` covering the
    new pack's whole life (see `residual_demand`); `packs` are the packs held at `first_day`.
    For a purchase of Q tokens and residual demand R[s] on path s, the cost is
    price(Q) + top_up_price * max(0, R[s] - Q). Every valid Q (see `candidate_quantities`) is
    evaluated exactly from one sort of R; the objective is the expected cost, the CVaR of cost at
    `cvar_alpha`, or the expected cost subject to P(R > Q) <= 1 - `service_level`. Ties go to the
    smaller Q. Method: the single-period newsvendor with all-units or incremental quantity
    discounts (Khouja, "The single-period (news-vendor) problem", Omega 27(5), 1999).
    """
    validate_price_book(price_book)
    spec = ObjectiveSpec(objective, cvar_alpha, service_level)
    _check_last_year(last_year_consumption_tokens)
    residual = residual_demand(
        paths_tokens_per_day, first_day, packs, purchase_date, price_book.validity_days
    )
    r = SortedResidual.of(residual.residual_total)
    quantities = _candidates(price_book, r, spec)
    prices = prices_float(price_book, quantities)
    top_up = float(price_book.top_up_price)
    expected_cost = prices + top_up * r.expected_shortfall(quantities)
    values = objective_values(spec, r, quantities, expected_cost, prices, top_up)
    chosen_q = int(quantities[first_minimum(values)])
    neutral_q = int(quantities[first_minimum(expected_cost)])
    labelled = _labelled_quantities(price_book, chosen_q, neutral_q, last_year_consumption_tokens)
    facts = PathFacts.build(
        r,
        residual.residual_total,
        residual.new_pack_daily,
        purchase_date,
        min(q for _, q in labelled),
    )
    chosen, *others = [evaluate_option(label, q, price_book, facts) for label, q in labelled]
    gap = residual.gap_shortfall
    return Decision(
        purchase_date=purchase_date,
        pack_expires_on=purchase_date + timedelta(days=price_book.validity_days),
        objective=spec.objective,
        chosen=chosen,
        alternatives=tuple(others),
        curve=CostCurve(quantities, expected_cost, tier_breaks(price_book)),
        residual_demand=Quantiles(*(float(v) for v in np.quantile(r.values, [0.1, 0.5, 0.9]))),
        existing_packs_expected_waste_tokens=float(np.mean(residual.existing_waste_tokens)),
        last_year_consumption_tokens=last_year_consumption_tokens,
        n_paths=r.n_paths,
        objective_level=spec.level,
        expected_gap_shortfall_tokens=float(np.mean(gap)),
        gap_shortfall_probability=float(np.mean(gap > 0)),
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
