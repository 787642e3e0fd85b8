"""How each strategy of the decision backtest chooses a purchase quantity.

Every strategy sees only what it could know on the purchase date, except perfect foresight, which
is the yardstick: it is told the realised demand of the pack's life.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from models.decision.optimizer import LAST_YEAR_UPLIFT, decide
from models.decision.pricing import valid_ceil
from models.decision.types import Objective, Pack, PriceBook
from models.errors import InvalidInputError
from models.forecasting import forecast
from models.forecasting.base import ForecastResult
from models.series import DailySeries

FloatArray = npt.NDArray[np.float64]

LAST_YEAR_DAYS = 365
AUTO_MODEL = "auto"


class Strategy(StrEnum):
    RECOMMENDATION = "recommendation"
    LAST_YEAR_PLUS_20 = "last_year_plus_20"
    LAST_YEAR = "last_year"
    PERFECT_FORESIGHT = "perfect_foresight"


STRATEGY_LABELS: dict[Strategy, str] = {
    Strategy.RECOMMENDATION: "recommendation",
    Strategy.LAST_YEAR_PLUS_20: "last year's + 20 %",
    Strategy.LAST_YEAR: "last year's",
    Strategy.PERFECT_FORESIGHT: "perfect foresight",
}

# (history, horizon_days, n_paths, seed) -> sample paths from the day after the history.
ForecastFn = Callable[[DailySeries, int, int, int], ForecastResult]


def auto_forecast(
    history: DailySeries, horizon_days: int, n_paths: int, seed: int
) -> ForecastResult:
    """The service's forecast: the model chosen by backtest on `history` (`model="auto"`)."""
    return forecast(history, horizon_days, n_paths=n_paths, seed=seed, model=AUTO_MODEL)


def named_forecast(model: str) -> ForecastFn:
    """The forecast with `model`: "auto" or a registered model's name."""
    if model == AUTO_MODEL:
        return auto_forecast

    def run(history: DailySeries, horizon_days: int, n_paths: int, seed: int) -> ForecastResult:
        return forecast(history, horizon_days, n_paths=n_paths, seed=seed, model=model)

    return run


@dataclass(frozen=True)
class Choice:
    """A strategy's purchase (tokens) and, for the recommendation, the forecast behind it."""

    quantity: int
    model: str | None = None
    seed: int | None = None


@dataclass(frozen=True)
class Recommender:
    """How the recommendation strategy forecasts and what it optimises."""

    n_paths: int
    forecast_fn: ForecastFn = auto_forecast
    objective: Objective = Objective.EXPECTED_COST


def last_year_tokens(before_tokens_per_day: FloatArray, life_days: int) -> float:
    """Consumption over the last 365 days of `before_tokens_per_day` (n,), in tokens, scaled to
    a pack life of `life_days` days: the plain sum when a full year is there and the life is a
    year; otherwise the mean day of the (up to 365) days times `life_days`."""
    window = np.asarray(before_tokens_per_day, dtype=np.float64)[-LAST_YEAR_DAYS:]
    if window.size == 0:
        raise InvalidInputError("no history before the purchase date to take last year's from")
    total = float(window.sum())
    if window.size == life_days:
        return total
    return total * life_days / window.size


def choose_last_year(pb: PriceBook, last_year: float, uplift: Fraction = Fraction(1)) -> int:
    """The smallest valid quantity at or above `last_year` x `uplift` tokens (exact arithmetic,
    so 146,000 x 6/5 is 175,200, not one increment more)."""
    return valid_ceil(pb, math.ceil(Fraction(last_year) * uplift))


def choose_perfect_foresight(
    realised_life_tokens_per_day: FloatArray,
    purchase_date: date,
    held: Sequence[Pack],
    pb: PriceBook,
) -> int:
    """The cheapest valid quantity given the realised demand of the pack's life (L,), tokens,
    and the packs still held: the optimizer run on the one true path, so the cost it minimises
    (the price plus the emergency top-ups and blocked days that follow on that path) is the one
    the backtest charges over the pack's whole life."""
    path = np.asarray(realised_life_tokens_per_day, dtype=np.float64)[np.newaxis, :]
    decision = decide(
        path,
        purchase_date,
        held,
        pb,
        purchase_date,
        last_year_consumption_tokens=None,
        timing=False,
    )
    return decision.chosen.quantity


def choose_recommendation(
    before: DailySeries,
    purchase_date: date,
    held: Sequence[Pack],
    pb: PriceBook,
    recommender: Recommender,
    seed: int,
) -> Choice:
    """Forecast the pack's life from `before` (the history up to the day before
    `purchase_date`) and return the optimizer's choice given the packs still held."""
    result = recommender.forecast_fn(before, pb.validity_days, recommender.n_paths, seed)
    decision = decide(
        result.paths_tokens_per_day,
        result.first_day,
        held,
        pb,
        purchase_date,
        last_year_consumption_tokens=last_year_tokens(before.tokens_per_day, pb.validity_days),
        objective=recommender.objective,
        timing=False,  # the backtest replays "buy Q now"; the timing comparison is not needed
    )
    return Choice(decision.chosen.quantity, model=result.model, seed=result.seed)


def choose(
    strategy: Strategy,
    history: DailySeries,
    purchase_index: int,
    held: Sequence[Pack],
    pb: PriceBook,
    recommender: Recommender,
    seed: int,
) -> Choice:
    """`strategy`'s purchase on day `purchase_index` of the realised `history`.

    The rules of thumb ignore the packs still held (that is how they are applied in practice);
    the recommendation and perfect foresight account for them.
    """
    purchase_date = history.start + timedelta(days=purchase_index)
    before = history.head(purchase_index)
    if strategy == Strategy.RECOMMENDATION:
        return choose_recommendation(before, purchase_date, held, pb, recommender, seed)
    if strategy == Strategy.PERFECT_FORESIGHT:
        life = history.tokens_per_day[purchase_index : purchase_index + pb.validity_days]
        return Choice(choose_perfect_foresight(life, purchase_date, held, pb))
    last_year = last_year_tokens(before.tokens_per_day, pb.validity_days)
    uplift = LAST_YEAR_UPLIFT if strategy == Strategy.LAST_YEAR_PLUS_20 else Fraction(1)
    return Choice(choose_last_year(pb, last_year, uplift))
