"""The decision backtest on the accuracy benchmark's long series, under several price books.

The forecasts depend on the history and the seed only, so each purchase date is forecast once and
every price book reuses the paths (`CachedForecasts`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import numpy as np

from bench.accuracy.data import BenchSeries, load_all
from models.decision.backtest import (
    BacktestResult,
    purchase_seed,
    run_backtest,
    yearly_purchase_dates,
)
from models.decision.strategies import Strategy, auto_forecast
from models.decision.types import PriceBook, Tier, TierKind
from models.forecasting.base import ForecastResult
from models.series import DailySeries

MIN_YEARS = 3
YEAR_DAYS = 365

# The demo's price book (app/demo.py DEMO_PRICE_BOOK): list 3.00, 2.85 from 5,000 tokens,
# emergency top-ups at the list price. Kept here so the benchmark needs nothing from the service;
# tests/bench/test_decision_bench.py checks the two agree.
DEMO_BOOK = PriceBook(
    currency="USD",
    minimum_purchase=100,
    pack_increment=100,
    validity_days=365,
    tier_kind=TierKind.ALL_UNITS,
    tiers=(Tier(100, Decimal("3.00")), Tier(5000, Decimal("2.85"))),
    top_up_price=Decimal("3.00"),
    top_up_lead_days=3,
    blocked_day_cost=Decimal("2000.00"),
)


@dataclass(frozen=True)
class Variant:
    """A price book the backtest runs under; `main` marks the one the targets are checked on."""

    name: str
    description: str
    price_book: PriceBook
    main: bool = False


VARIANTS: tuple[Variant, ...] = (
    Variant(
        "demo",
        "the demo's price book: top-up at the list price 3.00, usable 3 days after a run-out, "
        "2,000.00 a blocked day",
        DEMO_BOOK,
        main=True,
    ),
    Variant(
        "no lead time",
        "the same tiers and top-up price, top-ups usable at once: running out costs nothing",
        replace(DEMO_BOOK, top_up_lead_days=0, blocked_day_cost=Decimal(0)),
    ),
    Variant(
        "top-up +20 %",
        "the same tiers, emergency top-ups at 3.60 (20 % over list)",
        replace(DEMO_BOOK, top_up_price=Decimal("3.60")),
    ),
    Variant(
        "lead 7 days",
        "the demo's price book, but an emergency top-up is usable 7 days after the run-out and "
        "each blocked day costs 5,000.00 (illustrative: a day of a team's work)",
        replace(DEMO_BOOK, top_up_lead_days=7, blocked_day_cost=Decimal("5000")),
    ),
)


@dataclass(frozen=True)
class SeriesRun:
    """One series backtested under one price book."""

    series: str
    variant: str
    result: BacktestResult


class CachedForecasts:
    """A forecast function that runs `forecast` once per (history, horizon, paths, seed)."""

    def __init__(
        self,
        forecast_fn: Callable[[DailySeries, int, int, int], ForecastResult] = auto_forecast,
        on_forecast: Callable[[DailySeries, ForecastResult], None] | None = None,
    ) -> None:
        self.forecast_fn = forecast_fn
        self.on_forecast = on_forecast
        self.cache: dict[tuple[object, ...], ForecastResult] = {}

    def __call__(
        self, history: DailySeries, horizon_days: int, n_paths: int, seed: int
    ) -> ForecastResult:
        key = (history.start, history.n_days, horizon_days, n_paths, seed)
        if key not in self.cache:
            self.cache[key] = self.forecast_fn(history, horizon_days, n_paths, seed)
            if self.on_forecast is not None:
                self.on_forecast(history, self.cache[key])
        return self.cache[key]


def long_series(names: tuple[str, ...] | None = None) -> list[BenchSeries]:
    """The accuracy series spanning at least three years, scaled as there (first year: 400/day)."""
    return [s for s in load_all(names) if s.tokens.n_days >= MIN_YEARS * YEAR_DAYS]


def backtest_series(
    series: Sequence[BenchSeries],
    variants: Sequence[Variant],
    n_paths: int,
    seed: int,
    forecasts: CachedForecasts,
) -> list[SeriesRun]:
    """Every series under every price book, replayed yearly."""
    runs = []
    for s in series:
        for v in variants:
            dates = yearly_purchase_dates(s.tokens, v.price_book.validity_days)
            result = run_backtest(
                s.tokens, v.price_book, dates, n_paths=n_paths, seed=seed, forecast_fn=forecasts
            )
            runs.append(SeriesRun(s.name, v.name, result))
    return runs


@dataclass(frozen=True)
class Pooled:
    """One strategy's totals over several series (tokens, money in the book's currency)."""

    purchases: int
    purchased_tokens: int
    wasted_tokens: float
    spent: Decimal
    regret: Decimal
    perfect_spent: Decimal
    days_short: int
    blocked_days: int

    @property
    def regret_pct(self) -> float:
        return float(100 * self.regret / self.perfect_spent) if self.perfect_spent else 0.0


def pooled(runs: Sequence[SeriesRun], strategy: Strategy) -> Pooled:
    """`strategy`'s totals over `runs` (every purchase of every series counts once)."""
    rows = [r for run in runs for r in run.result.rows]
    mine = [r for r in rows if r.strategy == strategy]
    perfect = [r for r in rows if r.strategy == Strategy.PERFECT_FORESIGHT]
    return Pooled(
        purchases=len(mine),
        purchased_tokens=sum(r.quantity for r in mine),
        wasted_tokens=sum(r.wasted_tokens for r in mine),
        spent=sum((r.spent for r in mine), Decimal(0)),
        regret=sum((r.regret for r in mine), Decimal(0)),
        perfect_spent=sum((r.spent for r in perfect), Decimal(0)),
        days_short=sum(r.days_short for r in mine),
        blocked_days=sum(r.blocked_days for r in mine),
    )


