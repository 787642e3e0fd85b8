"""The report object: every fact a document shows, built by the services, rendered here.

Renderers (HTML, JSON, and PDF from the HTML) take a Report and return bytes. They never touch
the database.
`facts` is the JSON-ready dictionary (money as decimal strings, dates as ISO strings) that the JSON
rendering serializes as it is and the HTML rendering shows; the arrays are only for the charts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ForecastFan:
    """Daily forecast quantiles for the fan chart; every array has shape (horizon_days,)."""

    first_day: date
    mean: FloatArray
    p10: FloatArray
    p50: FloatArray
    p90: FloatArray


@dataclass(frozen=True)
class Report:
    """Everything one recommendation document says.

    - `facts`: JSON-ready dict with keys "document" (id-free header: organization, created_at,
      title), "decision" (the recommendation reply, alternatives included), "forecast" (model,
      candidates with scores, totals, warnings), "data" (rows, date range, sources, products),
      "assumptions" (price book, validity, consumption order, objective, paths, seed),
      "packs" (existing packs).
    - `history_start`/`history_tokens_per_day`: the daily history, shape (n_days,).
    - `fan`: the forecast's daily quantiles.
    - `curve_quantities`/`curve_expected_cost`: the cost-versus-quantity curve, shape (k,),
      with `tier_breaks` (token quantities), `chosen_quantity` and `last_year_quantity` (the
      purchase that repeats last year's consumption, None without a year of history) marked.

    The usage section's and the total's distribution charts are drawn from `facts` alone.
    """

    facts: dict[str, Any]
    history_start: date
    history_tokens_per_day: FloatArray
    fan: ForecastFan
    curve_quantities: npt.NDArray[np.int64]
    curve_expected_cost: FloatArray
    tier_breaks: tuple[int, ...]
    chosen_quantity: int
    currency: str
    last_year_quantity: int | None = None

    @property
    def history_days(self) -> int:
        return int(np.asarray(self.history_tokens_per_day).shape[0])
