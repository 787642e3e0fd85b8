"""The timing comparison of a decision: each strategy's best setting on a small grid, priced.

Settings are chosen by the decision's own objective on the same paths (expected cost; CVaR at
its alpha; or expected cost among settings whose P(run-out) meets the service level, the cheapest
setting if none does). The grids are relative to the residual demand R the new pack must serve:

- top-up at a trigger: Q0 at 25, 50 and 75 % of median R; the trigger T at the mean daily demand
  times (lead + 7) or (lead + 30) days; B such that Q0 + B reaches the 50th, 75th or 90th
  percentile of R (18 settings);
- two purchases: Q1 at 50, 60 and 75 % of median R; the uplift of the second at 1.0, 1.1 and
  1.25 (9 settings).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import numpy.typing as npt

from models.decision.objectives import ObjectiveSpec, tail_mean
from models.decision.pricing import prices_float, valid_ceil
from models.decision.runout import RunoutTable
from models.decision.timing import (
    StrategyOutcome,
    second_sizes,
    single_purchase,
    top_up_at_trigger,
    two_purchases,
)
from models.decision.types import Objective, OptionEvaluation, PriceBook, TimingOption

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SINGLE, TRIGGER, SPLIT = "single purchase", "top up at a trigger", "two purchases"
TRIGGER_FIRST_SHARES = (0.25, 0.5, 0.75)
TRIGGER_COVER_DAYS = (7, 30)
TRIGGER_REACH_LEVELS = (0.5, 0.75, 0.9)
SPLIT_FIRST_SHARES = (0.5, 0.6, 0.75)
SPLIT_UPLIFTS = (1.0, 1.1, 1.25)
CENT = Decimal("0.01")


def compare_timing(
    pb: PriceBook,
    runout: RunoutTable,
    spec: ObjectiveSpec,
    chosen: OptionEvaluation,
    purchase_date: date,
) -> tuple[tuple[TimingOption, ...], str, str]:
    """The three strategies (single purchase of `chosen`, trigger, split) and the labels of the
    cheapest in expectation and in CVaR at `spec.cvar_alpha`. Cost: about 30 settings x a few
    vectorised bisections over S paths."""
    single = _single(runout, spec, chosen)
    options = (single, _trigger(pb, runout, spec), _split(pb, runout, spec, purchase_date))
    cheapest = min(options, key=lambda o: o.expected_cost).label
    at_risk = min(options, key=lambda o: o.cvar_cost).label
    return options, cheapest, at_risk


def _single(runout: RunoutTable, spec: ObjectiveSpec, chosen: OptionEvaluation) -> TimingOption:
    q = np.array([chosen.quantity], dtype=np.int64)
    out = single_purchase(runout, q, np.array([float(chosen.total_price)]))
    option = _option(SINGLE, f"buy {chosen.quantity:,} tokens now", chosen.quantity, out, 0, spec)
    # the same money as the recommendation, rounded the same way
    return dataclasses.replace(option, expected_cost=chosen.expected_cost)


def _trigger(pb: PriceBook, runout: RunoutTable, spec: ObjectiveSpec) -> TimingOption:
    total = np.sort(runout.cumulative[:, -1])
    median, rate = _quantile(total, 0.5), float(total.mean()) / runout.n_days
    settings = sorted(
        {
            (q0, math.ceil(rate * (runout.lead_days + days)), valid_ceil(pb, reach - q0))
            for q0 in (valid_ceil(pb, share * median) for share in TRIGGER_FIRST_SHARES)
            for days in TRIGGER_COVER_DAYS
            for reach in (_quantile(total, level) for level in TRIGGER_REACH_LEVELS)
        }
    )
    first, trigger, top_up = (np.array(col) for col in zip(*settings, strict=True))
    prices = (_prices(pb, first), _prices(pb, top_up))
    out = top_up_at_trigger(runout, prices, first, trigger.astype(np.float64), top_up)
    k = _best(out, spec)
    q0, t, b = settings[k]
    text = (
        f"buy {q0:,} tokens now; when the balance falls below {t:,}, buy {b:,} more "
        f"(usable {runout.lead_days} days after the order)"
    )
    return _option(TRIGGER, text, q0, out, k, spec)


def _split(
    pb: PriceBook, runout: RunoutTable, spec: ObjectiveSpec, purchase_date: date
) -> TimingOption:
    median = _quantile(np.sort(runout.cumulative[:, -1]), 0.5)
    firsts = sorted({valid_ceil(pb, share * median) for share in SPLIT_FIRST_SHARES})
    settings = list(itertools.product(firsts, SPLIT_UPLIFTS))
    first = np.array([q for q, _ in settings], dtype=np.int64)
    uplift = np.array([u for _, u in settings])
    second = second_sizes(runout, pb, first, uplift)
    out = two_purchases(runout, first, _prices(pb, first), second, _prices(pb, second))
    k = _best(out, spec)
    q1, u = settings[k]
    mid = runout.n_days // 2
    order_day = max(0, mid - runout.lead_days)
    rate = f"the burn rate of the first {order_day} days" if order_day else "the forecast rate"
    text = (
        f"buy {q1:,} tokens now and more on {purchase_date + timedelta(days=mid)}: {rate} "
        f"times the days left, x {u:g}, less what is left "
        f"(expected {float(second[:, k].mean()):,.0f} tokens)"
    )
    return _option(SPLIT, text, q1, out, k, spec)


def _best(out: StrategyOutcome, spec: ObjectiveSpec) -> int:
    """The setting (column) that minimises the objective; ties to the first."""
    mean = out.cost.mean(axis=0)
    if spec.objective == Objective.CVAR:
        return int(np.argmin(tail_mean(out.cost, spec.cvar_alpha)))
    if spec.objective == Objective.SERVICE_LEVEL:
        allowed = math.floor(out.cost.shape[0] * (1.0 - spec.service_level) + 1e-9)
        ok = out.ran_out.sum(axis=0) <= allowed
        if ok.any():
            return int(np.argmin(np.where(ok, mean, np.inf)))
    return int(np.argmin(mean))


def _option(
    label: str, text: str, first: int, out: StrategyOutcome, k: int, spec: ObjectiveSpec
) -> TimingOption:
    cost = out.cost[:, k : k + 1]
    return TimingOption(
        label=label,
        description=text,
        first_purchase_tokens=first,
        expected_cost=_money(float(cost.mean())),
        cvar_cost=_money(float(tail_mean(cost, spec.cvar_alpha)[0])),
        cvar_alpha=spec.cvar_alpha,
        expected_waste_tokens=float(out.waste_tokens[:, k].mean()),
        runout_probability=float(out.ran_out[:, k].mean()),
        expected_blocked_days=float(out.blocked_days[:, k].mean()),
    )


def _prices(pb: PriceBook, quantities: IntArray | FloatArray) -> FloatArray:
    """Float prices (currency units) of whole-token quantities of any shape."""
    return prices_float(pb, np.asarray(quantities, dtype=np.int64))


def _quantile(sorted_values: FloatArray, level: float) -> float:
    idx = min(sorted_values.size, max(1, math.ceil(level * sorted_values.size - 1e-9))) - 1
    return float(sorted_values[idx])


def _money(value: float) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_EVEN)
