"""Decision backtests: the organization's own past, replayed purchase by purchase.

The same evaluation runs on stored usage (`POST /v1/backtests`) and on a usage file
(`tokencast backtest FILE`, no database).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from app.errors import UnprocessableError
from app.ingest import parse_usage_file
from app.schemas.backtests import (
    BacktestCreate,
    BacktestRead,
    BacktestRowRead,
    StrategySummaryRead,
)
from app.services.forecasts import derived_seed
from app.services.plan import series_from_records
from app.services.pricing import get_price_book_row, packs_before, to_core_price_book
from app.services.usage import history_series, user_key_function
from models.decision.backtest import (
    YEAR_DAYS,
    BacktestResult,
    run_backtest,
    shortened_plan,
    yearly_purchase_dates,
)
from models.decision.strategies import STRATEGY_LABELS, named_forecast
from models.decision.types import PriceBook
from models.errors import InsufficientHistoryError
from models.series import DailySeries


@dataclass(frozen=True)
class BacktestRun:
    """A backtest and what a reader must know about how it was set up."""

    result: BacktestResult
    history: DailySeries
    model: str
    notes: tuple[str, ...]


def backtest(session: Session, *, organization_id: uuid.UUID, body: BacktestCreate) -> BacktestRead:
    """Replay the organization's stored usage with its price book (see BacktestCreate)."""
    history = history_series(session, organization_id, as_of=None)
    pb = to_core_price_book(get_price_book_row(session, organization_id))
    notes: list[str] = []
    if body.schedule == "yearly":
        dates = yearly_purchase_dates(history, pb.validity_days)
    else:
        bought = [r.purchased_on for r in packs_before(session, organization_id, date.max)]
        dates, notes = actual_pack_dates(history, pb, bought)
    run = run_on_history(history, pb, dates, body.n_paths, body.seed, body.model, notes)
    return to_read(run, body.schedule)


def actual_pack_dates(
    history: DailySeries, pb: PriceBook, bought: list[date]
) -> tuple[tuple[date, ...], list[str]]:
    """The purchase dates that have a year of usage before them and a whole pack life after;
    a note for each date left out. Raises UnprocessableError when none is left."""
    if not bought:
        raise UnprocessableError(
            "schedule actual_packs: no packs are stored; record them with POST /v1/purchases "
            'or use "schedule": "yearly"'
        )
    first = history.start + timedelta(days=YEAR_DAYS)
    last = history.end - timedelta(days=pb.validity_days - 1)
    kept = sorted({d for d in bought if first <= d <= last})
    left_out = sorted({d for d in bought} - set(kept))
    if not kept:
        raise UnprocessableError(
            f"schedule actual_packs: none of the {len(set(bought))} purchase dates has "
            f"{YEAR_DAYS} days of usage before it and a whole {pb.validity_days}-day pack life "
            f"after it (usage covers {history.start} to {history.end}, so a date must fall "
            f"between {first} and {last})"
        )
    notes = [
        f"Pack bought on {d}: left out, the usage does not cover {YEAR_DAYS} days before it and "
        f"its {pb.validity_days}-day life after it."
        for d in left_out
    ]
    return tuple(kept), notes


def run_on_history(
    history: DailySeries,
    pb: PriceBook,
    dates: tuple[date, ...],
    n_paths: int,
    seed: int | None,
    model: str,
    notes: list[str],
) -> BacktestRun:
    base_seed = (
        derived_seed(history, pb.validity_days, f"backtest:{model}") if seed is None else seed
    )
    result = run_backtest(
        history, pb, dates, n_paths=n_paths, seed=base_seed, forecast_fn=named_forecast(model)
    )
    return BacktestRun(result, history, model, (*notes, run_out_note(pb)))


def run_out_note(pb: PriceBook) -> str:
    """How running out was charged, in a sentence."""
    if pb.top_up_lead_days == 0:
        return (
            "No top-up lead time: every token the packs could not serve was bought at once at "
            f"the top-up price ({pb.top_up_price} {pb.currency}); blocked days count the days "
            "that needed such an emergency purchase."
        )
    return (
        f"Top-up lead time {pb.top_up_lead_days} days: after a run-out, the demand until the "
        "emergency purchase lands is blocked (lost), each such day costing "
        f"{pb.blocked_day_cost} {pb.currency}; the emergency purchase, at {pb.top_up_price} "
        f"{pb.currency} a token, is sized from the last 28 days' burn for the rest of the pack's "
        "life plus 20 %."
    )


