"""Daily-token forecasting: seasonal naive, damped ETS, SARIMA, Prophet and their ensemble, each
with joint sample paths, chosen by rolling-origin backtest on the organization's own history."""

from models.forecasting.registry import MODELS, make_model
from models.forecasting.select import forecast

__all__ = ["MODELS", "forecast", "make_model"]
