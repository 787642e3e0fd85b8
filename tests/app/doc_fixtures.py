"""A realistic, synthetic recommendation Report for the document tests.

Everything is generated here from a seeded Generator: a year of weekday-heavy history, simulated
demand paths with trend uncertainty, an existing pack, an all-units price book, and the options
priced over the paths the way DESIGN.md section 2 describes. No real data is read.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from app.documents.report import ForecastFan, Report

FloatArray = npt.NDArray[np.float64]

PURCHASE_DATE = date(2025, 1, 1)
TIERS = ((100, Decimal("3.00")), (5_000, Decimal("2.85")), (25_000, Decimal("2.70")),
         (50_000, Decimal("2.55")))  # fmt: skip
TOP_UP = Decimal("3.00")
EXISTING_REMAINING = 3_000.0
EXISTING_EXPIRES_AFTER_DAYS = 60


def sample_report(
    *, history_days: int = 365, horizon_days: int = 365, curve_points: int = 1_500,
    n_paths: int = 1_000, seed: int = 7,
) -> Report:  # fmt: skip
    rng = np.random.default_rng(seed)
    history = _daily(rng, history_days, np.zeros(1))[0]
    paths = _daily(rng, horizon_days, rng.normal(0.0, 0.12, size=n_paths))
    residual, cumulative_residual = _residual(paths)
    quantities = 100 + 50 * np.arange(curve_points, dtype=np.int64)
    curve = np.array([_expected_cost(int(q), residual) for q in quantities])
    chosen = int(quantities[int(np.argmin(curve))])
    last_year = float(history[-365:].sum())
    options = [("risk-neutral optimum", chosen)]
    options += [(f"tier break {b:,}", b) for b, _ in TIERS[1:] if b != chosen]
    options += [("last year's consumption", _round_up(last_year))]
    options += [("last year's + 20 %", _round_up(1.2 * last_year))]
    evaluated = [_option(label, q, residual, cumulative_residual) for label, q in options]
    fan = ForecastFan(
        first_day=PURCHASE_DATE,
        mean=paths.mean(axis=0),
        p10=np.quantile(paths, 0.1, axis=0),
        p50=np.quantile(paths, 0.5, axis=0),
        p90=np.quantile(paths, 0.9, axis=0),
    )
    facts = _facts(evaluated, paths, residual, history_days, n_paths, seed, last_year)
    return Report(
        facts=facts,
        history_start=PURCHASE_DATE - timedelta(days=history_days),
        history_tokens_per_day=history,
        fan=fan,
        curve_quantities=quantities,
        curve_expected_cost=curve,
        tier_breaks=tuple(b for b, _ in TIERS[1:]),
        chosen_quantity=chosen,
        currency="USD",
    )


def _daily(rng: np.random.Generator, n_days: int, trends: FloatArray) -> FloatArray:
    """Tokens per day, shape (len(trends), n_days): 30 users, weekends near zero, a yearly trend."""
    weekday = np.array([1.0, 1.05, 1.05, 1.0, 0.85, 0.06, 0.03])
    day_of_week = (np.arange(n_days) + 2) % 7
    growth = 1.0 + np.outer(trends, np.arange(n_days) / 365.0)
    level = 190.0 * weekday[day_of_week] * growth
    return rng.poisson(np.maximum(level, 0.0) / 7.0).astype(np.float64) * 7.0


def _residual(paths: FloatArray) -> tuple[FloatArray, FloatArray]:
    """What the new pack must serve once the existing pack, used first, has expired or run dry."""
    early = np.cumsum(paths[:, :EXISTING_EXPIRES_AFTER_DAYS], axis=1)
    covered = np.minimum(early[:, -1], EXISTING_REMAINING)
    cumulative = np.maximum(np.cumsum(paths, axis=1) - covered[:, None], 0.0)
    return cumulative[:, -1], cumulative


def _unit_price(quantity: int) -> Decimal:
    return [price for low, price in TIERS if quantity >= low][-1]


def _expected_cost(quantity: int, residual: FloatArray) -> float:
    shortfall = np.maximum(residual - quantity, 0.0).mean()
    return float(_unit_price(quantity) * quantity) + float(TOP_UP) * float(shortfall)


def _round_up(tokens: float) -> int:
    return int(np.ceil(tokens / 50.0) * 50)


def _cents(amount: float | Decimal) -> str:
    return str(Decimal(str(amount)).quantize(Decimal("0.01")))


def _option(
    label: str, quantity: int, residual: FloatArray, cumulative: FloatArray
) -> dict[str, Any]:
    unit = _unit_price(quantity)
    consumed = np.minimum(residual, quantity)
    waste = quantity - consumed
    shortfall = np.maximum(residual - quantity, 0.0)
    top_up = float(TOP_UP) * float(shortfall.mean())
    expected = float(unit * quantity) + top_up
    runs_out = cumulative > quantity
    day = np.where(runs_out.any(axis=1), runs_out.argmax(axis=1), np.iinfo(np.int64).max)
    runout = None
    if runs_out.any():
        runout = {key: _runout_day(day, q) for key, q in (("p10", 0.1), ("p50", 0.5), ("p90", 0.9))}
    return {
        "label": label,
        "quantity": quantity,
        "tier": [low for low, _ in TIERS].index(max(low for low, _ in TIERS if quantity >= low)),
        "unit_price": str(unit),
        "total_price": _cents(unit * quantity),
        "currency": "USD",
        "expected_cost": _cents(round(expected, 2)),
        "expected_top_up_cost": _cents(round(top_up, 2)),
        "expected_consumption": _quantiles(consumed),
        "expected_waste_tokens": float(waste.mean()),
        "expected_waste_value": _cents(round(float(waste.mean()) * float(unit), 2)),
        "prob_waste_over_10pct": float((waste > 0.1 * quantity).mean()),
        "shortfall_probability": float((shortfall > 0).mean()),
        "expected_shortfall_tokens": float(shortfall.mean()),
        "runout_date": runout,
        "cost_per_token_consumed": _cents(round(expected / float(consumed.mean()), 2)),
    }


def _runout_day(day: npt.NDArray[np.int64], q: float) -> str | None:
    value = int(np.quantile(day, q, method="lower"))
    if value == np.iinfo(np.int64).max:
        return None
    return (PURCHASE_DATE + timedelta(days=value)).isoformat()


def _quantiles(values: FloatArray) -> dict[str, float]:
    p10, p50, p90 = np.quantile(values, [0.1, 0.5, 0.9])
    return {"p10": float(p10), "p50": float(p50), "p90": float(p90)}


def _facts(
    options: list[dict[str, Any]], paths: FloatArray, residual: FloatArray, history_days: int,
    n_paths: int, seed: int, last_year: float,
) -> dict[str, Any]:  # fmt: skip
    decision = dict(options[0])
    decision |= {
        "purchase_date": PURCHASE_DATE.isoformat(),
        "pack_expires_on": (PURCHASE_DATE + timedelta(days=365)).isoformat(),
        "objective": "expected_cost",
        "residual_demand": _quantiles(residual),
        "last_year_consumption_tokens": last_year,
        "existing_packs_expected_waste_tokens": 0.0,
        "forecast_id": "fc_0001",
        "alternatives": options,
    }
    totals = [
        {"days": days, "mean": float(paths[:, :days].sum(axis=1).mean()),
         **_quantiles(paths[:, :days].sum(axis=1))}
        for days in (30, 90, 365) if days <= paths.shape[1]
    ]  # fmt: skip
    expires = PURCHASE_DATE + timedelta(days=EXISTING_EXPIRES_AFTER_DAYS)
    return {
        "document": {
            "title": "Token purchase recommendation",
            "organization": "Example Engineering <Ltd> & Co",
            "created_at": "2025-01-01T09:30:00Z",
        },
        "decision": decision,
        "forecast": {
            "model": "damped_ets",
            "candidates": [
                {"model": name, "scores": {"total_mape_90": mape, "coverage_80": coverage}}
                for name, mape, coverage in (
                    ("seasonal_naive", 0.142, 0.61),
                    ("damped_ets", 0.071, 0.79),
                    ("sarimax", 0.093, 0.74),
                )
            ],
            "totals": totals,
            "warnings": ["History covers one year only: yearly seasonality is not modelled."],
        },
        "data": {
            "rows": 41_873,
            "first_day": (PURCHASE_DATE - timedelta(days=history_days)).isoformat(),
            "last_day": (PURCHASE_DATE - timedelta(days=1)).isoformat(),
            "products": 4,
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
                "unit_price": "2.70",
            }
        ],
    }
