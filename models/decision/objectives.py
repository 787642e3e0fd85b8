"""What "best" means: expected cost, CVaR of cost, or expected cost under a service level."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from models.decision.expectations import SortedResidual
from models.decision.types import Objective
from models.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Two costs closer than this share of the optimum are a tie (float noise is ~1e-12 of it); a tie
# goes to the smaller purchase, which puts less money at risk for the same expected cost.
TIE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ObjectiveSpec:
    """The objective and its level: `cvar_alpha` for CVAR (mean cost over the worst 1 - alpha of
    paths), `service_level` for SERVICE_LEVEL (P(shortfall > 0) <= 1 - service_level)."""

    objective: Objective
    cvar_alpha: float = 0.95
    service_level: float = 0.95

    def __post_init__(self) -> None:
        for name, value in (("cvar_alpha", self.cvar_alpha), ("service_level", self.service_level)):
            if not 0.0 < value < 1.0:
                raise InvalidInputError(f"{name} must be strictly between 0 and 1, got {value}")

    @property
    def level(self) -> float | None:
        if self.objective == Objective.CVAR:
            return self.cvar_alpha
        if self.objective == Objective.SERVICE_LEVEL:
            return self.service_level
        return None


def objective_values(
    spec: ObjectiveSpec,
    residual: SortedResidual,
    quantities: IntArray,
    expected_cost: FloatArray,
    prices: FloatArray,
    top_up_price: float,
) -> FloatArray:
    """The value to minimise for every candidate (currency units; +inf where infeasible)."""
    if spec.objective == Objective.CVAR:
        return prices + top_up_price * residual.tail_shortfall(quantities, spec.cvar_alpha)
    if spec.objective == Objective.SERVICE_LEVEL:
        allowed = math.floor(residual.n_paths * (1.0 - spec.service_level) + 1e-9)
        short_paths = residual.n_paths - residual.count_at_most(quantities)
        return np.where(short_paths <= allowed, expected_cost, np.inf)
    return expected_cost


def fractile_levels(
    spec: ObjectiveSpec, tier_prices: list[float], top_up_price: float
) -> list[float]:
    """Levels of R at which, inside some tier, the objective's minimiser lies.

    Inside a tier the marginal price p is constant, so E[cost] is convex and its minimiser is the
    (1 - p / c) quantile of R (the newsvendor critical fractile, c the top-up price); for CVaR at
    alpha it is the 1 - (1 - alpha) p / c quantile; the service level adds its own quantile. The
    risk-neutral levels are always included, as the risk-neutral optimum is always reported.
    """
    levels = [1.0 - p / top_up_price for p in tier_prices if p < top_up_price]
    if spec.objective == Objective.CVAR:
        tail = 1.0 - spec.cvar_alpha
        levels += [1.0 - tail * p / top_up_price for p in tier_prices if p < top_up_price]
    if spec.objective == Objective.SERVICE_LEVEL:
        levels.append(spec.service_level)
    return levels


def first_minimum(values: FloatArray) -> int:
    """Index of the smallest value; among ties (within TIE_TOLERANCE) the first, i.e. smallest Q."""
    best = float(np.min(values))
    if not math.isfinite(best):
        raise InvalidInputError("no candidate quantity satisfies the objective")
    slack = TIE_TOLERANCE * max(1.0, abs(best))
    return int(np.flatnonzero(values <= best + slack)[0])