@dataclass(frozen=True)
class TargetCheck:
    name: str
    passed: bool
    numbers: str


def check_targets(runs: Sequence[SeriesRun]) -> list[TargetCheck]:
    """Issue 4's targets on the pooled purchases of `runs` (the main price book's)."""
    rec = pooled(runs, Strategy.RECOMMENDATION)
    plus = pooled(runs, Strategy.LAST_YEAR_PLUS_20)
    last = pooled(runs, Strategy.LAST_YEAR)
    cut = 1.0 - rec.wasted_tokens / plus.wasted_tokens if plus.wasted_tokens else 0.0
    return [
        TargetCheck(
            "(a) recommendation's waste at least 50 % lower than last year's + 20 %",
            cut >= 0.5,
            f"{rec.wasted_tokens:,.0f} vs {plus.wasted_tokens:,.0f} tokens wasted over "
            f"{rec.purchases} purchases: {cut:.1%} lower",
        ),
        TargetCheck(
            "(b) regret under 5 % of the perfect-foresight cost on average",
            rec.regret_pct < 5.0,
            f"{rec.regret:,.2f} over {rec.perfect_spent:,.2f}: {rec.regret_pct:.2f} % "
            f"(last year's: {last.regret_pct:.2f} %, + 20 %: {plus.regret_pct:.2f} %)",
        ),
        TargetCheck(
            "(c) fewer blocked days than last year's",
            rec.blocked_days < last.blocked_days,
            f"{rec.blocked_days} vs {last.blocked_days} days",
        ),
    ]


@dataclass(frozen=True)
class ForecastCheck:
    """The recommendation's forecast of one pack year against what the year used (tokens).

    `pit` is the share of paths whose total fell below the realised one (0.5 = centred)."""

    series: str
    purchase_date: date
    model: str
    q05: float
    q50: float
    q95: float
    realised: float
    last_year: float
    pit: float


def forecast_checks(
    series: Sequence[BenchSeries], n_paths: int, seed: int, forecasts: CachedForecasts
) -> list[ForecastCheck]:
    """The yearly totals of the forecasts the recommendation used (from the cache)."""
    out = []
    for s in series:
        t = s.tokens
        for day in yearly_purchase_dates(t, YEAR_DAYS):
            i = (day - t.start).days
            fc = forecasts(t.head(i), YEAR_DAYS, n_paths, purchase_seed(seed, day))
            totals = fc.paths_tokens_per_day.sum(axis=1)
            realised = float(t.tokens_per_day[i : i + YEAR_DAYS].sum())
            q05, q50, q95 = (float(v) for v in np.quantile(totals, [0.05, 0.5, 0.95]))
            out.append(
                ForecastCheck(
                    series=s.name,
                    purchase_date=day,
                    model=fc.model,
                    q05=q05,
                    q50=q50,
                    q95=q95,
                    realised=realised,
                    last_year=float(t.tokens_per_day[i - YEAR_DAYS : i].sum()),
                    pit=float(np.mean(totals < realised)),
                )
            )
    return out
