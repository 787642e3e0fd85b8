"""What the benchmark compares: every registered model, the automatic choice, and Prophet with
its default settings as an outside baseline."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from bench.accuracy.evaluate import Candidate, FloatArray, RunFn
from models.forecasting import MODELS, forecast
from models.series import DailySeries

AUTO = "auto"
PROPHET_DEFAULT = "prophet_default"


def registered_model(name: str) -> RunFn:
    """The service's forecast with the model named: `forecast(model=name)`, which also
        backtests that model to report its score (so the time is what a caller waits for). With the
        same seed, `auto`'s paths are those of the single model it chose (its ensemble has its own
    members). If the model fails, the service
        falls back to seasonal_naive; the result says which model produced the paths."""

    def run(history: DailySeries, horizon: int, n_paths: int, seed: int) -> tuple[FloatArray, str]:
        result = forecast(history, horizon, n_paths=n_paths, seed=seed, model=name)
        return result.paths_tokens_per_day, result.model

    return run


def automatic(
    history: DailySeries, horizon: int, n_paths: int, seed: int
) -> tuple[FloatArray, str]:
    """The service's automatic choice: `forecast(model="auto")`, its backtests included."""
    result = forecast(history, horizon, n_paths=n_paths, seed=seed, model=AUTO)
    return result.paths_tokens_per_day, result.model


def _quiet_prophet() -> Any:
    # Prophet logs an error on import when plotly is missing (it is not needed here), resets its
    # own logger to INFO on import, and cmdstanpy logs every fit: silence all three, after import.
    logging.getLogger("prophet.plot").disabled = True
    from prophet import Prophet

    for name in ("prophet", "cmdstanpy"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("cmdstanpy").disabled = True
    return Prophet


def default_prophet(
    history: DailySeries, horizon: int, n_paths: int, seed: int
) -> tuple[FloatArray, str]:
    """`prophet.Prophet()` with its defaults except `uncertainty_samples=n_paths` (the default is
    1000): MAP fit, seasonalities on Prophet's own 'auto' rules, no holidays; paths are its
    predictive samples (trend changes and noise per sample), clipped at 0 like every model here.

    Prophet draws from numpy's global random state, so that state is seeded with `seed`.
    """
    prophet_cls = _quiet_prophet()
    frame = pd.DataFrame({"ds": pd.to_datetime(history.dates()), "y": history.tokens_per_day})
    model = prophet_cls(uncertainty_samples=n_paths)
    model.fit(frame)
    future = model.make_future_dataframe(periods=horizon, include_history=False)
    np.random.seed(seed % 2**32)
    samples = np.asarray(model.predictive_samples(future)["yhat"], dtype=np.float64)
    return np.maximum(samples.T, 0.0), PROPHET_DEFAULT


def all_candidates(models: tuple[str, ...] | None = None) -> list[Candidate]:
    """Registered models (all, or those named) in registry order, then auto and the baseline."""
    names = [name for name in MODELS if models is None or name in models]
    out = [Candidate(name, registered_model(name)) for name in names]
    out.append(Candidate(AUTO, automatic))
    out.append(Candidate(PROPHET_DEFAULT, default_prophet))
    return out
