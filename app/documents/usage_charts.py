"""Charts drawn from the facts alone: usage by month and product, the weekday profile, and the
distribution of the forecast's total over simulated futures.

Products are stacked with hatches (solid, diagonal, cross, back-diagonal, dots, plain), so the
stack reads in grey scale; the distribution's quantiles are told apart by dash pattern.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.documents import svg
from app.documents.charts import MONTHS
from app.documents.svg import ACCENT, BAND, INK, Key, Line, Plot
from app.documents.view import mapping, sequence

# Fills for the stacked products, in stack order: each differs in pattern, not only in shade.
STACK_FILLS: tuple[tuple[str, str], ...] = (
    ("solid", ACCENT),
    ("diagonal", ""),
    ("cross", ""),
    ("back", ""),
    ("dots", ""),
    ("solid", "#ffffff"),
)
P50 = Line(stroke=INK, width=2.0)
P10_P90 = Line(stroke=INK, width=1.2, dash="6 3")
MEAN = Line(stroke=INK, width=1.2, dash="1.5 2.5")


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _fills(prefix: str, groups: list[str]) -> tuple[list[str], list[Key], str]:
    """Each product group's fill, its legend key, and the pattern definitions they use."""
    styles = [STACK_FILLS[i % len(STACK_FILLS)] for i in range(len(groups))]
    fills = [f"url(#{prefix}-{kind})" if kind != "solid" else color for kind, color in styles]
    keys = [
        Key(group, fill=color, hatch="" if kind == "solid" else kind)
        for group, (kind, color) in zip(groups, styles, strict=True)
    ]
    defs = svg.pattern_defs(prefix, sorted({kind for kind, _ in styles if kind != "solid"}))
    return fills, keys, defs


def monthly_chart_svg(usage: Mapping[str, Any]) -> str:
    """Tokens per month as bars stacked by product group (the largest products, then the rest)."""
    label = "Tokens used per month, by product"
    months = [mapping(m) for m in sequence(usage.get("months"))]
    groups = [str(g) for g in sequence(usage.get("product_groups"))]
    if not months:
        return svg.empty_chart(label, "No usage before the purchase date.")
    totals = [_number(m.get("tokens")) for m in months]
    ticks = svg.nice_ticks(0.0, max([1.0, *totals]), 5)
    plot = Plot(x_range=(0.0, float(len(months))), y_range=(0.0, ticks[-1]))
    svg.y_axis(plot, ticks, svg.compact)
    fills, keys, defs = _fills("tc-usage", groups)
    slot = (plot.x(1.0) - plot.x(0.0)) * 0.72
    boxes: dict[str, list[tuple[float, float, float, float]]] = {}
    for index, month in enumerate(months):
        parts = [_number(v) for v in sequence(month.get("by_product"))] or [totals[index]]
        left, level = plot.x(index + 0.5) - slot / 2, 0.0
        for part, fill in zip(parts, fills or [BAND], strict=False):
            top, bottom = plot.y(level + part), plot.y(level)
            boxes.setdefault(fill, []).append((left, top, slot, bottom - top))
            level += part
    plot.add(*(svg.rects(group, fill) for fill, group in boxes.items()))
    svg.x_axis(plot, _month_captions(months))
    return svg.svg(plot, label=label, axes="Tokens per month", defs=defs, keys=keys,
                   prefix="tc-usage")  # fmt: skip


def _month_captions(months: Sequence[Mapping[str, Any]]) -> list[tuple[float, str]]:
    step = max(1, -(-len(months) // 12))
    captions = []
    for index, month in enumerate(months):
        text = str(month.get("month", ""))
        if index % step or len(text) != 7:
            continue
        year, number = text[:4], int(text[5:7])
        name = MONTHS[number - 1] if 1 <= number <= 12 else text
        first = index == 0 or number == 1
        captions.append((index + 0.5, f"{name} {year}" if first else name))
    return captions


def weekday_chart_svg(usage: Mapping[str, Any]) -> str:
    """Mean tokens per day for each weekday, each bar labelled with its value."""
    label = "Mean tokens per day by weekday"
    days = [mapping(d) for d in sequence(usage.get("weekdays"))]
    if not days:
        return svg.empty_chart(label, "No usage before the purchase date.")
    values = [_number(d.get("mean_tokens")) for d in days]
    ticks = svg.nice_ticks(0.0, max([1.0, *values]) * 1.12, 4)
    plot = Plot(x_range=(0.0, float(len(days))), y_range=(0.0, ticks[-1]), height=200.0)
    svg.y_axis(plot, ticks, svg.compact)
    slot = (plot.x(1.0) - plot.x(0.0)) * 0.6
    boxes = []
    for index, value in enumerate(values):
        left, top = plot.x(index + 0.5) - slot / 2, plot.y(value)
        boxes.append((left, top, slot, plot.baseline - top))
        plot.add(svg.text(plot.x(index + 0.5), top - 4, svg.thousands(value), anchor="middle",
                          size=10))  # fmt: skip
    plot.add(svg.rects(boxes, ACCENT))
    svg.x_axis(plot, [(i + 0.5, str(d.get("weekday", ""))) for i, d in enumerate(days)])
    return svg.svg(plot, label=label, axes="Mean tokens per day")


def distribution_chart_svg(distribution: Mapping[str, Any]) -> str:
    """A histogram of the forecast total over the simulated futures, with its p10, p50, p90 and
    mean marked by line style."""
    label = "Distribution of the forecast total over the simulated futures"
    edges = [_number(e) for e in sequence(distribution.get("bin_edges"))]
    counts = [_number(c) for c in sequence(distribution.get("counts"))]
    if len(edges) < 2 or len(counts) != len(edges) - 1:
        return svg.empty_chart(label, "No distribution was recorded.")
    total = sum(counts) or 1.0
    shares = [100.0 * c / total for c in counts]
    ticks = svg.nice_ticks(0.0, max([1.0, *shares]), 4)
    plot = Plot(x_range=(edges[0], edges[-1]), y_range=(0.0, ticks[-1]), height=240.0)
    svg.y_axis(plot, ticks, lambda v: f"{v:g}")
    plot.add(svg.rects(
        ((plot.x(low), plot.y(share), plot.x(high) - plot.x(low), plot.baseline - plot.y(share))
         for low, high, share in zip(edges, edges[1:], shares, strict=False)),
        BAND,
    ))  # fmt: skip
    keys = []
    for key, style, caption in (("p10", P10_P90, "p10 and p90"), ("p90", P10_P90, ""),
                                ("p50", P50, "p50"), ("mean", MEAN, "mean")):  # fmt: skip
        value = distribution.get(key)
        if isinstance(value, int | float) and edges[0] <= value <= edges[-1]:
            plot.add(svg.vline(plot, float(value), style))
            if caption:
                keys.append(Key(caption, line=style))
    days = distribution.get("days")
    x_ticks = svg.nice_ticks(edges[0], edges[-1], 6)
    inside = [(t, svg.compact(t)) for t in x_ticks if edges[0] <= t <= edges[-1]]
    svg.x_axis(plot, inside)
    keys = [Key("share of futures", fill=BAND), *keys]
    span = svg.thousands(_number(days))
    axes = f"% of futures, against the tokens used over the next {span} days"
    return svg.svg(plot, label=label, axes=axes, keys=keys, prefix="tc-dist")
