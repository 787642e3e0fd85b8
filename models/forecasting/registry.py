"""Every forecaster the selector may try, by name. A model object is made fresh for every fit."""

from __future__ import annotations

from collections.abc import Callable

from models.errors import InvalidInputError
from models.forecasting.base import Forecaster
from models.forecasting.ets import DampedETS
from models.forecasting.seasonal_naive import SeasonalNaive

# Insertion order is the order candidates are tried and reported in.
MODELS: dict[str, Callable[[], Forecaster]] = {
    SeasonalNaive.name: SeasonalNaive,
    DampedETS.name: DampedETS,
}

# The model that takes over when selection has nothing better or the chosen model fails.
FALLBACK_MODEL = SeasonalNaive.name


def make_model(name: str) -> Forecaster:
    """A new, unfitted forecaster registered under `name`.

    Raises InvalidInputError naming the valid models when `name` is not registered.
    """
    factory = MODELS.get(name)
    if factory is None:
        valid = ", ".join(sorted(MODELS))
        raise InvalidInputError(f"unknown forecasting model {name!r}; valid models: {valid}")
    return factory()
