"""A realistic, synthetic recommendation Report for the document tests.

Everything is generated here from a seeded Generator: a year of weekday-heavy history, simulated
demand paths with trend uncertainty and one known project that happens on every other path, an
existing pack, an all-units price book with a top-up lead time, and the options priced over the
paths the way DESIGN.md section 2 describes. No real data is read.

Simplification: a run-out blocks the days with demand until the top-up arrives, each at
BLOCKED_DAY_COST, but the blocked demand is still counted in the top-ups (the service drops it);
the document only shows the figures, so they must be consistent with each other, not exact.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from app.documents.report import ForecastFan, Report
from app.services.report_builder import cover_facts, library_versions, total_distribution
from app.services.usage_facts import BoughtPack, usage_facts
from models.decision.types import Pack, PriceBook, Tier, TierKind
from models.series import DailySeries

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

PURCHASE_DATE = date(2025, 1, 1)
TIERS = ((100, Decimal("3.00")), (5_000, Decimal("2.85")), (25_000, Decimal("2.70")),
         (50_000, Decimal("2.55")))  # fmt: skip
TOP_UP = Decimal("3.00")
TOP_UP_LEAD_DAYS = 10
BLOCKED_DAY_COST = Decimal("5000.00")
EXISTING_REMAINING = 3_000.0
EXISTING_EXPIRES_AFTER_DAYS = 60
# Project Bridge: five Revit users (10 tokens a day each) on 109 weekdays from day 91, won on the
# even-numbered paths: +5,450 tokens on half the paths, +2,725 on average.
PROJECT_START_DAY, PROJECT_WEEKDAYS, PROJECT_TOKENS_PER_DAY = 91, 109, 50.0
CVAR_LEVEL = 0.95
NEVER = np.iinfo(np.int64).max
# The two timing strategies the fixture does not simulate: label, description, first purchase,
# expected cost, CVaR cost, expected waste, P(run-out), expected blocked days.
TIMING = (
    ("top up at a trigger", "buy 27,500 tokens now; when the balance falls below 2,450, buy "
     "25,000 more (usable 10 days after the order)", 27_500, "141920.35", "171210.80", 2_310.4,
     0.061, 0.21),
    ("two purchases", "buy 31,600 tokens now and more on 2025-07-02: the burn rate of the first "
     "172 days times the days left, x 1.1, less what is left (expected 25,880 tokens)", 31_600,
     "146410.00", "158905.25", 3_120.5, 0.034, 0.09),
)  # fmt: skip


def sample_report(
    *, history_days: int = 365, horizon_days: int = 365, curve_points: int = 1_500,
    n_paths: int = 1_000, seed: int = 7,
) -> Report:  # fmt: skip
    rng = np.random.default_rng(seed)
    history_start = PURCHASE_DATE - timedelta(days=history_days)
    history = _daily(rng, history_days, np.zeros(1), history_start.weekday())[0]
    trends = rng.normal(0.0, 0.12, size=n_paths)
    baseline = _daily(rng, horizon_days, trends, PURCHASE_DATE.weekday())
    paths = baseline + _project(n_paths, horizon_days)
    residual, cumulative = _residual(paths)
    demand_days = np.pad(np.cumsum(paths > 0, axis=1, dtype=np.int64), ((0, 0), (1, 0)))
    quantities = 100 + 50 * np.arange(curve_points, dtype=np.int64)
    blocked = _blocked_days(_runout_days(quantities, cumulative), demand_days)
    curve = np.array(
        [_expected_cost(int(q), residual, blocked[:, i]) for i, q in enumerate(quantities)]
    )
    chosen = int(quantities[int(np.argmin(curve))])
    last_year = float(history[-365:].sum())
    options = [("risk-neutral optimum", chosen)]
    options += [(f"tier break {b:,}", b) for b, _ in TIERS[1:] if b != chosen]
    options += [("last year's consumption", _round_up(last_year))]
    options += [("last year's + 20 %", _round_up(1.2 * last_year))]
    runout = _runout_days(np.array([q for _, q in options]), cumulative)
    blocked_each = _blocked_days(runout, demand_days)
    runout[runout == horizon_days] = NEVER
    evaluated = [
        _option(label, q, residual, runout[:, i], blocked_each[:, i])
        for i, (label, q) in enumerate(options)
    ]
    fan = ForecastFan(
        first_day=PURCHASE_DATE,
        mean=paths.mean(axis=0),
        p10=np.quantile(paths, 0.1, axis=0),
        p50=np.quantile(paths, 0.5, axis=0),
        p90=np.quantile(paths, 0.9, axis=0),
    )
    facts = _facts(evaluated, paths, residual, history_days, n_paths, seed, last_year)
    facts["decision"] |= _timing(chosen, residual, blocked_each[:, 0], evaluated[0])
    facts["decision"]["days_of_cover"] = _cover(paths, chosen)
    facts["forecast"] |= _changes(paths, baseline)
    facts["forecast"]["total_distribution"] = total_distribution(paths)
    series = DailySeries(PURCHASE_DATE - timedelta(days=history_days), history)
    facts["usage"] = _usage(series)
    return Report(
        facts=facts,
        history_start=history_start,
        history_tokens_per_day=history,
        fan=fan,
        curve_quantities=quantities,
        curve_expected_cost=curve,
        tier_breaks=tuple(b for b, _ in TIERS[1:]),
        chosen_quantity=chosen,
        currency="USD",
        last_year_quantity=_round_up(last_year),
    )


# The history's tokens split over three products in fixed shares; users active on weekdays.
PRODUCT_SHARES = (("Revit", 0.5), ("AutoCAD", 0.3), ("Navisworks Manage", 0.2))
USERS = tuple(f"u{i:02d}" for i in range(30))
# Packs bought: one that expired with tokens left before the history ends, one held at the
# purchase date (the existing pack the decision uses).
BOUGHT_EARLY = BoughtPack(date(2023, 6, 1), 30_000, Decimal("2.85"), date(2024, 5, 31))


def _usage(series: DailySeries) -> dict[str, Any]:
    days = [series.start + timedelta(days=i) for i in range(series.n_days)]
    product_days = [
        (day, name, float(tokens) * share)
        for day, tokens in zip(days, series.tokens_per_day.tolist(), strict=True)
        for name, share in PRODUCT_SHARES
        if tokens > 0
    ]
    user_days = [
        (day, user) for day in days if day.weekday() < 5 for user in USERS[: 10 + day.month]
    ]
    expires = PURCHASE_DATE + timedelta(days=EXISTING_EXPIRES_AFTER_DAYS)
    held = BoughtPack(expires - timedelta(days=365), 40_000, Decimal("2.70"), expires)
    return usage_facts(product_days, user_days, series, [BOUGHT_EARLY, held])


def _cover(paths: FloatArray, chosen: int) -> dict[str, Any]:
    expires = PURCHASE_DATE + timedelta(days=EXISTING_EXPIRES_AFTER_DAYS)
    pack = Pack(expires - timedelta(days=365), 40_000, EXISTING_REMAINING, expires)
    book = PriceBook("USD", 100, 50, 365, TierKind.ALL_UNITS,
                     tuple(Tier(low, price) for low, price in TIERS), TOP_UP)  # fmt: skip
    return cover_facts(paths, PURCHASE_DATE, [pack], PURCHASE_DATE, book, chosen)


def _daily(
    rng: np.random.Generator, n_days: int, trends: FloatArray, first_weekday: int
) -> FloatArray:
    """Tokens per day, shape (len(trends), n_days): 30 users, weekends near zero, a yearly trend;
    day 0 falls on `first_weekday` (0 = Monday)."""
    weekday = np.array([1.0, 1.05, 1.05, 1.0, 0.85, 0.06, 0.03])
    day_of_week = (np.arange(n_days) + first_weekday) % 7
    growth = 1.0 + np.outer(trends, np.arange(n_days) / 365.0)
    level = 190.0 * weekday[day_of_week] * growth
    return rng.poisson(np.maximum(level, 0.0) / 7.0).astype(np.float64) * 7.0


def _project(n_paths: int, n_days: int) -> FloatArray:
    """Project Bridge's tokens per day, shape (n_paths, n_days): won on the even paths only."""
    day = np.arange(n_days)
    weekdays = np.flatnonzero((day >= PROJECT_START_DAY) & ((day + 2) % 7 < 5))
    extra = np.zeros((n_paths, n_days))
    extra[0::2, weekdays[:PROJECT_WEEKDAYS]] = PROJECT_TOKENS_PER_DAY
    return extra


