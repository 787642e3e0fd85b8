"""Damped-trend exponential smoothing with a weekly season, as a state-space model (ETS(A,Ad,A)),
fitted to the square roots of daily tokens.

Reference: Hyndman, Koehler, Ord & Snyder, Forecasting with Exponential Smoothing: The State
Space Approach (2008), ch. 2-6; statsmodels' `ETSModel` does the fitting and the simulation.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from threadpoolctl import threadpool_limits

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

# Two full weeks to see the season once more than its own initial states, plus one to estimate
# the smoothing parameters from.
MIN_HISTORY_DAYS = 21
# ETS is a local model: older data barely moves its states but costs fitting time.
MAX_FIT_DAYS = 2 * 365


class DampedETS:
    """ETS with additive errors, additive damped trend and an additive weekly season, on the
    square-root scale (`paths.to_root_scale`), so the implied errors of daily tokens grow with
    the level, as they do for counts.

    `simulate` draws state-space sample paths anchored at the end of the history, so a path's
    level and trend shocks carry over to every later day. Weekdays that were (almost) closed in
    the recent weeks are held at their recent mean. Any failure to fit raises a domain error so
    the selector can fall back; statsmodels' convergence warnings are silenced, never printed.
    """

    name: str = "damped_ets"

    def __init__(self) -> None:
        self._result: Any = None
        self._dormant: tuple[BoolArray, FloatArray] | None = None

    def fit(self, history: DailySeries) -> None:
        self._fit(history, start_params=None)

    def warm_fitted(self, history: DailySeries) -> DampedETS:
        """A new model fitted on `history`, its optimizer started from this model's parameters
        (the backtests refit at every origin this way, several times faster than from scratch)."""
        model = DampedETS()
        model._fit(history, start_params=self._fitted().params)
        return model

    def _fit(self, history: DailySeries, start_params: FloatArray | None) -> None:
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
                # A Series, not an array: statsmodels' ETS get_prediction needs an index.
                model = ETSModel(
                    pd.Series(to_root_scale(y)),
                    error="add",
                    trend="add",
                    damped_trend=True,
                    seasonal="add",
                    seasonal_periods=7,
                )
                result = model.fit(start_params=start_params, disp=False)
        except Exception as exc:  # statsmodels raises ValueError, LinAlgError, ... on bad data
            raise InvalidInputError(f"damped_ets could not be fitted: {exc}") from exc
        if not (np.isfinite(result.params).all() and np.isfinite(result.scale)):
            raise InvalidInputError("damped_ets could not be fitted: non-finite parameters")
        self._result = result
        self._dormant = dormant_weekdays(y)

    def predict(self, horizon_days: int) -> FloatArray:
        """Mean tokens per day for the next `horizon_days` days, shape (horizon_days,).

        The mean of a squared Gaussian root is root_mean^2 + root_variance, so the point
        forecast adds the forecast variance of the root back instead of squaring the root mean.
        """
        result = self._fitted()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            end = result.nobs + horizon_days - 1
            prediction = result.get_prediction(start=result.nobs, end=end)
            root_mean = np.asarray(prediction.predicted_mean, dtype=np.float64)
            root_var = np.asarray(prediction.var_pred_mean, dtype=np.float64)
        mean = np.square(np.maximum(root_mean, 0.0)) + root_var
        point: FloatArray = self._finish(mean.reshape(1, horizon_days))[0]
        return point

    def simulate(self, horizon_days: int, n_paths: int, rng: np.random.Generator) -> FloatArray:
        """Joint sample paths of tokens per day, shape (n_paths, horizon_days), never negative.

        Errors on the root scale are Gaussian with the fitted variance, drawn from `rng`.
        """
        result = self._fitted()
        errors = rng.standard_normal((horizon_days, n_paths)) * np.sqrt(result.scale)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sims = result.simulate(
                horizon_days, anchor="end", repetitions=n_paths, random_errors=errors
            )
        roots = np.asarray(sims, dtype=np.float64).reshape(horizon_days, n_paths).T
        return self._finish(from_root_scale(roots))

    def _finish(self, paths: FloatArray) -> FloatArray:
        assert self._dormant is not None
        return hold_dormant(paths, self._dormant, self.name)

    def _fitted(self) -> Any:
        if self._result is None:
            raise RuntimeError("damped_ets must be fitted before it can forecast")
        return self._result
