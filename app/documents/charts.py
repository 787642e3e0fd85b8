"""The forecast fan and the cost-versus-quantity curve, as inline SVG (see `app.documents.svg`).

Series are told apart by line style as well as shade: history solid black, forecast median thick
solid, forecast mean dashed, the forecast's start dash-dot, tier breaks dotted; the chosen
quantity is an open circle and last year's consumption an open square.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import numpy.typing as npt

from app.documents import svg
from app.documents.report import Report
from app.documents.svg import ACCENT, BAND, INK, Key, Line, Plot

MAX_CURVE_POINTS = 800
# The cost chart shows candidates up to this multiple of the chosen quantity: past it the curve only
# climbs, and showing it all would squeeze the interesting part into a sliver.
COST_VIEW_MULTIPLE = 4
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

HISTORY_DAILY = Line(stroke="#9a9aa2", width=0.5)
HISTORY_MEAN = Line(stroke=INK, width=1.3)
FORECAST_P50 = Line(stroke=ACCENT, width=2.2)
FORECAST_MEAN = Line(stroke=INK, width=1.1, dash="6 3")
FORECAST_START = Line(stroke=INK, width=0.9, dash="7 3 1.5 3")
TIER_BREAK = Line(stroke=INK, width=1.0, dash="1.5 3")
COST_LINE = Line(stroke=ACCENT, width=1.8)
CHOSEN = "#b2182b"


def fan_chart_svg(report: Report) -> str:
    """Daily history (faint) and its 7-day mean; the forecast's p10-p90 band, p50 and mean (7-day
    means of the daily quantiles)."""
    label = "Daily token consumption: history and forecast fan"
    history = np.asarray(report.history_tokens_per_day, dtype=np.float64)
    fan = report.fan
    horizon = int(np.asarray(fan.mean).shape[0])
    if not history.size and not horizon:
        return svg.empty_chart(label, "No history and no forecast.")
    h0 = float(report.history_start.toordinal())
    f0 = float(fan.first_day.toordinal())
    hx, fx = h0 + np.arange(history.size), f0 + np.arange(horizon)
    p10, p50 = weekly_mean(fan.p10), weekly_mean(fan.p50)
    p90, mean = weekly_mean(fan.p90), weekly_mean(fan.mean)
    top = max([1.0, *(float(a.max()) for a in (history, p90) if a.size)])
    x_low = h0 if history.size else f0
    x_high = (f0 + horizon - 1) if horizon else (h0 + history.size - 1)
    plot = Plot(x_range=(x_low, max(x_high, x_low + 1)), y_range=(0.0, 0.0))
    ticks = svg.nice_ticks(0.0, top, 5)
    plot.y_range = (0.0, ticks[-1])
    svg.y_axis(plot, ticks, svg.compact)
    keys: list[Key] = []
    # Smoothed lines lose nothing when thinned to the chart's resolution; the raw daily history
    # is drawn in full, since its weekly comb is the point of showing it.
    hs, fs = svg.thin(history.size), svg.thin(horizon)
    if horizon:
        plot.add(svg.band(plot, fx[fs], p10[fs], p90[fs], BAND))
        keys.append(Key("forecast p10\u2013p90", fill=BAND))
    if history.size:
        plot.add(svg.polyline(plot, hx, history, HISTORY_DAILY))
        plot.add(svg.polyline(plot, hx[hs], weekly_mean(history)[hs], HISTORY_MEAN))
        keys += [Key("history, daily", line=HISTORY_DAILY),
                 Key("history, 7-day mean", line=HISTORY_MEAN)]  # fmt: skip
    if horizon:
        plot.add(svg.polyline(plot, fx[fs], p50[fs], FORECAST_P50))
        plot.add(svg.polyline(plot, fx[fs], mean[fs], FORECAST_MEAN))
        plot.add(svg.vline(plot, f0, FORECAST_START))
        keys += [Key("forecast p50", line=FORECAST_P50), Key("forecast mean", line=FORECAST_MEAN),
                 Key("forecast start", line=FORECAST_START)]  # fmt: skip
    svg.x_axis(plot, month_ticks(date.fromordinal(int(x_low)), date.fromordinal(int(x_high))))
    return svg.svg(plot, label=label, axes="Tokens per day", keys=keys, prefix="tc-fan")


def month_ticks(first: date, last: date, max_ticks: int = 12) -> list[tuple[float, str]]:
    """Ticks on the first day of months between two days: `Jan 2025` in January or at the first
    tick, the month alone otherwise; every 1, 2, 3, 6 or 12 months to keep at most `max_ticks`."""
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    step = next((s for s in (1, 2, 3, 6, 12) if months / s <= max_ticks), 12)
    ticks: list[tuple[float, str]] = []
    year, month = first.year, first.month
    while date(year, month, 1) <= last:
        day = date(year, month, 1)
        if day >= first and (month - 1) % step == 0:
            caption = MONTHS[month - 1]
            if month == 1 or not ticks:
                caption += f" {year}"
            ticks.append((float(day.toordinal()), caption))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ticks


def cost_chart_svg(report: Report) -> str:
    """Expected cost over the candidate quantities; tier breaks dotted; the chosen quantity and
    last year's consumption marked."""
    label = "Expected cost against the quantity bought"
    quantities = np.asarray(report.curve_quantities, dtype=np.int64)
    costs = np.asarray(report.curve_expected_cost, dtype=np.float64)
    visible = quantities <= cost_view_upper(report)
    quantities, costs = quantities[visible], costs[visible]
    finite = costs[np.isfinite(costs)]
    if quantities.size < 2 or finite.size == 0:
        return svg.empty_chart(label, "No cost curve was computed.")
    ticks = svg.nice_ticks(float(finite.min()), float(finite.max()), 5)
    plot = Plot(x_range=(float(quantities[0]), float(quantities[-1])),
                y_range=(ticks[0], ticks[-1]))  # fmt: skip
    svg.y_axis(plot, ticks, svg.compact)
    x_ticks = svg.nice_ticks(float(quantities[0]), float(quantities[-1]), 7)
    inside = [(t, svg.compact(t)) for t in x_ticks if quantities[0] <= t <= quantities[-1]]
    svg.x_axis(plot, inside)
    keys = _cost_series(plot, report, quantities, costs)
    axes = f"Expected cost ({report.currency}) against the tokens bought"
    return svg.svg(plot, label=label, axes=axes, keys=keys, prefix="tc-cost")


