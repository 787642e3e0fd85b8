"""A small vector-chart kit: inline SVG text for the document's charts.

The charts are written directly as SVG rather than through a plotting library: a chart here is a
handful of paths and labels, and a plotting library's layout pass and verbose output cost more than
the rest of the document's rendering (in the browser and, above all, in the PDF). Everything is
drawn in ink shades with distinct line styles and hatches, so a grey-scale print keeps every
series apart; colour only adds emphasis. Output is deterministic: the same data, the same bytes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

import numpy as np
import numpy.typing as npt

WIDTH, HEIGHT = 720.0, 280.0
FONT = "DejaVu Sans, sans-serif"
INK, MUTED, GRID, ACCENT, BAND = "#1d1d1f", "#6b6b73", "#d9d9de", "#1f4e8c", "#c9d8ec"


@dataclass(frozen=True)
class Line:
    """How a series is drawn: stroke colour, width and dash pattern (SVG dasharray)."""

    stroke: str = INK
    width: float = 1.4
    dash: str = ""

    def attributes(self) -> str:
        dash = f' stroke-dasharray="{self.dash}"' if self.dash else ""
        return f'fill="none" stroke="{self.stroke}" stroke-width="{self.width:g}"{dash}'


@dataclass(frozen=True)
class Fill:
    """An area's look: a plain fill, or a hatch pattern (by name, see HATCHES) over white."""

    color: str = BAND
    hatch: str = ""


# Hatch patterns that stay apart in grey scale: name -> the pattern tile's content (6 x 6 px).
HATCHES = {
    "diagonal": '<path d="M0 6L6 0M-1 1L1 -1M5 7L7 5" stroke="{ink}" stroke-width="1"/>',
    "back": '<path d="M0 0L6 6M-1 5L1 7M5 -1L7 1" stroke="{ink}" stroke-width="1"/>',
    "cross": '<path d="M0 3H6M3 0V6" stroke="{ink}" stroke-width="0.8"/>',
    "dots": '<circle cx="3" cy="3" r="1.1" fill="{ink}"/>',
}


