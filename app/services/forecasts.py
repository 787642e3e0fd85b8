"""Forecasts: history -> models/ -> stored paths and summary."""

from __future__ import annotations

import hashlib
import io
import json
import math
import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from app.db.tables import Forecast
from app.errors import NotFoundError, UnprocessableError
from app.observability.metrics import FORECAST_SECONDS
from app.services import changes as change_svc
from app.services.keys import now
from app.services.organizations import organization_country
from app.services.usage import history_series
from models.changes import Change, UserProfiles, apply_changes
from models.forecasting import MODELS, forecast
from models.forecasting.base import BacktestScore, ForecastResult
from models.series import DailySeries

TOTAL_HORIZONS = (30, 90, 365)
CHANGES_STREAM = 1


@dataclass(frozen=True)
class ForecastRun:
    """A stored forecast row with its history and paths, for services that build on it."""

    row: Forecast
    history: DailySeries
    paths: npt.NDArray[np.float64]


def derived_seed(history: DailySeries, horizon_days: int, model: str) -> int:
    """The default seed: a hash of what the forecast is made from, so the same data asked the
    same question gives the same paths (and the same recommendation); recorded either way."""
    digest = hashlib.sha256()
    digest.update(f"{history.start.isoformat()}|{horizon_days}|{model}|".encode())
    digest.update(np.round(history.tokens_per_day, 3).tobytes())
    return int.from_bytes(digest.digest()[:8], "big") >> 1


def create_forecast(
    session: Session,
    *,
    organization_id: uuid.UUID,
    horizon_days: int,
    as_of: date | None,
    model: str,
    n_paths: int,
    seed: int | None,
    history: DailySeries | None = None,
) -> ForecastRun:
    """Forecast from the stored usage and known changes, and store the forecast.

    `history`, when the caller already read it for the same `as_of`, saves reading it again.
    """
    if history is None:
        history = history_series(session, organization_id, as_of=as_of)
    run = build_forecast(
        organization_id=organization_id,
        history=history,
        horizon_days=horizon_days,
        as_of=as_of,
        model=model,
        n_paths=n_paths,
        seed=seed,
        changes=change_svc.load_core_changes(session, organization_id),
        profiles=lambda: change_svc.user_profiles(session, organization_id, history.end),
        country=organization_country(session, organization_id),
    )
    session.add(run.row)
    session.flush()
    return run


def build_forecast(
    *,
    organization_id: uuid.UUID,
    history: DailySeries,
    horizon_days: int,
    as_of: date | None,
    model: str,
    n_paths: int,
    seed: int | None,
    changes: Sequence[Change],
    profiles: Callable[[], UserProfiles],
    country: str | None = None,
) -> ForecastRun:
    """The forecast of a history, adjusted by known changes; the row is not stored."""
    if model != "auto" and model not in MODELS:
        raise UnprocessableError(f"model: unknown '{model}'; use 'auto' or one of {sorted(MODELS)}")
    seed = derived_seed(history, horizon_days, model) if seed is None else seed
    with FORECAST_SECONDS.labels(model).time():
        result = forecast(
            history, horizon_days, n_paths=n_paths, seed=seed, model=model, country=country
        )
    warnings = list(result.warnings)
    if as_of is not None and as_of > history.end:
        warnings.append(
            f"The usage data ends on {history.end.isoformat()}, before as_of "
            f"{as_of.isoformat()}; the forecast starts on {result.first_day.isoformat()}."
        )
    scenario = with_known_changes(result, seed, changes, profiles)
    warnings.extend(scenario.warnings)
    row = Forecast(
        id=uuid.uuid4(),
        organization_id=organization_id,
        created_at=now(),
        as_of=as_of or history.end,
        first_day=result.first_day,
        horizon_days=result.horizon_days,
        model=result.model,
        seed=seed,
        n_paths=result.n_paths,
        body={},
        paths=pack_paths(scenario.paths),
        etag="",
    )
    # What was asked, beside what came out: enough to make the same forecast again.
    asked = {"model_requested": model, "country": country}
    row.body = summarize(row, history, result, scenario, warnings) | asked
    row.etag = hashlib.sha256(json.dumps(row.body, sort_keys=True).encode()).hexdigest()
    # Everything priced from this run uses the paths as stored (float32), so a recommendation on a
    # new forecast, one on a stored forecast and a reproduction price exactly the same numbers.
    return ForecastRun(row, history, stored_precision(scenario.paths))


@dataclass(frozen=True)
class Scenario:
    """The baseline paths adjusted by the organization's known changes, with their effects."""

    paths: npt.NDArray[np.float64]
    effects: list[dict[str, Any]]
    warnings: tuple[str, ...]


