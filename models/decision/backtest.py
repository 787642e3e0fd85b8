"""The decision backtest: replay past purchase dates on a realised history and compare strategies.

On each purchase date every strategy chooses a quantity from what it may know then (see
`strategies`); the realised history then says what that purchase cost, what it wasted and how
many days work was blocked (see `realisation`). Regret is a purchase's cost minus the cost of
perfect foresight on the same date. Each strategy keeps its own packs from one date to the next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

from models.decision.pricing import price, validate_price_book
from models.decision.realisation import PeriodOutcome, realise_period
from models.decision.strategies import (
    Choice,
    ForecastFn,
    Recommender,
    Strategy,
    auto_forecast,
    choose,
)
from models.decision.types import Objective, Pack, PriceBook
from models.errors import InsufficientHistoryError, InvalidInputError
from models.series import DailySeries

CENT = Decimal("0.01")
TOKEN_QUANTUM = Decimal("0.001")
YEAR_DAYS = 365
SHORT_MIN_HISTORY_DAYS = 90


@dataclass(frozen=True)
class BacktestRow:
    """One strategy's purchase on one date, realised (see `realisation.PeriodOutcome`).

    Money is Decimal in the price book's currency, in cents: `spent` = `price` (of `quantity`
    tokens) + `top_up_cost` + `blocked_cost` (blocked days at the price book's cost per blocked
    day, with a lead time only). Tokens are floats. `scored_days` are the days the row covers.
    """

    purchase_date: date
    strategy: Strategy
    quantity: int
    price: Decimal
    top_up_tokens: float
    top_up_cost: Decimal
    blocked_cost: Decimal
    spent: Decimal
    wasted_tokens: float
    days_short: int
    blocked_days: int
    runout_date: date | None
    regret: Decimal
    scored_days: int
    forecast_model: str | None = None
    seed: int | None = None


@dataclass(frozen=True)
class StrategySummary:
    """A strategy over every purchase date. `waste_pct` is wasted / purchased tokens x 100;
    `regret_pct` is the total regret / the total perfect-foresight cost x 100 (equally, the mean
    regret over the mean perfect-foresight cost)."""

    strategy: Strategy
    purchases: int
    purchased_tokens: int
    total_spent: Decimal
    total_top_up_tokens: float
    total_wasted_tokens: float
    waste_pct: float
    total_days_short: int
    total_blocked_days: int
    total_regret: Decimal
    regret_pct: float


@dataclass(frozen=True)
class BacktestResult:
    """Rows (purchase date x strategy, dates ascending, strategies in `Strategy` order), one
    summary per strategy, and what is needed to reproduce the run: the base seed (each
    recommendation row records its own), the path count, the price book and its lead time."""

    purchase_dates: tuple[date, ...]
    rows: tuple[BacktestRow, ...]
    summaries: tuple[StrategySummary, ...]
    price_book: PriceBook
    n_paths: int
    seed: int
    top_up_lead_days: int


def yearly_purchase_dates(
    history: DailySeries, validity_days: int, *, min_history_days: int = YEAR_DAYS
) -> tuple[date, ...]:
    """A purchase every `validity_days` days (so each pack expires as the next is bought), the
    first once `min_history_days` days of history precede it, as long as the history covers the
    whole life of the pack. Raises InsufficientHistoryError when no date qualifies."""
    offsets = range(min_history_days, history.n_days - validity_days + 1, validity_days)
    if not offsets:
        raise InsufficientHistoryError(
            f"a yearly decision backtest needs {min_history_days} days of history before a "
            f"purchase and {validity_days} days (one pack life) after it, "
            f"{min_history_days + validity_days} days in all; the history has {history.n_days} "
            f"days ({history.start} to {history.end})"
        )
    return tuple(history.start + timedelta(days=k) for k in offsets)


def shortened_plan(
    history: DailySeries, pb: PriceBook, *, min_history_days: int = SHORT_MIN_HISTORY_DAYS
) -> tuple[date, PriceBook]:
    """For a history too short for a yearly backtest: one purchase, on the latest of the middle
    of the history, `min_history_days` days in, and one pack life before its end, with the pack's
    life cut to the days the history covers after it (the returned price book's
    `validity_days`). Every strategy then buys for that shorter life."""
    offset = max(min_history_days, history.n_days - pb.validity_days, history.n_days // 2)
    life = history.n_days - offset
    if life < 1:
        raise InsufficientHistoryError(
            f"the history has {history.n_days} days; a backtest needs {min_history_days} days "
            "before the purchase and at least one day after it"
        )
    return history.start + timedelta(days=offset), replace(
        pb, validity_days=min(life, pb.validity_days)
    )


def run_backtest(
    history: DailySeries,
    price_book: PriceBook,
    purchase_dates: Sequence[date],
    *,
    n_paths: int = 300,
    seed: int = 0,
    forecast_fn: ForecastFn = auto_forecast,
    objective: Objective = Objective.EXPECTED_COST,
) -> BacktestResult:
    """Replay `purchase_dates` on the realised `history` (tokens per day) for every `Strategy`.

    The recommendation forecasts each pack's life with `forecast_fn` from the history before the
    date (`n_paths` paths, seed `purchase_seed(seed, date)`) and calls `decide` with the packs it
    still holds. Each purchase is scored over its pack's life, cut at the next purchase date:
    its money is price(Q) plus the emergency top-ups and blocked days that followed
    (`realisation.realise_period`). The history must cover every pack's life. Cost: one
    forecast per date plus O(dates x strategies) replays of one path.
    """
    validate_price_book(price_book)
    dates = _checked_dates(history, price_book, purchase_dates)
    recommender = Recommender(n_paths, forecast_fn, objective)
    rows: list[BacktestRow] = []
    for strategy in Strategy:
        rows.extend(_replay(history, price_book, dates, strategy, recommender, seed))
    rows = _with_regret(rows)
    rows.sort(key=lambda r: (r.purchase_date, list(Strategy).index(r.strategy)))
    return BacktestResult(
        purchase_dates=dates,
        rows=tuple(rows),
        summaries=tuple(summarise(rows, s) for s in Strategy),
        price_book=price_book,
        n_paths=n_paths,
        seed=seed,
        top_up_lead_days=price_book.top_up_lead_days,
    )


def purchase_seed(seed: int, day: date) -> int:
    """The forecast seed of a purchase date: the same date gets the same paths whatever the
    schedule around it."""
    return int(np.random.SeedSequence([seed, day.toordinal()]).generate_state(1)[0])


def _checked_dates(history: DailySeries, pb: PriceBook, dates: Sequence[date]) -> tuple[date, ...]:
    ordered = tuple(sorted(set(dates)))
    if not ordered:
        raise InvalidInputError("a decision backtest needs at least one purchase date")
    if ordered[0] <= history.start:
        raise InsufficientHistoryError(
            f"no history before the purchase on {ordered[0]}: the history starts on {history.start}"
        )
    life_end = ordered[-1] + timedelta(days=pb.validity_days - 1)
    if life_end > history.end:
        raise InsufficientHistoryError(
            f"the pack bought on {ordered[-1]} lives until {life_end}, but the history ends on "
            f"{history.end}: the backtest needs the realised demand of every pack's whole life"
        )
    return ordered


def _replay(
    history: DailySeries,
    pb: PriceBook,
    dates: tuple[date, ...],
    strategy: Strategy,
    recommender: Recommender,
    seed: int,
) -> list[BacktestRow]:
    """One strategy through every date, carrying the packs it still holds."""
    held: tuple[Pack, ...] = ()
    rows = []
    for i, day in enumerate(dates):
        expiry = day + timedelta(days=pb.validity_days)
        following = dates[i + 1] if i + 1 < len(dates) else expiry
        index = (day - history.start).days
        choice = choose(strategy, history, index, held, pb, recommender, purchase_seed(seed, day))
        new = Pack(day, choice.quantity, float(choice.quantity), expiry)
        outcome = realise_period(history, new, held, following, pb)
        held = outcome.held_after
        rows.append(_row(strategy, day, choice, outcome, pb))
    return rows


def _row(
    strategy: Strategy, day: date, choice: Choice, outcome: PeriodOutcome, pb: PriceBook
) -> BacktestRow:
    bought = price(pb, choice.quantity)
    top_up = _money(pb.top_up_price * _tokens(outcome.top_up_tokens))
    blocked_cost = Decimal(0)
    if pb.top_up_lead_days > 0:  # without a lead time nothing waits for a delivery
        blocked_cost = _money(pb.blocked_day_cost * outcome.blocked_days)
    return BacktestRow(
        purchase_date=day,
        strategy=strategy,
        quantity=choice.quantity,
        price=bought,
        top_up_tokens=outcome.top_up_tokens,
        top_up_cost=top_up,
        blocked_cost=blocked_cost,
        spent=_money(bought + top_up + blocked_cost),
        wasted_tokens=outcome.wasted_tokens,
        days_short=outcome.days_short,
        blocked_days=outcome.blocked_days,
        runout_date=outcome.runout_date,
        regret=Decimal(0),
        scored_days=outcome.scored_days,
        forecast_model=choice.model,
        seed=choice.seed,
    )


def _with_regret(rows: list[BacktestRow]) -> list[BacktestRow]:
    perfect = {r.purchase_date: r.spent for r in rows if r.strategy == Strategy.PERFECT_FORESIGHT}
    return [replace(r, regret=r.spent - perfect[r.purchase_date]) for r in rows]


def summarise(rows: Sequence[BacktestRow], strategy: Strategy) -> StrategySummary:
    """Totals of `strategy`'s rows; regret relative to the perfect-foresight rows in `rows`."""
    mine = [r for r in rows if r.strategy == strategy]
    perfect = sum((r.spent for r in rows if r.strategy == Strategy.PERFECT_FORESIGHT), Decimal(0))
    purchased = sum(r.quantity for r in mine)
    wasted = sum(r.wasted_tokens for r in mine)
    regret = sum((r.regret for r in mine), Decimal(0))
    return StrategySummary(
        strategy=strategy,
        purchases=len(mine),
        purchased_tokens=purchased,
        total_spent=sum((r.spent for r in mine), Decimal(0)),
        total_top_up_tokens=sum(r.top_up_tokens for r in mine),
        total_wasted_tokens=wasted,
        waste_pct=100.0 * wasted / purchased if purchased else 0.0,
        total_days_short=sum(r.days_short for r in mine),
        total_blocked_days=sum(r.blocked_days for r in mine),
        total_regret=regret,
        regret_pct=float(100 * regret / perfect) if perfect > 0 else 0.0,
    )


def _tokens(value: float) -> Decimal:
    """A token count as an exact Decimal, to the 3 decimals usage is recorded in."""
    return Decimal(repr(value)).quantize(TOKEN_QUANTUM, rounding=ROUND_HALF_EVEN)


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)
