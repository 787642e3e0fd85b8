"""Every forecaster the selector may try, by name. A model object is made fresh for every fit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from models.errors import InvalidInputError
from models.forecasting.base import Forecaster
from models.forecasting.ensemble import Ensemble
from models.forecasting.ets import DampedETS
from models.forecasting.prophet_model import ProphetModel
from models.forecasting.sarimax import Sarimax
from models.forecasting.seasonal_naive import SeasonalNaive

# The members of the ensemble a caller asks for by name (the two cheap state-space models); the
# automatic choice instead combines every model it could backtest.
DEFAULT_ENSEMBLE = (DampedETS.name, Sarimax.name)


def _default_ensemble() -> Forecaster:
    return make_ensemble(DEFAULT_ENSEMBLE)


# Insertion order is the order candidates are tried and reported in.
MODELS: dict[str, Callable[[], Forecaster]] = {
    SeasonalNaive.name: SeasonalNaive,
    DampedETS.name: DampedETS,
    Sarimax.name: Sarimax,
    ProphetModel.name: ProphetModel,
    Ensemble.name: _default_ensemble,
}

# Models that take the organization's country (for public holidays).
_LOCALISED: dict[str, Callable[[str], Forecaster]] = {
    ProphetModel.name: lambda country: ProphetModel(country=country),
}

# The model that takes over when selection has nothing better or the chosen model fails.
FALLBACK_MODEL = SeasonalNaive.name
ENSEMBLE_MODEL = Ensemble.name


def make_model(name: str, country: str | None = None) -> Forecaster:
    """A new, unfitted forecaster registered under `name`, using `country`'s public holidays
    where the model knows about holidays (an ISO 3166 code such as "US"; None for none).

    Raises InvalidInputError naming the valid models when `name` is not registered.
    """
    factory = MODELS.get(name)
    if factory is None:
        valid = ", ".join(sorted(MODELS))
        raise InvalidInputError(f"unknown forecasting model {name!r}; valid models: {valid}")
    if country is not None and name in _LOCALISED:
        return _LOCALISED[name](country)
    return factory()


def make_ensemble(names: Sequence[str], country: str | None = None) -> Ensemble:
    """An unfitted ensemble of the registered models `names` (at least two)."""
    return Ensemble([partial(make_model, name, country) for name in names])
