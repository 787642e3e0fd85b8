"""Prophet on the square roots of daily tokens, with sample paths drawn from our own generator.

Reference: Taylor & Letham (2018), "Forecasting at scale", The American Statistician 72(1);
the trend-uncertainty simulation below is Prophet's own (`_sample_uncertainty`), rewritten to
draw from the numpy Generator passed in instead of numpy's global state. Prophet's `ds`/`y`
frames never leave this module.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from models.errors import InsufficientHistoryError, InvalidInputError
from models.forecasting.paths import (
    BoolArray,
    FloatArray,
    dormant_weekdays,
    from_root_scale,
    hold_dormant,
    to_root_scale,
)
from models.series import DailySeries

MIN_HISTORY_DAYS = 28
# Prophet's yearly Fourier terms are only identified once every day of the year was seen twice.
YEARLY_MIN_DAYS = 730
# The residual autoregression carried into the paths: lags in days, and a cap on the
# coefficients so a shock always fades.
LAGS = (1, 7)
MAX_RESIDUAL_AR = 0.98
_QUIET_LOGGERS = ("cmdstanpy", "prophet", "prophet.plot", "prophet.models")


@dataclass(frozen=True)
class ResidualAR:
    """r_t = sum_k coef[k] r_{t - LAGS[k]} + e_t, e ~ N(0, sd^2); `last` the final 7 residuals."""

    coef: FloatArray
    sd: float
    last: FloatArray

    def stationary_variance(self) -> float:
        # Exact for one lag; for two lags with coefficients summing below 1 the same formula on
        # their sum is a close upper bound, good enough for a point forecast's bias term.
        total = float(self.coef.sum())
        return self.sd**2 / (1.0 - total**2)


def check_country(country: str | None) -> None:
    """Raise InvalidInputError unless `country` is None or a code the `holidays` package knows."""
    if country is None:
        return
    import holidays

    if country not in holidays.list_supported_countries():
        raise InvalidInputError(
            f"unknown country {country!r} for public holidays; use an ISO 3166 code like 'US'"
        )


class ProphetModel:
    """Prophet (linear trend, weekly season, yearly season from two years of history, the
    country's public holidays) fitted by MAP on sqrt(tokens).

    Paths are Prophet's mean forecast plus (a) trend changes drawn as Prophet draws them: new
    changepoints as often as in the history, with Laplace-distributed slope changes at the
    history's average size, and (b) an autoregression on lags 1 and 7 fitted to the in-sample
    residuals (`_residual_ar`) and started from the last week of them, so a run of high days
    persists for a while instead of vanishing overnight. Prophet has no stochastic level, so
    its paths know little of how far the level may wander (see the contract test's note); the
    backtest calibration widens them by what its own past misses call for.
    """

    name: str = "prophet"

    def __init__(self, country: str | None = None) -> None:
        check_country(country)
        self._country = country
        self._model: Any = None
        self._last_day: date | None = None
        self._ar: ResidualAR | None = None
        self._dormant: tuple[BoolArray, FloatArray] | None = None

    def fit(self, history: DailySeries) -> None:
        y = history.tokens_per_day
        if y.shape[0] < MIN_HISTORY_DAYS:
            raise InsufficientHistoryError(
                f"prophet needs at least {MIN_HISTORY_DAYS} days of history, got {y.shape[0]}"
            )
        frame = pd.DataFrame({"ds": _days(history.start, y.shape[0]), "y": to_root_scale(y)})
        model = _new_prophet(history, self._country)
        try:
            with _silenced():
                model.fit(frame)
                fitted = model.predict(frame[["ds"]])["yhat"].to_numpy(dtype=np.float64)
        except Exception as exc:  # cmdstan and pandas errors: the selector falls back
            raise InvalidInputError(f"prophet could not be fitted: {exc}") from exc
        self._model = model
        self._last_day = history.end
        self._ar = _residual_ar(frame["y"].to_numpy(dtype=np.float64) - fitted)
        self._dormant = dormant_weekdays(y)

    def predict(self, horizon_days: int) -> FloatArray:
        """Mean tokens per day for the next `horizon_days` days, shape (horizon_days,), from the
        root-scale mean and the stationary residual variance (trend changes average to 0)."""
        root_mean = self._root_mean(horizon_days)
        assert self._ar is not None
        mean = np.square(np.maximum(root_mean, 0.0)) + self._ar.stationary_variance()
        point: FloatArray = self._finish(mean.reshape(1, horizon_days))[0]
        return point

    def simulate(self, horizon_days: int, n_paths: int, rng: np.random.Generator) -> FloatArray:
        """Joint sample paths of tokens per day, shape (n_paths, horizon_days), never negative."""
        root_mean = self._root_mean(horizon_days)
        trend = self._trend_changes(horizon_days, n_paths, rng)
        noise = self._residual_paths(horizon_days, n_paths, rng)
        return self._finish(from_root_scale(root_mean + trend + noise))

    def _root_mean(self, horizon_days: int) -> FloatArray:
        model = self._fitted()
        assert self._last_day is not None
        future = pd.DataFrame({"ds": _days(self._last_day + timedelta(days=1), horizon_days)})
        with _silenced():
            yhat: FloatArray = model.predict(future)["yhat"].to_numpy(dtype=np.float64)
        return yhat

    def _trend_changes(
        self, horizon_days: int, n_paths: int, rng: np.random.Generator
    ) -> FloatArray:
        model = self._fitted()
        # Prophet's time runs from 0 to 1 over the history; each day is dt of it.
        dt = 1.0 / max(1.0, float((model.history["ds"].iloc[-1] - model.start).days))
        n_changepoints = len(model.changepoints_t)
        scale = float(np.mean(np.abs(model.params["delta"][0]))) + 1e-8
        changes = rng.laplace(0.0, scale, (n_paths, horizon_days))
        changes *= rng.random((n_paths, horizon_days)) < n_changepoints * dt
        slope = np.cumsum(changes, axis=1)
        # A slope change on day c moves day j by delta * (j - c) * dt.
        shift: FloatArray = (np.cumsum(slope, axis=1) - slope) * dt * float(model.y_scale)
        return shift

    def _residual_paths(
        self, horizon_days: int, n_paths: int, rng: np.random.Generator
    ) -> FloatArray:
        assert self._ar is not None
        ar = self._ar
        top = LAGS[-1]
        out = np.empty((n_paths, top + horizon_days))
        out[:, :top] = ar.last
        shocks = rng.standard_normal((n_paths, horizon_days)) * ar.sd
        for j in range(horizon_days):
            t = top + j
            out[:, t] = shocks[:, j] + sum(
                c * out[:, t - lag] for c, lag in zip(ar.coef, LAGS, strict=True)
            )
        tail: FloatArray = out[:, top:]
        return tail

    def _finish(self, paths: FloatArray) -> FloatArray:
        assert self._dormant is not None
        return hold_dormant(paths, self._dormant, self.name)

    def _fitted(self) -> Any:
        if self._model is None:
            raise RuntimeError("prophet must be fitted before it can forecast")
        return self._model


def _residual_ar(residuals: FloatArray) -> ResidualAR:
    """An AR model on lags 1 and 7 of the in-sample residuals, fitted by least squares.

    Prophet's season is additive on the root scale while usage tends to scale its weekly
    pattern with its level, so a level that drifted leaves residuals that repeat week after week:
    the lag-7 term carries that into the paths. Coefficients are clipped to [0, 0.98] and their
    sum kept below 0.98, so the process is stationary and every shock fades.
    """
    centred = residuals - residuals.mean()
    if centred.shape[0] <= 2 * LAGS[-1] or not np.any(centred):
        return ResidualAR(np.zeros(len(LAGS)), 0.0, np.zeros(LAGS[-1]))
    top = LAGS[-1]
    design = np.column_stack([centred[top - lag : -lag] for lag in LAGS])
    target = centred[top:]
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    coef = np.clip(coef, 0.0, MAX_RESIDUAL_AR)
    if coef.sum() > MAX_RESIDUAL_AR:
        coef *= MAX_RESIDUAL_AR / coef.sum()
    sd = float(np.std(target - design @ coef))
    return ResidualAR(coef, sd, centred[-top:].copy())


def warm_up() -> None:
    """Import Prophet now (about 0.6 s) so the first forecast a server answers is not slower."""
    _import_prophet()


def _import_prophet() -> Any:
    for name in _QUIET_LOGGERS:
        # Set before the import too: prophet.plot logs an error at import when plotly is absent.
        logging.getLogger(name).setLevel(logging.CRITICAL)
    from prophet import Prophet

    return Prophet


def _new_prophet(history: DailySeries, country: str | None) -> Any:
    Prophet = _import_prophet()

    return Prophet(
        growth="linear",
        yearly_seasonality=history.n_days >= YEARLY_MIN_DAYS,
        weekly_seasonality=True,
        daily_seasonality=False,
        holidays=_holiday_frame(history, country),
        uncertainty_samples=0,
    )


def _holiday_frame(history: DailySeries, country: str | None) -> pd.DataFrame | None:
    if country is None:
        return None
    import holidays

    # Two years past the history: the forecast horizon is at most a few hundred days.
    years = range(history.start.year, history.end.year + 3)
    days = holidays.country_holidays(country, years=years)
    if not days:
        return None
    return pd.DataFrame({"holiday": list(days.values()), "ds": pd.to_datetime(list(days.keys()))})


def _days(first: date, n_days: int) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(first), periods=n_days, freq="D")


@contextlib.contextmanager
def _silenced() -> Any:
    """Swallow anything cmdstanpy or Prophet print during a fit or a prediction."""
    sink = io.StringIO()
    with (
        contextlib.redirect_stdout(sink),
        contextlib.redirect_stderr(sink),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        yield
