"""The one protocol every forecaster satisfies, and the boundary types of a forecast."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

import numpy as np
import numpy.typing as npt

from models.series import DailySeries

FloatArray = npt.NDArray[np.float64]


class Forecaster(Protocol):
    """A daily-token forecaster. A fresh object is made for every fit (see the registry).

    `fit` learns from a history; `predict` returns the mean daily tokens for the next
    `horizon_days` days, shape (horizon_days,); `simulate` returns joint sample paths of daily
    tokens, shape (n_paths, horizon_days), never negative, keeping day-to-day dependence (a path's
    level and trend persist), drawn only from `rng`.
    """

    name: str

    def fit(self, history: DailySeries) -> None: ...

    def predict(self, horizon_days: int) -> FloatArray: ...

    def simulate(self, horizon_days: int, n_paths: int, rng: np.random.Generator) -> FloatArray: ...


@dataclass(frozen=True)
class BacktestScore:
    """How one model did on rolling-origin backtests of one history.

    `total_errors` maps a horizon in days (30, 90, 365) to the mean absolute percentage error of
    that horizon's total tokens over the origins (a fraction, 0.12 = 12 %); `coverage_80` maps the
    same horizons to the share of origins whose realised total fell inside the model's 10-90 %
    path interval. `score` is the single number selection minimizes (lower is better).
    """

    model: str
    n_origins: int
    total_errors: dict[int, float]
    coverage_80: dict[int, float]
    score: float
    failed: bool = False
    message: str = ""


@dataclass(frozen=True)
class ForecastResult:
    """A forecast: sample paths of daily tokens from the day after `history_end`.

    `paths_tokens_per_day` has shape (n_paths, horizon_days); day j of every path is
    `first_day + j days`. `candidates` holds the backtest score of every model tried (the chosen
    one included); `warnings` are plain sentences for the caller and the document.
    """

    model: str
    first_day: date
    paths_tokens_per_day: FloatArray
    seed: int
    candidates: tuple[BacktestScore, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def horizon_days(self) -> int:
        return int(self.paths_tokens_per_day.shape[1])

    @property
    def n_paths(self) -> int:
        return int(self.paths_tokens_per_day.shape[0])
