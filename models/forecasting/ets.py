"""Damped-trend exponential smoothing with a weekly season, as a state-space model (ETS(A,Ad,A)).

Reference: Hyndman, Koehler, Ord & Snyder, Forecasting with Exponential Smoothing: The State
Space Approach (2008), ch. 2-6; statsmodels' `ETSModel` does the fitting and the simulation.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from threadpoolctl import threadpool_limits

from models.errors import InsufficientHistoryError, InvalidInputError
from models.forecasting.paths import BoolArray, FloatArray, dormant_weekdays
from models.series import DailySeries

# Two full weeks to see the season once more than its own initial states, plus one to estimate
# the smoothing parameters from.
MIN_HISTORY_DAYS = 21
# ETS is a local model: older data barely moves its states but costs fitting time.
MAX_FIT_DAYS = 3 * 365


class DampedETS:
    """ETS with additive errors, additive damped trend and an additive weekly season.

    `simulate` draws state-space sample paths anchored at the end of the history, so a path's
    level and trend shocks carry over to every later day. Weekdays that were (almost) closed in
    the recent weeks are held at their recent mean: additive errors would otherwise spread the
    weekday noise onto them. Any failure to fit raises a domain error so the selector can fall
    back; statsmodels' convergence warnings are silenced, never printed.
    """

    name: str = "damped_ets"

    def __init__(self) -> None:
        self._result: Any = None
        self._dormant: BoolArray | None = None
        self._dormant_level: FloatArray | None = None

    def fit(self, history: DailySeries) -> None:
        y = history.tokens_per_day[-MAX_FIT_DAYS:]
        if y.shape[0] < MIN_HISTORY_DAYS:
            raise InsufficientHistoryError(
                f"damped_ets needs at least {MIN_HISTORY_DAYS} days of history, got {y.shape[0]}"
            )
        try:
            # OpenBLAS threads only contend on these small problems: on a busy 2-core machine a
            # fit took 3-4 times longer with them than on one thread.
            with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
                warnings.simplefilter("ignore")
                model = ETSModel(
                    y,
                    error="add",
                    trend="add",
                    damped_trend=True,
                    seasonal="add",
                    seasonal_periods=7,
                )
                result = model.fit(disp=False)
        except Exception as exc:  # statsmodels raises ValueError, LinAlgError, ... on bad data
            raise InvalidInputError(f"damped_ets could not be fitted: {exc}") from exc
        if not (np.isfinite(result.params).all() and np.isfinite(result.scale)):
            raise InvalidInputError("damped_ets could not be fitted: non-finite parameters")
        self._result = result
        self._dormant, self._dormant_level = dormant_weekdays(y)

    def predict(self, horizon_days: int) -> FloatArray:
        """Mean tokens per day for the next `horizon_days` days, shape (horizon_days,)."""
        result = self._fitted()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mean = np.asarray(result.forecast(horizon_days), dtype=np.float64)
        point: FloatArray = self._finish(mean.reshape(1, horizon_days))[0]
        return point

    def simulate(self, horizon_days: int, n_paths: int, rng: np.random.Generator) -> FloatArray:
        """Joint sample paths of tokens per day, shape (n_paths, horizon_days), never negative.

        Errors are Gaussian with the fitted variance, drawn from `rng`.
        """
        result = self._fitted()
        errors = rng.standard_normal((horizon_days, n_paths)) * np.sqrt(result.scale)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sims = result.simulate(
                horizon_days, anchor="end", repetitions=n_paths, random_errors=errors
            )
        paths = np.asarray(sims, dtype=np.float64).reshape(horizon_days, n_paths).T
        return self._finish(paths)

    def _finish(self, paths: FloatArray) -> FloatArray:
        """Hold dormant weekdays at their level, clip at 0, and refuse non-finite output."""
        assert self._dormant is not None and self._dormant_level is not None
        weekday = np.arange(paths.shape[1]) % 7
        dormant = self._dormant[weekday]
        out = paths.copy()
        out[:, dormant] = self._dormant_level[weekday][dormant]
        if not np.isfinite(out).all():
            raise InvalidInputError("damped_ets produced non-finite forecasts for this history")
        return np.maximum(out, 0.0)

    def _fitted(self) -> Any:
        if self._result is None:
            raise RuntimeError("damped_ets must be fitted before it can forecast")
        return self._result
