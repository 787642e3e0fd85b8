"""How long the optimizer takes: 10,000 paths of a pack's year, every candidate, every objective."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from models.decision import decide
from models.decision.expectations import SortedResidual
from models.decision.pricing import candidate_quantities, prices_float
from models.decision.types import Objective, PriceBook
from models.forecasting import forecast
from models.series import DailySeries

TIMING_PATHS = 10_000
TIMING_RUNS = 5
CVAR_ALPHA = 0.95
SERVICE_LEVEL = 0.95


@dataclass(frozen=True)
class OptimizerTiming:
    """Median wall milliseconds over `runs` runs (after a warm-up), BLAS on one thread.

    `core_ms`: every candidate's expected cost, CVaR of cost and run-out probability, and the
    minimiser of each objective, from the paths (path totals, one sort, prefix sums, one search
    per candidate). `decide_ms` and `decide_timing_ms` map each objective to a whole `decide`
    call (residual demand, every candidate, the choice, every alternative evaluated in full),
    without and with the comparison of purchase timings.
    """

    history: str
    model: str
    n_paths: int
    horizon_days: int
    candidates: int
    runs: int
    core_ms: float
    decide_ms: dict[str, float]
    decide_timing_ms: dict[str, float]


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


def every_objective(paths: npt.NDArray[np.float64], pb: PriceBook) -> tuple[int, int, int]:
    """The expected-cost, CVaR and service-level minimisers over every candidate (tokens)."""
    r = SortedResidual.of(paths.sum(axis=1))
    q = candidate_quantities(pb, float(r.values[-1]))
    prices, top_up = prices_float(pb, q), float(pb.top_up_price)
    expected = prices + top_up * r.expected_shortfall(q)
    cvar = prices + top_up * r.tail_shortfall(q, CVAR_ALPHA)
    feasible = r.shortfall_probability(q) <= 1.0 - SERVICE_LEVEL
    constrained = np.where(feasible, expected, np.inf)
    pick = [int(q[np.argmin(v)]) for v in (expected, cvar, constrained)]
    return pick[0], pick[1], pick[2]


def measure(history: DailySeries, pb: PriceBook, seed: int) -> OptimizerTiming:
    """Time the optimizer on 10,000 paths of the pack's life forecast from `history`."""
    fc = forecast(history, pb.validity_days, n_paths=TIMING_PATHS, seed=seed, model="auto")
    paths, day = fc.paths_tokens_per_day, fc.first_day
    last_year = float(history.tokens_per_day[-365:].sum())

    def decide_with(objective: Objective, timing: bool) -> Callable[[], object]:
        return lambda: decide(
            paths,
            day,
            [],
            pb,
            day,
            last_year_consumption_tokens=last_year,
            objective=objective,
            timing=timing,
        )

    with threadpool_limits(limits=1):
        core = _median_ms(lambda: every_objective(paths, pb), TIMING_RUNS)
        plain = {o.value: _median_ms(decide_with(o, False), TIMING_RUNS) for o in Objective}
        timed = {o.value: _median_ms(decide_with(o, True), TIMING_RUNS) for o in Objective}
    top = float(paths.sum(axis=1).max())
    return OptimizerTiming(
        history=f"{history.n_days} days ({history.start} .. {history.end})",
        model=fc.model,
        n_paths=TIMING_PATHS,
        horizon_days=pb.validity_days,
        candidates=int(candidate_quantities(pb, top).size),
        runs=TIMING_RUNS,
        core_ms=core,
        decide_ms=plain,
        decide_timing_ms=timed,
    )