def backtest_file(
    path: Path, pb: PriceBook, *, n_paths: int, seed: int | None, model: str = "auto"
) -> BacktestRun:
    """Backtest a usage file (any import format) without a database.

    A yearly schedule when the file covers a year plus a pack life; otherwise one purchase in
    the middle of the file with the pack's life cut to the days after it (`shortened_plan`).
    """
    parsed = parse_usage_file(path.name, path.read_bytes(), user_key=user_key_function(None))
    history = series_from_records(parsed.records, None)
    try:
        dates = yearly_purchase_dates(history, pb.validity_days)
    except InsufficientHistoryError:
        dates = ()
    if dates:
        return run_on_history(history, pb, dates, n_paths, seed, model, [])
    day, short = shortened_plan(history, pb)
    note = (
        f"The file covers {history.n_days} days ({history.start} to {history.end}), less than "
        f"{YEAR_DAYS} days of history plus a {pb.validity_days}-day pack life: one purchase on "
        f"{day} ({(day - history.start).days} days of history before it), every strategy buying "
        f"for a pack life cut to the {short.validity_days} days the file covers after it; "
        '"last year\'s" is the consumption before the date scaled to that life.'
    )
    return run_on_history(history, short, (day,), n_paths, seed, model, [note])


def to_read(run: BacktestRun, schedule: str) -> BacktestRead:
    result = run.result
    rows = [
        BacktestRowRead(
            purchase_date=r.purchase_date,
            strategy=r.strategy.value,
            label=STRATEGY_LABELS[r.strategy],
            quantity=r.quantity,
            price=r.price,
            top_up_tokens=round(r.top_up_tokens, 3),
            top_up_cost=r.top_up_cost,
            blocked_cost=r.blocked_cost,
            spent=r.spent,
            wasted_tokens=round(r.wasted_tokens, 3),
            days_short=r.days_short,
            blocked_days=r.blocked_days,
            runout_date=r.runout_date,
            regret=r.regret,
            scored_days=r.scored_days,
            forecast_model=r.forecast_model,
            seed=r.seed,
        )
        for r in result.rows
    ]
    summary = [
        StrategySummaryRead(
            strategy=s.strategy.value,
            label=STRATEGY_LABELS[s.strategy],
            purchases=s.purchases,
            purchased_tokens=s.purchased_tokens,
            total_spent=s.total_spent,
            total_top_up_tokens=round(s.total_top_up_tokens, 3),
            total_wasted_tokens=round(s.total_wasted_tokens, 3),
            waste_pct=round(s.waste_pct, 3),
            total_days_short=s.total_days_short,
            total_blocked_days=s.total_blocked_days,
            total_regret=s.total_regret,
            regret_pct=round(s.regret_pct, 3),
        )
        for s in result.summaries
    ]
    return BacktestRead(
        schedule=schedule,
        currency=result.price_book.currency,
        validity_days=result.price_book.validity_days,
        top_up_lead_days=result.top_up_lead_days,
        n_paths=result.n_paths,
        seed=result.seed,
        model=run.model,
        first_day=run.history.start,
        last_day=run.history.end,
        purchase_dates=list(result.purchase_dates),
        rows=rows,
        summary=summary,
        notes=list(run.notes),
    )


_SUMMARY_HEADER = (
    f"{'strategy':<20} {'purchased':>11} {'spent':>15} {'wasted':>10} {'waste %':>8} "
    f"{'days short':>10} {'blocked':>8} {'regret':>13} {'regret %':>9}"
)
_ROW_HEADER = (
    f"{'date':<10}  {'strategy':<20} {'quantity':>9} {'spent':>15} {'top-ups':>9} "
    f"{'wasted':>9} {'blocked':>8} {'regret':>13}  {'model':<14}"
)


def comparison_table(run: BacktestRun) -> str:
    """The backtest as plain text: the summary per strategy, then every purchase."""
    result = run.result
    pb = result.price_book
    dates = ", ".join(d.isoformat() for d in result.purchase_dates)
    lines = [
        f"Decision backtest of {run.history.start} to {run.history.end} "
        f"({run.history.n_days} days): purchases on {dates}",
        f"Pack life {pb.validity_days} days; top-up at {pb.top_up_price} {pb.currency}, lead time "
        f"{result.top_up_lead_days} days; recommendation: model {run.model}, "
        f"{result.n_paths} paths, seed {result.seed}. Money in {pb.currency}.",
        "",
        _SUMMARY_HEADER,
    ]
    for s in result.summaries:
        lines.append(
            f"{STRATEGY_LABELS[s.strategy]:<20} {s.purchased_tokens:>11,} "
            f"{s.total_spent:>15,.2f} {s.total_wasted_tokens:>10,.0f} {s.waste_pct:>7.1f}% "
            f"{s.total_days_short:>10} {s.total_blocked_days:>8} "
            f"{s.total_regret:>13,.2f} {s.regret_pct:>8.1f}%"
        )
    lines += ["", _ROW_HEADER]
    for r in result.rows:
        lines.append(
            f"{r.purchase_date.isoformat():<10}  {STRATEGY_LABELS[r.strategy]:<20} "
            f"{r.quantity:>9,} {r.spent:>15,.2f} {r.top_up_tokens:>9,.0f} "
            f"{r.wasted_tokens:>9,.0f} {r.blocked_days:>8} {r.regret:>13,.2f}  "
            f"{r.forecast_model or '':<14}"
        )
    lines += ["", *run.notes]
    return "\n".join(line.rstrip() for line in lines)