def _residual(paths: FloatArray) -> tuple[FloatArray, FloatArray]:
    """What the new pack must serve once the existing pack, used first, has expired or run dry."""
    early = np.cumsum(paths[:, :EXISTING_EXPIRES_AFTER_DAYS], axis=1)
    covered = np.minimum(early[:, -1], EXISTING_REMAINING)
    cumulative = np.maximum(np.cumsum(paths, axis=1) - covered[:, None], 0.0)
    return cumulative[:, -1], cumulative


def _runout_days(quantities: IntArray, cumulative: FloatArray) -> IntArray:
    """The first day the residual demand passes each quantity, shape (S, len(quantities)); the
    number of days when it never does."""
    return np.array([np.searchsorted(c, quantities, side="right") for c in cumulative])


def _blocked_days(runout: IntArray, demand_days: IntArray) -> IntArray:
    """Days with demand from the run-out day until the top-up arrives (the shape of `runout`);
    `demand_days[s, j]` counts the days before day j with some demand on path s."""
    arrives = np.minimum(runout + TOP_UP_LEAD_DAYS, demand_days.shape[1] - 1)
    return np.take_along_axis(demand_days, arrives, 1) - np.take_along_axis(demand_days, runout, 1)


def _tier(quantity: int) -> dict[str, Any]:
    index = max(i for i, (low, _) in enumerate(TIERS) if quantity >= low)
    return {"index": index, "min_tokens": TIERS[index][0], "unit_price": str(TIERS[index][1])}


