"""An equal-weight combination of forecasters, by averaging their paths of the same rank.

Reference: Clemen (1989), "Combining forecasts: a review and annotated bibliography"; for the
combination of distributions by their quantiles (Vincentization), Lichtendahl, Grushka-Cockayne
& Winkler (2013), "Is it better to average probabilities or quantiles?", Management Science 59(7).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from models.errors import InvalidInputError
from models.forecasting.base import Forecaster
from models.forecasting.paths import FloatArray
from models.series import DailySeries


def combine_paths(member_paths: Sequence[FloatArray], rng: np.random.Generator) -> FloatArray:
    """Average the members' paths rank by rank of their horizon total, in a random order.

    Each element has shape (n_paths, horizon_days) in tokens per day; so does the result. Path i
    of the result is the mean of every member's i-th smallest-total path, so each result path is
    still a path (its days keep their dependence) and the result's total has the members'
    averaged quantiles. Pairing independent draws at random instead would average their noise
    away and give an ensemble falsely more certain than any of its members. The rows are then
    shuffled with `rng`, so that any subset of paths is still a fair sample.
    """
    if not member_paths:
        raise InvalidInputError("an ensemble needs at least one member's paths")
    ranked = [paths[np.argsort(paths.sum(axis=1), kind="stable")] for paths in member_paths]
    combined: FloatArray = np.mean(ranked, axis=0)[rng.permutation(len(ranked[0]))]
    return combined


class Ensemble:
    """The rank-paired mean of its members' sample paths (see `combine_paths`).

    Made from member factories (each call gives a fresh, unfitted forecaster); `fit` fits one of
    each, and any member's failure is the ensemble's failure (the selector then falls back), so
    an "ensemble" is never silently one model. Each member draws its paths from its own child
    of the generator passed in.
    """

    name: str = "ensemble"

    def __init__(self, member_factories: Sequence[Callable[[], Forecaster]]) -> None:
        if len(member_factories) < 2:
            raise InvalidInputError("an ensemble needs at least two members")
        self._factories = tuple(member_factories)
        self.members: tuple[Forecaster, ...] = tuple(f() for f in self._factories)
        self._fitted = False

    @classmethod
    def of_fitted(
        cls, members: Sequence[Forecaster], factories: Sequence[Callable[[], Forecaster]]
    ) -> Ensemble:
        """An ensemble of `members`, already fitted on one history; `factories` make fresh
        ones like them (for `fit` and `warm_fitted`)."""
        ensemble = cls(factories)
        ensemble.members = tuple(members)
        ensemble._fitted = True
        return ensemble

    @property
    def member_names(self) -> tuple[str, ...]:
        return tuple(member.name for member in self.members)

    def fit(self, history: DailySeries) -> None:
        self.members = tuple(f() for f in self._factories)
        for member in self.members:
            member.fit(history)
        self._fitted = True

    def warm_fitted(self, history: DailySeries) -> Ensemble:
        """A new ensemble fitted on `history`, each member warm-started where it can be."""
        self._check_fitted()
        members: list[Forecaster] = []
        for member, factory in zip(self.members, self._factories, strict=True):
            warm = getattr(member, "warm_fitted", None)
            if warm is not None:
                members.append(warm(history))
            else:
                fresh = factory()
                fresh.fit(history)
                members.append(fresh)
        return Ensemble.of_fitted(members, self._factories)

    def predict(self, horizon_days: int) -> FloatArray:
        """Mean tokens per day, shape (horizon_days,): the mean of the members' means."""
        self._check_fitted()
        mean: FloatArray = np.mean([m.predict(horizon_days) for m in self.members], axis=0)
        return mean

    def simulate(self, horizon_days: int, n_paths: int, rng: np.random.Generator) -> FloatArray:
        """Joint sample paths of tokens per day, shape (n_paths, horizon_days), never negative."""
        self._check_fitted()
        *streams, order = rng.spawn(len(self.members) + 1)
        paths = [
            m.simulate(horizon_days, n_paths, s) for m, s in zip(self.members, streams, strict=True)
        ]
        return combine_paths(paths, order)

    def _check_fitted(self) -> None:
        if not self._fitted:
            raise RuntimeError("ensemble must be fitted before it can forecast")