def with_known_changes(
    result: ForecastResult,
    seed: int,
    changes: Sequence[Change],
    profiles: Callable[[], UserProfiles],
) -> Scenario:
    if not changes:
        return Scenario(result.paths_tokens_per_day, [], ())
    # A stream of its own, derived from the forecast's seed: the baseline paths stay the same
    # whether or not changes are applied, so their effect can be read off directly.
    rng = np.random.default_rng([seed, CHANGES_STREAM])
    changed = apply_changes(result.paths_tokens_per_day, result.first_day, changes, profiles(), rng)
    effects = [
        {
            "change_id": e.change_id,
            "label": e.label,
            "kind": e.kind,
            "mean_total_delta_tokens": _r(e.mean_total_delta_tokens),
            "p10": _r(e.p10_total_delta_tokens),
            "p50": _r(e.p50_total_delta_tokens),
            "p90": _r(e.p90_total_delta_tokens),
        }
        for e in changed.effects
    ]
    return Scenario(changed.adjusted_paths, effects, changed.warnings)


def summarize(
    row: Forecast,
    history: DailySeries,
    result: ForecastResult,
    scenario: Scenario,
    warnings: list[str],
) -> dict[str, Any]:
    """The stored reply body (JSON-ready, every number finite)."""
    paths = scenario.paths
    q10, q50, q90 = np.quantile(paths, [0.1, 0.5, 0.9], axis=0)
    mean = paths.mean(axis=0)
    daily = [
        {
            "date": (result.first_day + timedelta(days=j)).isoformat(),
            "mean": _r(mean[j]),
            "p10": _r(q10[j]),
            "p50": _r(q50[j]),
            "p90": _r(q90[j]),
        }
        for j in range(result.horizon_days)
    ]
    return {
        "id": str(row.id),
        "created_at": row.created_at.isoformat(),
        "as_of": row.as_of.isoformat(),
        "first_day": result.first_day.isoformat(),
        "horizon_days": result.horizon_days,
        "model": result.model,
        "seed": row.seed,
        "n_paths": result.n_paths,
        "history": {
            "first_day": history.start.isoformat(),
            "last_day": history.end.isoformat(),
            "days": history.n_days,
            "total_tokens": _r(float(history.tokens_per_day.sum())),
        },
        "candidates": [candidate(c) for c in result.candidates],
        "daily": daily,
        "totals": horizon_totals(paths),
        "baseline_totals": horizon_totals(result.paths_tokens_per_day),
        "changes": scenario.effects,
        "warnings": warnings,
    }


def horizon_totals(paths: npt.NDArray[np.float64]) -> list[dict[str, Any]]:
    horizon = paths.shape[1]
    spans = [h for h in TOTAL_HORIZONS if h <= horizon]
    if horizon not in spans:
        spans.append(horizon)
    out = []
    for days in spans:
        totals = paths[:, :days].sum(axis=1)
        p10, p50, p90 = np.quantile(totals, [0.1, 0.5, 0.9])
        out.append(
            {
                "days": days,
                "mean": _r(totals.mean()),
                "p10": _r(p10),
                "p50": _r(p50),
                "p90": _r(p90),
            }
        )
    return out


def candidate(score: BacktestScore) -> dict[str, Any]:
    scores: dict[str, float] = {}
    for h, err in sorted(score.total_errors.items()):
        scores[f"total_error_{h}d"] = _r(err, 4)
    for h, cov in sorted(score.coverage_80.items()):
        scores[f"coverage80_{h}d"] = _r(cov, 4)
    if math.isfinite(score.score):
        scores["score"] = _r(score.score, 4)
    scores = {k: v for k, v in scores.items() if math.isfinite(v)}
    return {
        "model": score.model,
        "scores": scores,
        "n_origins": score.n_origins,
        "failed": score.failed,
        "message": score.message,
    }


def _r(value: float, digits: int = 2) -> float:
    v = float(value)
    return round(v, digits) if math.isfinite(v) else 0.0


def stored_precision(paths: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """`paths` rounded as `pack_paths` stores them: `unpack_paths(pack_paths(p))` equals this."""
    return np.asarray(paths.astype(np.float32), dtype=np.float64)


def pack_paths(paths: npt.NDArray[np.float64]) -> bytes:
    buf = io.BytesIO()
    np.save(buf, paths.astype(np.float32), allow_pickle=False)
    return zlib.compress(buf.getvalue(), 6)


def unpack_paths(blob: bytes) -> npt.NDArray[np.float64]:
    arr = np.load(io.BytesIO(zlib.decompress(blob)), allow_pickle=False)
    return np.asarray(arr, dtype=np.float64)


def get_forecast(session: Session, organization_id: uuid.UUID, forecast_id: uuid.UUID) -> Forecast:
    row = session.get(Forecast, forecast_id)
    if row is None or row.organization_id != organization_id:
        raise NotFoundError(f"forecast {forecast_id} not found")
    return row