def _cost_series(
    plot: Plot, report: Report, quantities: npt.NDArray[np.int64], costs: npt.NDArray[np.float64]
) -> list[Key]:
    breaks = [b for b in report.tier_breaks if quantities[0] < b <= quantities[-1]]
    at_breaks = np.searchsorted(quantities, breaks)
    chosen_at = int(np.searchsorted(quantities, report.chosen_quantity))
    keep = np.concatenate([at_breaks - 1, at_breaks, [0, quantities.size - 1, chosen_at - 1]])
    keep = np.concatenate([keep, [chosen_at, int(np.nanargmin(costs))]])
    shown = downsample_indices(quantities.size, keep)
    plot.add(svg.polyline(plot, quantities[shown], costs[shown], COST_LINE))
    keys = [Key("expected cost", line=COST_LINE)]
    for tier_break in breaks:
        plot.add(svg.vline(plot, float(tier_break), TIER_BREAK))
    if breaks:
        keys.append(Key("tier break", line=TIER_BREAK))
    last_year = report.last_year_quantity
    if last_year is not None and quantities[0] <= last_year <= quantities[-1]:
        y = plot.y(float(np.interp(last_year, quantities, costs)))
        plot.add(svg.marker(plot.x(float(last_year)), y, "square", stroke=INK))
        keys.append(Key(f"last year's consumption: {last_year:,} tokens", marker="square"))
    chosen_y = plot.y(float(np.interp(report.chosen_quantity, quantities, costs)))
    plot.add(svg.marker(plot.x(float(report.chosen_quantity)), chosen_y, "circle", stroke=CHOSEN))
    keys.append(Key(f"chosen: {report.chosen_quantity:,} tokens", marker="circle"))
    return keys


def cost_view_upper(report: Report) -> int:
    """The largest quantity the cost chart shows (tokens)."""
    quantities = np.asarray(report.curve_quantities)
    if quantities.size == 0:
        return 0
    top = int(quantities.max())
    if report.chosen_quantity <= 0:
        return top
    # Far enough to show the tier breaks and last year's consumption, which the caption promises.
    marks = [int(1.25 * b) for b in report.tier_breaks if b <= top]
    if report.last_year_quantity is not None and report.last_year_quantity <= top:
        marks.append(int(1.1 * report.last_year_quantity))
    return min(top, max([COST_VIEW_MULTIPLE * report.chosen_quantity, *marks]))


def downsample_indices(
    n_points: int, keep: npt.ArrayLike, limit: int = MAX_CURVE_POINTS
) -> npt.NDArray[np.int64]:
    """Sorted indices of at most about `limit` evenly spread points, always including `keep`.

    `keep` holds the points the eye must not lose (both sides of each price jump, the chosen
    quantity), so a jump stays a jump and the marker sits on the line.
    """
    kept = np.unique(np.clip(np.asarray(keep, dtype=np.int64), 0, max(n_points - 1, 0)))
    if n_points <= limit:
        return np.arange(n_points, dtype=np.int64)
    spread = np.linspace(0, n_points - 1, max(limit - kept.size, 2)).round().astype(np.int64)
    return np.union1d(spread, kept).astype(np.int64)


def weekly_mean(values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Centred 7-day mean, shape kept; the three days at each end repeat the nearest full window.

    Weekends near zero make daily lines a comb; the 7-day mean shows the level and the trend. A
    partial window at an end would hold more weekdays or more weekend days and bend the line.
    """
    series = np.asarray(values, dtype=np.float64)
    if series.size < 7:
        return np.full(series.shape, series.mean()) if series.size else series
    full = np.convolve(series, np.full(7, 1.0 / 7.0), mode="valid")
    return np.pad(full, (3, 3), mode="edge")