def _unit_price(quantity: int) -> Decimal:
    return [price for low, price in TIERS if quantity >= low][-1]


def _path_costs(quantity: int, residual: FloatArray, blocked: IntArray) -> FloatArray:
    shortfall = np.maximum(residual - quantity, 0.0)
    runout = float(TOP_UP) * shortfall + float(BLOCKED_DAY_COST) * blocked
    return float(_unit_price(quantity) * quantity) + runout


def _expected_cost(quantity: int, residual: FloatArray, blocked: IntArray) -> float:
    return float(_path_costs(quantity, residual, blocked).mean())


def _round_up(tokens: float) -> int:
    return int(np.ceil(tokens / 50.0) * 50)


def _cents(amount: float | Decimal) -> str:
    return str(Decimal(str(amount)).quantize(Decimal("0.01")))


def _option(
    label: str, quantity: int, residual: FloatArray, runout: IntArray, blocked: IntArray
) -> dict[str, Any]:
    unit = _unit_price(quantity)
    consumed = np.minimum(residual, quantity)
    waste = quantity - consumed
    shortfall = np.maximum(residual - quantity, 0.0)
    top_up = Decimal(_cents(round(float(TOP_UP) * float(shortfall.mean()), 2)))
    blocked_cost = BLOCKED_DAY_COST * int(blocked.sum()) / len(blocked)
    expected = unit * quantity + top_up + blocked_cost
    return {
        "label": label,
        "quantity": quantity,
        "tier": _tier(quantity),
        "unit_price": str(unit),
        "total_price": _cents(unit * quantity),
        "currency": "USD",
        "expected_cost": _cents(expected),
        "expected_top_up_cost": _cents(top_up),
        "expected_blocked_days": float(blocked.mean()),
        "expected_blocked_cost": _cents(blocked_cost),
        "expected_consumption": _quantiles(consumed),
        "expected_waste_tokens": float(waste.mean()),
        "expected_waste_value": _cents(round(float(waste.mean()) * float(unit), 2)),
        "prob_waste_over_10pct": float((waste > 0.1 * quantity).mean()),
        "shortfall_probability": float((shortfall > 0).mean()),
        "expected_shortfall_tokens": float(shortfall.mean()),
        "runout_date": _runout_dates(runout),
        "cost_per_token_consumed": _cents(round(float(expected) / float(consumed.mean()), 2)),
    }


def _runout_dates(day: IntArray) -> dict[str, str | None] | None:
    if (day == NEVER).all():
        return None
    return {key: _runout_day(day, q) for key, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9))}


def _runout_day(day: IntArray, q: float) -> str | None:
    value = int(np.quantile(day, q, method="lower"))
    if value == NEVER:
        return None
    return (PURCHASE_DATE + timedelta(days=value)).isoformat()


def _quantiles(values: FloatArray) -> dict[str, float]:
    p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90)}


def _totals(paths: FloatArray) -> list[dict[str, Any]]:
    return [
        {"days": days, "mean": float(paths[:, :days].sum(axis=1).mean()),
         **_quantiles(paths[:, :days].sum(axis=1))}
        for days in (30, 90, 365) if days <= paths.shape[1]
    ]  # fmt: skip


def _timing(
    chosen: int, residual: FloatArray, blocked: IntArray, option: dict[str, Any]
) -> dict[str, Any]:
    """The single purchase priced over the paths, the other two strategies as set in TIMING."""
    costs = np.sort(_path_costs(chosen, residual, blocked))
    tail = costs[int(np.floor(CVAR_LEVEL * costs.size)) :]
    single = ("single purchase", f"buy {chosen:,} tokens now", chosen, option["expected_cost"],
              _cents(round(float(tail.mean()), 2)), option["expected_waste_tokens"],
              option["shortfall_probability"], option["expected_blocked_days"])  # fmt: skip
    keys = ("label", "description", "first_purchase_tokens", "expected_cost", "cvar_cost",
            "expected_waste_tokens", "runout_probability", "expected_blocked_days")  # fmt: skip
    timing = [dict(zip(keys, row, strict=True)) | {"cvar_level": CVAR_LEVEL}
              for row in (single, *TIMING)]  # fmt: skip
    return {
        "timing": timing,
        "cheapest_timing": min(timing, key=lambda t: Decimal(t["expected_cost"]))["label"],
        "cheapest_timing_at_risk": min(timing, key=lambda t: Decimal(t["cvar_cost"]))["label"],
    }


