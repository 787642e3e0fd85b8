"""The document's two charts, drawn with matplotlib's object API and returned as inline SVG text.

pyplot is never used: it keeps global figure state and is not thread-safe. matplotlib still reads
rcParams (global) while drawing, so drawing happens under one lock inside an `rc_context` that
starts from matplotlib's defaults: the output does not depend on what else in the process changed
the style. Output is deterministic (no date, fixed hash salt, ids renumbered) so documents can be
hashed.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from datetime import date
from html import escape
from typing import TYPE_CHECKING, Any

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from app.documents.report import Report

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

MAX_CURVE_POINTS = 800
# The cost chart shows candidates up to this multiple of the chosen quantity: past it the curve only
# climbs, and showing it all would squeeze the interesting part into a sliver.
COST_VIEW_MULTIPLE = 4

_INK = "#222222"
_FORECAST = "#1f5fa8"
_CHOSEN = "#b2182b"
_SIZE_INCHES = (7.2, 2.9)
_NO_METADATA: dict[str, Any] = {"Date": None, "Creator": None, "Format": None, "Type": None}
_LOCK = threading.Lock()
_ID = re.compile(r' id="([^"]+)"')
_REFERENCE = re.compile(r'(href="#|url\(#)([^")]+)')


def fan_chart_svg(report: Report) -> str:
    """Daily history (faint) and its 7-day mean; the forecast's p10-p90 band, p50 and mean (7-day
    means of the daily quantiles)."""
    label = "Daily token consumption: history and forecast fan"
    return _render(lambda fig: _draw_fan(fig, report), prefix="tc-fan", label=label)


def cost_chart_svg(report: Report) -> str:
    """Expected cost over the candidate quantities; tier breaks dotted; the chosen one marked."""
    label = "Expected cost against the quantity bought"
    return _render(lambda fig: _draw_cost(fig, report), prefix="tc-cost", label=label)


def cost_view_upper(report: Report) -> int:
    """The largest quantity the cost chart shows (tokens)."""
    quantities = np.asarray(report.curve_quantities)
    if quantities.size == 0:
        return 0
    top = int(quantities.max())
    if report.chosen_quantity <= 0:
        return top
    # Far enough to show the tier breaks in reach, which the caption promises.
    breaks = [int(1.25 * b) for b in report.tier_breaks if b <= top]
    return min(top, max([COST_VIEW_MULTIPLE * report.chosen_quantity, *breaks]))


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


def _render(draw: Callable[[Figure], None], *, prefix: str, label: str) -> str:
    buffer = io.StringIO()
    with _LOCK, matplotlib.rc_context(_style()):
        figure = Figure(figsize=_SIZE_INCHES, layout="constrained")
        FigureCanvasSVG(figure)
        draw(figure)
        figure.savefig(buffer, format="svg", metadata=_NO_METADATA)
    return _finish_svg(buffer.getvalue(), prefix=prefix, label=label)


def _style() -> dict[RcKeyType, Any]:
    style: dict[RcKeyType, Any] = {
        key: value
        for key, value in matplotlib.rcParamsDefault.items()
        if key not in ("backend", "backend_fallback", "interactive")
    }
    style.update(
        {
            "svg.fonttype": "none",  # text stays text: smaller, selectable, searchable
            "svg.hashsalt": "tokencast-document",
            "font.family": "sans-serif",
            "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
            "font.size": 8.0,
            "axes.linewidth": 0.6,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.fontsize": 7.5,
            "legend.frameon": False,
        }
    )
    return style


def _finish_svg(raw: str, *, prefix: str, label: str) -> str:
    """Inline-ready SVG: no XML prolog, ids renumbered under `prefix`, unreferenced ids dropped."""
    svg = raw[raw.index("<svg") :].strip()
    referenced = {match.group(2) for match in _REFERENCE.finditer(svg)}
    renamed: dict[str, str] = {}
    for match in _ID.finditer(svg):
        old = match.group(1)
        if old in referenced and old not in renamed:
            renamed[old] = f"{prefix}-{len(renamed) + 1}"

    def new_id(match: re.Match[str]) -> str:
        old = match.group(1)
        return f' id="{renamed[old]}"' if old in renamed else ""

    def new_reference(match: re.Match[str]) -> str:
        return match.group(1) + renamed.get(match.group(2), match.group(2))

    svg = _REFERENCE.sub(new_reference, _ID.sub(new_id, svg))
    # matplotlib's stylesheet says `*{...}`; inline in HTML that would reach the whole page.
    svg = svg.replace("*{stroke-linejoin", "svg.chart *{stroke-linejoin", 1)
    attributes = f'<svg class="chart" role="img" aria-label="{escape(label)}" '
    return svg.replace("<svg ", attributes, 1)


def _days(first_day: date, n_days: int) -> npt.NDArray[np.datetime64]:
    return np.datetime64(first_day.isoformat(), "D") + np.arange(n_days)


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


def _draw_fan(figure: Figure, report: Report) -> None:
    axes = figure.add_subplot()
    history = np.asarray(report.history_tokens_per_day, dtype=np.float64)
    if history.size:
        days = _days(report.history_start, history.size)
        axes.plot(days, history, color=_INK, lw=0.4, alpha=0.25, label="history, daily")
        axes.plot(days, weekly_mean(history), color=_INK, lw=1.3, label="history, 7-day mean")
    fan = report.fan
    horizon = np.asarray(fan.mean).shape[0]
    if horizon:
        days = _days(fan.first_day, horizon)
        p10, p90 = weekly_mean(fan.p10), weekly_mean(fan.p90)
        axes.fill_between(
            days, p10, p90, color=_FORECAST, alpha=0.22, lw=0, label="forecast p10\u2013p90"
        )
        axes.plot(days, weekly_mean(fan.p50), color=_FORECAST, lw=1.3, label="forecast p50")
        axes.plot(days, weekly_mean(fan.mean), color=_INK, lw=0.9, ls="--", label="forecast mean")
        axes.axvline(days[0], color=_INK, lw=0.8, ls="-.", label="forecast start")
    locator = mdates.AutoDateLocator(maxticks=10)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.yaxis.set_major_formatter(FuncFormatter(_thousands))
    axes.set_ylim(bottom=0)
    axes.set_ylabel("tokens per day")
    axes.grid(axis="y", color="#dddddd", lw=0.5)
    if history.size or horizon:
        figure.legend(loc="outside upper center", ncols=3)


def _draw_cost(figure: Figure, report: Report) -> None:
    axes = figure.add_subplot()
    quantities = np.asarray(report.curve_quantities, dtype=np.int64)
    costs = np.asarray(report.curve_expected_cost, dtype=np.float64)
    upper = cost_view_upper(report)
    visible = quantities <= upper
    quantities, costs = quantities[visible], costs[visible]
    if quantities.size:
        _plot_curve(axes, report, quantities, costs)
    currency = _plain(report.currency)
    axes.set_xlabel("tokens bought")
    axes.set_ylabel(f"expected cost ({currency})")
    axes.xaxis.set_major_formatter(FuncFormatter(_thousands))
    axes.yaxis.set_major_formatter(FuncFormatter(_thousands))
    axes.grid(axis="y", color="#dddddd", lw=0.5)
    if quantities.size:
        figure.legend(loc="outside upper center", ncols=3)


def _plot_curve(
    axes: Axes, report: Report, quantities: npt.NDArray[np.int64], costs: npt.NDArray[np.float64]
) -> None:
    breaks = [b for b in report.tier_breaks if quantities[0] < b <= quantities[-1]]
    at_breaks = np.searchsorted(quantities, breaks)
    chosen_at = int(np.searchsorted(quantities, report.chosen_quantity))
    keep = np.concatenate([at_breaks - 1, at_breaks, [0, quantities.size - 1, chosen_at - 1]])
    keep = np.concatenate([keep, [chosen_at, int(np.nanargmin(costs))]])
    shown = downsample_indices(quantities.size, keep)
    axes.plot(quantities[shown], costs[shown], color=_FORECAST, lw=1.3, label="expected cost")
    for number, tier_break in enumerate(breaks):
        axes.axvline(
            tier_break, color=_INK, lw=0.8, ls=":", label="tier break" if number == 0 else None
        )
    finite = costs[np.isfinite(costs)]
    if finite.size:
        low, high = float(finite.min()), float(finite.max())
        pad = 0.05 * (high - low) if high > low else max(abs(high) * 0.05, 1.0)
        axes.set_ylim(low - pad, high + pad)
    chosen_cost = float(np.interp(report.chosen_quantity, quantities, costs))
    axes.plot(
        [report.chosen_quantity],
        [chosen_cost],
        ls="none",
        marker="o",
        ms=6,
        mfc="white",
        mec=_CHOSEN,
        mew=1.6,
        label=f"chosen: {report.chosen_quantity:,} tokens",
    )
    axes.set_xlim(quantities[0], quantities[-1])


def _thousands(value: float, _position: float) -> str:
    return f"{value:,.0f}"


def _plain(text: str) -> str:
    """User text for a chart label: a `$` must not switch matplotlib into math mode."""
    return text.replace("$", r"\$")
