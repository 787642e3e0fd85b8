"""Forecast requests and replies."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from app.schemas.common import Day, StrictModel


class ForecastCreate(StrictModel):
    horizon_days: int = Field(default=365, ge=1, description="Days to forecast after the history.")
    as_of: Day | None = Field(
        default=None, description="Use only usage up to and including this day. Default: all."
    )
    model: str = Field(
        default="auto",
        description='"auto" (chosen by rolling-origin backtest) or a model name: '
        '"seasonal_naive", "damped_ets".',
    )
    seed: int | None = Field(
        default=None,
        ge=0,
        le=2**63 - 1,
        description="Random seed, recorded with the result. Default: derived from the history, "
        "horizon and model, so the same question on the same data gives the same answer.",
    )
    n_paths: int | None = Field(
        default=None,
        ge=100,
        description="Sample paths to simulate. Default: the service's setting "
        "(TOKENCAST_FORECAST_PATHS); at most TOKENCAST_MAX_FORECAST_PATHS.",
    )


class CandidateRead(BaseModel):
    model: str
    scores: dict[str, float] = Field(
        description="total_error_<h>d: mean absolute % error of the h-day total (fraction); "
        "coverage80_<h>d: share of realised totals inside the 80 % interval; score: lower wins."
    )
    n_origins: int
    failed: bool = False
    message: str = ""


class DailyForecastRead(BaseModel):
    date: date
    mean: float
    p10: float
    p50: float
    p90: float


class TotalForecastRead(BaseModel):
    days: int
    mean: float
    p10: float
    p50: float
    p90: float


class ChangeEffectRead(BaseModel):
    change_id: str
    label: str
    kind: str
    mean_total_delta_tokens: float = Field(
        description="Mean over the paths of what the change adds (negative: removes) over the "
        "whole horizon, in tokens."
    )
    p10: float
    p50: float
    p90: float


class HistoryRead(BaseModel):
    first_day: date
    last_day: date
    days: int
    total_tokens: float


class ForecastRead(BaseModel):
    id: uuid.UUID
    created_at: datetime
    as_of: date
    first_day: date
    horizon_days: int
    model: str
    seed: int
    n_paths: int
    history: HistoryRead
    candidates: list[CandidateRead]
    daily: list[DailyForecastRead]
    totals: list[TotalForecastRead] = Field(
        description="Horizon totals with the known changes applied (what recommendations use)."
    )
    baseline_totals: list[TotalForecastRead] = Field(
        description="The same totals before the known changes."
    )
    changes: list[ChangeEffectRead] = Field(description="Each known change's effect.")
    warnings: list[str]
    model_requested: str | None = Field(
        default=None, description='The model asked for ("auto": chosen on backtests).'
    )
    country: str | None = Field(
        default=None, description="Whose public holidays the forecast knew (ISO 3166 alpha-2)."
    )
