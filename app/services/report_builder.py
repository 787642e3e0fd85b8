"""Gather every fact of a recommendation into the Report the renderers take."""

from __future__ import annotations

import platform
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from importlib import metadata
from typing import Any

import numpy as np
import numpy.typing as npt

from app.db.tables import Forecast
from app.documents.report import ForecastFan, Report
from models.decision import residual_demand
from models.decision.cover import days_of_cover
from models.decision.types import Decision, Pack, PriceBook
from models.series import DailySeries

CONSUMPTION_ORDER = (
    "The pack that expires first is used first; on equal expiry, the smaller pack first. "
    "Existing packs all expire before a new one, so they serve demand first."
)
LIBRARIES = ("tokencast", "numpy", "scipy", "statsmodels", "pandas", "prophet", "cmdstanpy",
             "holidays")  # fmt: skip
DISTRIBUTION_BINS = 30
LAST_YEAR_LABEL = "last year's consumption"


def library_versions() -> dict[str, str]:
    """The versions of everything that shapes the numbers (the forecast and the decision)."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "unknown"
    return out


def build_report(
    *,
    org_name: str,
    key_name: str,
    recommendation_id: uuid.UUID,
    decision: Decision,
    body: dict[str, Any],
    forecast_row: Forecast,
    history: DailySeries,
    paths: npt.NDArray[np.float64],
    packs: list[Pack],
    price_book: PriceBook,
    price_book_facts: dict[str, Any],
    inputs_sha256: str,
    data_facts: dict[str, Any],
    usage_facts: dict[str, Any],
    created_at: datetime,
    sections: dict[str, Any] | None = None,
) -> Report:
    fb = forecast_row.body
    facts: dict[str, Any] = {
        "document": {
            "title": f"Token purchase recommendation for {decision.purchase_date.isoformat()}",
            "organization": org_name,
            "created_at": created_at.isoformat(timespec="seconds"),
            "recommendation_id": str(recommendation_id),
        },
        "decision": body,
        "forecast": {
            "id": str(forecast_row.id),
            "model": fb["model"],
            "first_day": fb["first_day"],
            "horizon_days": fb["horizon_days"],
            "candidates": fb["candidates"],
            "totals": fb["totals"],
            "baseline_totals": fb.get("baseline_totals", fb["totals"]),
            "changes": fb.get("changes", []),
            "warnings": fb["warnings"],
            "total_distribution": total_distribution(paths),
        },
        "data": data_facts,
        "usage": usage_facts,
        "assumptions": {
            "price_book": price_book_facts,
            "consumption_order": CONSUMPTION_ORDER,
            "objective": decision.objective.value,
            "n_paths": decision.n_paths,
            "seed": forecast_row.seed,
        },
        "packs": [
            {
                "purchased_on": p.purchased_on.isoformat(),
                "tokens": p.tokens,
                "remaining_tokens": round(p.remaining_tokens, 2),
                "expires_on": p.expires_on.isoformat(),
            }
            for p in packs
        ],
        "reproducibility": {
            "inputs_sha256": inputs_sha256,
            "seed": forecast_row.seed,
            "n_paths": forecast_row.n_paths,
            "model": fb["model"],
            "model_requested": fb.get("model_requested"),
            "country": fb.get("country"),
            "forecast_as_of": forecast_row.as_of.isoformat(),
            "versions": library_versions(),
            "requested_by_key": key_name,
        },
    }
    if sections is not None:  # a stored recommendation's usage insights and hybrid purchase
        facts["insights"] = sections["insights"]
        facts["hybrid"] = sections["hybrid"]
    q10, q50, q90 = np.quantile(paths, [0.1, 0.5, 0.9], axis=0)
    return Report(
        facts=facts,
        history_start=history.start,
        history_tokens_per_day=history.tokens_per_day,
        fan=ForecastFan(forecast_row.first_day, paths.mean(axis=0), q10, q50, q90),
        curve_quantities=decision.curve.quantities,
        curve_expected_cost=decision.curve.expected_cost,
        tier_breaks=decision.curve.tier_breaks,
        chosen_quantity=decision.chosen.quantity,
        currency=price_book.currency,
        last_year_quantity=last_year_quantity(decision),
    )


def last_year_quantity(decision: Decision) -> int | None:
    """The purchase that repeats last year's consumption, if the decision priced one."""
    for option in (decision.chosen, *decision.alternatives):
        if LAST_YEAR_LABEL in option.label.split("; "):
            return option.quantity
    return None


def total_distribution(paths: npt.NDArray[np.float64], days: int = 365) -> dict[str, Any]:
    """The histogram and quantiles of the forecast total over the first `days` days (or the whole
    horizon when shorter), one total per simulated path."""
    span = min(days, int(paths.shape[1]))
    totals = paths[:, :span].sum(axis=1)
    counts, edges = np.histogram(totals, bins=DISTRIBUTION_BINS)
    p10, p50, p90 = np.quantile(totals, [0.1, 0.5, 0.9])
    return {
        "days": span,
        "bin_edges": [round(float(e), 1) for e in edges],
        "counts": [int(c) for c in counts],
        "mean": round(float(totals.mean()), 1),
        "p10": round(float(p10), 1),
        "p50": round(float(p50), 1),
        "p90": round(float(p90), 1),
    }


def cover_facts(
    paths: npt.NDArray[np.float64],
    first_day: date,
    packs: Sequence[Pack],
    purchase: date,
    price_book: PriceBook,
    quantity: int,
) -> dict[str, Any]:
    """Days the balance lasts from the purchase date (existing packs used first), over the paths:
    the mean and p10/p50/p90, out of the pack's life."""
    residual = residual_demand(paths, first_day, packs, purchase, price_book.validity_days)
    days = days_of_cover(residual.new_pack_daily, quantity)
    p10, p50, p90 = np.quantile(days, [0.1, 0.5, 0.9], method="inverted_cdf")
    return {
        "mean": round(float(days.mean()), 1),
        "p10": int(p10),
        "p50": int(p50),
        "p90": int(p90),
        "life_days": price_book.validity_days,
    }