def nice_step(span: float, target: int) -> float:
    """A 1-2-5 step giving about `target` intervals over `span`."""
    if not math.isfinite(span) or span <= 0:
        return 1.0
    raw = span / max(target, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= multiple * power:
            return multiple * power
    return 10.0 * power


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round tick values covering [low, high] (the first at or below low, the last at or above)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high <= low:
        high = low + (abs(low) or 1.0)
    step = nice_step(high - low, target)
    first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    return [round(i * step, 10) for i in range(first, last + 1)]


def thousands(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == round(value) else f"{value:,.1f}"


def compact(value: float) -> str:
    """A tick label: `140k`, `2.5k`, `750`: short labels read faster and never collide."""
    if abs(value) >= 1000:
        return f"{value / 1000:,.4g}k"
    return f"{value:g}"


@dataclass
class Plot:
    """A plot area inside a WIDTH x HEIGHT canvas, mapping data to canvas coordinates."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    left: float = 46.0
    right: float = 14.0
    top: float = 12.0
    bottom: float = 40.0
    width: float = WIDTH
    height: float = HEIGHT
    parts: list[str] = field(default_factory=list)

    def x(self, value: float) -> float:
        low, high = self.x_range
        span = (high - low) or 1.0
        return self.left + (value - low) / span * (self.width - self.left - self.right)

    def y(self, value: float) -> float:
        low, high = self.y_range
        span = (high - low) or 1.0
        return self.height - self.bottom - (value - low) / span * self.inner_height

    @property
    def inner_height(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> float:
        return self.height - self.bottom

    def add(self, *parts: str) -> None:
        self.parts.extend(parts)


def path_data(xs: Sequence[float], ys: Sequence[float]) -> str:
    """`M x y l dx dy ...` in tenths of a pixel (finer than print shows), relative after the first
    point: about half the text of absolute coordinates, for the browser and the PDF to parse."""
    points = [(round(x * 10), round(y * 10)) for x, y in zip(xs, ys, strict=True)]
    if not points:
        return ""
    (x0, y0), steps = points[0], []
    for (ax, ay), (bx, by) in itertools.pairwise(points):
        steps.append(f"{_tenths(bx - ax)} {_tenths(by - ay)}")
    head = f"M{_tenths(x0)} {_tenths(y0)}"
    return f"{head}l{' '.join(steps)}" if steps else head


def _tenths(value: int) -> str:
    whole, tenth = divmod(abs(value), 10)
    sign = "-" if value < 0 else ""
    return f"{sign}{whole}.{tenth}" if tenth else f"{sign}{whole}"


def polyline(plot: Plot, xs: npt.ArrayLike, ys: npt.ArrayLike, style: Line) -> str:
    x_values, y_values = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    keep = np.isfinite(x_values) & np.isfinite(y_values)
    px = [plot.x(float(v)) for v in x_values[keep]]
    py = [plot.y(float(v)) for v in y_values[keep]]
    if len(px) < 2:
        return ""
    return f'<path d="{path_data(px, py)}" {style.attributes()}/>'


def thin(n_points: int, limit: int = 370) -> npt.NDArray[np.int64]:
    """Every k-th index (and the last) so a line keeps at most about `limit` points: at a chart's
    width more points than pixels add bytes and nothing a reader can see."""
    step = max(1, -(-n_points // limit))
    picked = np.arange(0, n_points, step, dtype=np.int64)
    if n_points and picked[-1] != n_points - 1:
        picked = np.append(picked, n_points - 1)
    return picked


def band(plot: Plot, xs: npt.ArrayLike, low: npt.ArrayLike, high: npt.ArrayLike, fill: str) -> str:
    """The area between two curves over the same x values."""
    x_values = [plot.x(float(v)) for v in np.asarray(xs, dtype=np.float64)]
    upper = [plot.y(float(v)) for v in np.asarray(high, dtype=np.float64)]
    lower = [plot.y(float(v)) for v in np.asarray(low, dtype=np.float64)]
    if len(x_values) < 2:
        return ""
    outline = path_data(x_values + x_values[::-1], upper + lower[::-1])
    return f'<path d="{outline} Z" fill="{fill}" stroke="none"/>'


def vline(plot: Plot, x: float, style: Line) -> str:
    px = plot.x(x)
    return (
        f'<path d="M {px:.1f} {plot.top:.1f} L {px:.1f} {plot.baseline:.1f}" {style.attributes()}/>'
    )


def rect(x: float, y: float, w: float, h: float, fill: str, stroke: str = INK) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.0):.1f}" height="{max(h, 0.0):.1f}" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="0.6"/>'
    )


def rects(boxes: Iterable[tuple[float, float, float, float]], fill: str, stroke: str = INK) -> str:
    """Many rectangles of one look as one path (one element to style and draw, one pattern)."""
    parts = [
        f"M{x:.1f} {y:.1f}h{max(w, 0.0):.1f}v{max(h, 0.0):.1f}h{-max(w, 0.0):.1f}z"
        for x, y, w, h in boxes
    ]
    if not parts:
        return ""
    return f'<path d="{"".join(parts)}" fill="{fill}" stroke="{stroke}" stroke-width="0.6"/>'


def text(
    x: float, y: float, content: str, *, anchor: str = "start", size: float = 11.0,
    color: str = INK, weight: str = "normal",
) -> str:  # fmt: skip
    bold = ' font-weight="bold"' if weight != "normal" else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size:g}" '
        f'fill="{color}"{bold}>{escape(content)}</text>'
    )


def marker(x: float, y: float, shape: str, *, stroke: str = INK, size: float = 5.0) -> str:
    """An open circle or square (white inside, so it reads over any line)."""
    if shape == "square":
        return rect(x - size, y - size, 2 * size, 2 * size, "#ffffff", stroke).replace(
            'stroke-width="0.6"', 'stroke-width="1.8"'
        )
    return (
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{size:g}" fill="#ffffff" stroke="{stroke}" '
        'stroke-width="1.8"/>'
    )


def y_axis(plot: Plot, ticks: Iterable[float], fmt: Callable[[float], str]) -> None:
    """Grid lines and tick labels; the axis titles are HTML (see `svg`)."""
    right = plot.width - plot.right
    grid = []
    for tick in ticks:
        y = plot.y(tick)
        grid.append(f"M{plot.left:.1f} {y:.1f}H{right:.1f}")
        plot.add(text(plot.left - 6, y + 4, fmt(tick), anchor="end", size=10, color=MUTED))
    plot.parts.insert(0, f'<path d="{"".join(grid)}" stroke="{GRID}" stroke-width="0.6"/>')


def x_axis(plot: Plot, ticks: Iterable[tuple[float, str]]) -> None:
    base = plot.baseline
    marks = [f"M{plot.left:.1f} {base:.1f}H{plot.width - plot.right:.1f}"]
    for value, caption in ticks:
        x = plot.x(value)
        marks.append(f"M{x:.1f} {base:.1f}v4")
        plot.add(text(x, base + 15, caption, anchor="middle", size=10, color=MUTED))
    plot.add(f'<path d="{"".join(marks)}" stroke="{INK}" stroke-width="0.8"/>')


@dataclass(frozen=True)
class Key:
    """One legend entry: a line sample, an area swatch (a colour or a hatch) or a marker."""

    label: str
    line: Line | None = None
    fill: str | None = None
    hatch: str = ""
    marker: str | None = None


def legend_html(keys: Sequence[Key], prefix: str) -> str:
    """The legend as an HTML list under the chart, each entry with a small self-contained SVG
    sample drawn as in the chart. Labels are HTML text, so they wrap and keep the page's size
    however wide the chart is drawn."""
    items = []
    for number, key in enumerate(keys, start=1):
        parts, defs = [], ""
        if key.hatch:
            defs = pattern_defs(f"{prefix}-key{number}", [key.hatch])
            parts.append(rect(1, 1, 22, 10, f"url(#{prefix}-key{number}-{key.hatch})"))
        elif key.fill is not None:
            parts.append(rect(1, 1, 22, 10, key.fill))
        if key.line is not None:
            parts.append(f'<path d="M1 6H23" {key.line.attributes()}/>')
        if key.marker is not None:
            parts.append(marker(12, 6, key.marker, size=4))
        sample = (
            f'<svg class="key" viewBox="0 0 24 12" aria-hidden="true">{defs}{"".join(parts)}</svg>'
        )
        items.append(f"<li>{sample} {escape(key.label)}</li>")
    return f'<ul class="legend">{"".join(items)}</ul>' if items else ""


def pattern_defs(prefix: str, names: Iterable[str], ink: str = INK) -> str:
    tiles = [
        f'<pattern id="{prefix}-{name}" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="#ffffff"/>{HATCHES[name].format(ink=ink)}</pattern>'
        for name in names
    ]
    return f"<defs>{''.join(tiles)}</defs>" if tiles else ""


def svg(
    plot: Plot, *, label: str, axes: str = "", defs: str = "", keys: Sequence[Key] = (),
    prefix: str = "",
) -> str:  # fmt: skip
    """The chart as HTML: what its axes measure (`axes`, a line above it), the inline SVG element
    (`label` is its accessible name), then its legend."""
    element = (
        f'<svg class="chart" viewBox="0 0 {plot.width:g} {plot.height:g}" role="img" '
        f'aria-label="{escape(label)}" font-family="{FONT}">{defs}{"".join(plot.parts)}</svg>'
    )
    title = f'<p class="axes">{escape(axes)}</p>' if axes else ""
    return title + element + legend_html(keys, prefix or "tc-key")


def empty_chart(label: str, message: str) -> str:
    plot = Plot(x_range=(0.0, 1.0), y_range=(0.0, 1.0), height=90.0)
    plot.add(text(WIDTH / 2, 50, message, anchor="middle", color=MUTED))
    return svg(plot, label=label)
