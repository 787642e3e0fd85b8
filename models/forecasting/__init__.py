"""Daily-token forecasting: seasonal naive and damped ETS, chosen by backtest on the history."""

from models.forecasting.registry import MODELS, make_model
from models.forecasting.select import forecast

__all__ = ["MODELS", "forecast", "make_model"]
