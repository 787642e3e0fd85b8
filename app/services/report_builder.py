"""Gather every fact of a recommendation into the Report the renderers take."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import numpy as np
import numpy.typing as npt

from app.db.tables import Forecast
from app.documents.report import ForecastFan, Report
from models.decision.types import Decision, Pack, PriceBook
from models.series import DailySeries

CONSUMPTION_ORDER = (
    "The pack that expires first is used first; on equal expiry, the smaller pack first. "
    "Existing packs all expire before a new one, so they serve demand first."
)
LIBRARIES = ("tokencast", "numpy", "scipy", "statsmodels", "pandas")


def library_versions() -> dict[str, str]:
    out = {}
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
) -> Report:
    fb = forecast_row.body
    facts: dict[str, Any] = {
        "document": {
            "title": f"Token purchase recommendation for {decision.purchase_date.isoformat()}",
            "organization": org_name,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
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
        },
        "data": data_facts,
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
            "model": fb["model"],
            "versions": library_versions(),
            "requested_by_key": key_name,
        },
    }
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
    )