def _changes(paths: FloatArray, baseline: FloatArray) -> dict[str, Any]:
    delta = (paths - baseline).sum(axis=1)
    effect = {"change_id": "chg_0001", "label": "Project Bridge", "kind": "project",
              "mean_total_delta_tokens": float(delta.mean()), **_quantiles(delta)}  # fmt: skip
    return {"changes": [effect], "baseline_totals": _totals(baseline)}


def _facts(
    options: list[dict[str, Any]], paths: FloatArray, residual: FloatArray, history_days: int,
    n_paths: int, seed: int, last_year: float,
) -> dict[str, Any]:  # fmt: skip
    decision = dict(options[0])
    decision |= {
        "purchase_date": PURCHASE_DATE.isoformat(),
        "pack_expires_on": (PURCHASE_DATE + timedelta(days=365)).isoformat(),
        "objective": "expected_cost",
        "objective_level": None,
        "n_paths": n_paths,
        "residual_demand": _quantiles(residual),
        "last_year_consumption_tokens": last_year,
        "existing_packs_expected_waste_tokens": 0.0,
        "alternatives": options,
    }
    expires = PURCHASE_DATE + timedelta(days=EXISTING_EXPIRES_AFTER_DAYS)
    return {
        "document": {
            "title": "Token purchase recommendation",
            "organization": "Example Engineering <Ltd> & Co",
            "created_at": "2025-01-01T09:30:00Z",
            "recommendation_id": "5b0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3",
        },
        "decision": decision,
        "forecast": {
            "id": "0f1e2d3c-4b5a-4697-8887-766554433221",
            "model": "damped_ets",
            "first_day": PURCHASE_DATE.isoformat(),
            "horizon_days": paths.shape[1],
            "candidates": [
                {
                    "model": name,
                    "scores": {"total_error_90d": mape, "coverage80_90d": coverage},
                    "n_origins": 6,
                    "failed": False,
                    "message": "",
                }
                for name, mape, coverage in (
                    ("seasonal_naive", 0.142, 0.61),
                    ("damped_ets", 0.071, 0.79),
                    ("sarimax", 0.093, 0.74),
                )
            ],
            "totals": _totals(paths),
            "warnings": ["History covers one year only: yearly seasonality is not modelled."],
        },
        "data": {
            "rows": 41_873,
            "first_day": (PURCHASE_DATE - timedelta(days=history_days)).isoformat(),
            "last_day": (PURCHASE_DATE - timedelta(days=1)).isoformat(),
            "days": history_days,
            "zero_days": 0,
            "total_tokens": last_year,
            "products": 3,
            "users": 22,
            "sources": ["usage-2024.csv (Autodesk Account usage export, 2026 columns)"],
        },
        "assumptions": {
            "price_book": {
                "currency": "USD",
                "minimum_purchase": 100,
                "pack_increment": 50,
                "validity_days": 365,
                "tier_kind": "all_units",
                "tiers": [{"min_tokens": low, "unit_price": str(price)} for low, price in TIERS],
                "top_up_price": str(TOP_UP),
                "top_up_lead_days": TOP_UP_LEAD_DAYS,
                "blocked_day_cost": str(BLOCKED_DAY_COST),
                "top_up_block_tokens": 0,
            },
            "consumption_order": "earliest expiry first, then the smaller pack",
            "objective": "expected_cost",
            "n_paths": n_paths,
            "seed": seed,
        },
        "packs": [
            {
                "purchased_on": (expires - timedelta(days=365)).isoformat(),
                "tokens": 40_000,
                "remaining_tokens": EXISTING_REMAINING,
                "expires_on": expires.isoformat(),
            }
        ],
        "reproducibility": {
            "inputs_sha256": "5f" * 32,
            "seed": seed,
            "n_paths": n_paths,
            "model": "damped_ets",
            "model_requested": "auto",
            "country": None,
            "forecast_as_of": (PURCHASE_DATE - timedelta(days=1)).isoformat(),
            "versions": library_versions(),
            "requested_by_key": "procurement",
        },
    }
