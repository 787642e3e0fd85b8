"""What "best" means: expected cost, CVaR of cost, or expected cost under a service level."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from models.decision.expectations import SortedResidual
from models.decision.runout import RunoutTable
from models.decision.types import Objective
from models.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Two costs closer than this share of the optimum are a tie (float noise is ~1e-12 of it); a tie
# goes to the smaller purchase, which puts less money at risk for the same expected cost.
TIE_TOLERANCE = 1e-9
# Candidates whose CVaR with a lead time is evaluated path by path at once: (S, CVAR_CHUNK) floats.
CVAR_CHUNK = 32


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
        return _within_service_level(spec, residual, quantities, expected_cost)
    return expected_cost


def lead_objective_values(
    spec: ObjectiveSpec,
    residual: SortedResidual,
    quantities: IntArray,
    prices: FloatArray,
    runout: RunoutTable,
) -> tuple[FloatArray, FloatArray]:
    """With a lead time: (expected cost, value to minimise) for every candidate (currency units).

    The cost of a path is price(Q) + runout.cost[s, d(Q, s)]. CVaR is exact where every path that
    runs out fits in the tail (then it is price + E[run-out cost] / (1 - alpha)). Elsewhere two
    lower bounds of the tail mean are known for every candidate at once: E[run-out cost] /
    P(run-out) (paths that do not run out cost nothing beyond the price) and the mean over the
    tail-sized set of paths with the most demand (the tail is the costliest such set). Candidates
    are evaluated path by path in increasing bound order until the bound passes the best value
    found; candidates left out keep their bound, which is worse than the best value.
    """
    extra = runout.expected_costs(quantities)
    expected = prices + extra
    if spec.objective == Objective.CVAR:
        alpha = spec.cvar_alpha
        return expected, _lead_cvar(alpha, residual, quantities, prices, extra, runout)
    if spec.objective == Objective.SERVICE_LEVEL:
        return expected, _within_service_level(spec, residual, quantities, expected)
    return expected, expected


def _within_service_level(
    spec: ObjectiveSpec, residual: SortedResidual, quantities: IntArray, expected: FloatArray
) -> FloatArray:
    allowed = math.floor(residual.n_paths * (1.0 - spec.service_level) + 1e-9)
    short_paths = residual.n_paths - residual.count_at_most(quantities)
    return np.where(short_paths <= allowed, expected, np.inf)


def _lead_cvar(
    alpha: float,
    residual: SortedResidual,
    quantities: IntArray,
    prices: FloatArray,
    extra: FloatArray,
    runout: RunoutTable,
) -> FloatArray:
    n = residual.n_paths
    short = n - residual.count_at_most(quantities)
    mass = (1.0 - alpha) * n
    exact = short <= _tail_whole(n, alpha)
    bound = np.maximum(extra * n / np.maximum(short, mass), _fixed_tail(alpha, runout, quantities))
    values = prices + bound
    values[exact] = prices[exact] + extra[exact] * n / mass
    best = float(values[exact].min()) if exact.any() else math.inf
    todo = np.flatnonzero(~exact)
    todo = todo[np.argsort(values[todo], kind="stable")]
    for i in range(0, todo.size, CVAR_CHUNK):
        chunk = todo[i : i + CVAR_CHUNK]
        if values[chunk[0]] > best + 2.0 * TIE_TOLERANCE * max(1.0, abs(best)):
            break
        values[chunk] = prices[chunk] + tail_mean(runout.path_costs(quantities[chunk]), alpha)
        best = min(best, float(values[chunk].min()))
    return values


def _fixed_tail(alpha: float, runout: RunoutTable, quantities: IntArray) -> FloatArray:
    """The run-out cost averaged over one fixed tail-sized set of paths, those with the most
    demand (weighted as the CVaR weights its edge path): a lower bound of the CVaR of the run-out
    cost, as that is the largest such average, and usually equal to it."""
    n = runout.cumulative.shape[0]
    mass = (1.0 - alpha) * n
    whole = _tail_whole(n, alpha)
    rows = np.argsort(runout.cumulative[:, -1], kind="stable")[::-1][: whole + 1]
    weights = np.ones(rows.size)
    if whole < n:
        weights[-1] = mass - whole
    return runout.weighted_costs(quantities, rows, weights / mass)


def _tail_whole(n_paths: int, alpha: float) -> int:
    return min(n_paths, math.floor((1.0 - alpha) * n_paths + 1e-9))


def tail_mean(values: FloatArray, alpha: float) -> FloatArray:
    """Each column's mean over its largest (1 - alpha) share of rows, `values` (S, k) -> (k,).

    A fractional row at the tail's edge is weighted by its fraction, as in
    `SortedResidual.tail_shortfall`, so both give the same CVaR on the same costs.
    """
    n = values.shape[0]
    mass = (1.0 - alpha) * n
    whole = _tail_whole(n, alpha)
    if whole >= n:
        return np.asarray(values.sum(axis=0) / mass, dtype=np.float64)
    part = np.partition(values, n - whole - 1, axis=0)
    total = part[n - whole :].sum(axis=0) + max(0.0, mass - whole) * part[n - whole - 1]
    return np.asarray(total / mass, dtype=np.float64)


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
