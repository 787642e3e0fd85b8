"""The document's inline SVG charts as ReportLab drawings (vector), for the PDF.

Only the small SVG subset `app.documents.svg` writes is read: paths of M, L, H, V, l, h, v and z
commands, rectangles, circles and text, with fills, strokes and dash arrays; hatch patterns are
drawn as clipped line work, tile for tile as the SVG pattern tiles them (6 x 6 units from the
origin), so the PDF and the browser show the same hatches.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Path, Rect, String
from reportlab.lib.colors import Color, HexColor

from app.documents.pdf_fonts import BOLD, REGULAR

TILE = 6.0
_NUMBER = re.compile(r"[MLHVlhvZz]|-?\d+(?:\.\d+)?")
_PATTERN = re.compile(r"url\(#[\w-]*?-(diagonal|back|cross|dots)\)")
Box = tuple[float, float, float, float]


def chart_drawing(svg_text: str, width: float) -> Drawing:
    """The chart scaled to `width` points; SVG y grows down, so every y is flipped."""
    root = ET.fromstring(svg_text)
    _, _, view_w, view_h = (float(v) for v in root.attrib["viewBox"].split())
    scale = width / view_w
    drawing = Drawing(width, view_h * scale)
    shapes = Group(transform=(scale, 0, 0, -scale, 0, view_h * scale))
    for node in root:
        if node.tag == "text":
            drawing.add(_text(node, scale, view_h))
        elif node.tag != "defs":
            for shape in _shapes(node):
                shapes.add(shape)
    drawing.insert(0, shapes)
    return drawing


def _color(value: str | None) -> Color | None:
    if not value or value == "none" or value.startswith("url("):
        return None
    return HexColor(value)


def _shapes(node: ET.Element) -> Iterator[object]:
    fill, stroke = node.get("fill", "#000000"), node.get("stroke", "none")
    width = float(node.get("stroke-width", "1"))
    dash = [float(v) for v in node.get("stroke-dasharray", "").split()] or None
    hatch = _PATTERN.match(fill)
    if node.tag == "rect":
        box = tuple(float(node.get(k, "0")) for k in ("x", "y", "width", "height"))
        boxes: list[Box] = [box]  # type: ignore[list-item]
        outline: object = Rect(*box, fillColor=_color(fill), strokeColor=_color(stroke),
                               strokeWidth=width)  # fmt: skip
    elif node.tag == "circle":
        cx, cy, r = (float(node.get(k, "0")) for k in ("cx", "cy", "r"))
        yield Circle(cx, cy, r, fillColor=_color(fill), strokeColor=_color(stroke),
                     strokeWidth=width)  # fmt: skip
        return
    elif node.tag == "path":
        outline, boxes = _path(node.get("d", ""))
        outline.fillColor, outline.strokeColor = _color(fill), _color(stroke)  # type: ignore[attr-defined]
        outline.strokeWidth, outline.strokeDashArray = width, dash  # type: ignore[attr-defined]
    else:
        return
    if hatch:
        for box in boxes:
            yield Rect(*box, fillColor=HexColor("#ffffff"), strokeColor=None)
            yield from hatch_lines(box, hatch.group(1))
    yield outline


def _path(d: str) -> tuple[Path, list[Box]]:
    """A ReportLab path, and the bounding box of each closed subpath (the bars of a chart)."""
    path = Path(fillColor=None, strokeColor=None)
    tokens = _NUMBER.findall(d)
    x = y = 0.0
    command, boxes = "M", []
    points: list[tuple[float, float]] = []
    i = 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "Zz":
                path.closePath()
                xs, ys = [p[0] for p in points], [p[1] for p in points]
                boxes.append((min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
                points = []
            continue
        if command in "ML":
            x, y = float(tokens[i]), float(tokens[i + 1])
            i += 2
        elif command == "l":
            x, y = x + float(tokens[i]), y + float(tokens[i + 1])
            i += 2
        elif command in "Hh":
            x = float(tokens[i]) + (x if command == "h" else 0.0)
            i += 1
        elif command in "Vv":
            y = float(tokens[i]) + (y if command == "v" else 0.0)
            i += 1
        if command == "M":
            path.moveTo(x, y)
            points = [(x, y)]
            command = "L"  # further pairs after M are lines, as in SVG
        else:
            path.lineTo(x, y)
            points.append((x, y))
    return path, boxes


def hatch_lines(box: Box, kind: str) -> Iterator[object]:
    """The pattern `kind` inside `box`, as the SVG pattern tiles it from the origin."""
    x0, y0, w, h = box
    x1, y1 = x0 + w, y0 + h
    ink = {"strokeColor": HexColor("#1d1d1f"), "strokeWidth": 0.8 if kind == "cross" else 1.0}
    if kind == "cross":
        for k in range(int(x0 // TILE), int(x1 // TILE) + 1):
            if x0 <= k * TILE + 3 <= x1:
                yield Line(k * TILE + 3, y0, k * TILE + 3, y1, **ink)
        for k in range(int(y0 // TILE), int(y1 // TILE) + 1):
            if y0 <= k * TILE + 3 <= y1:
                yield Line(x0, k * TILE + 3, x1, k * TILE + 3, **ink)
    elif kind == "dots":
        for i in range(int(x0 // TILE), int(x1 // TILE) + 1):
            for j in range(int(y0 // TILE), int(y1 // TILE) + 1):
                cx, cy = i * TILE + 3, j * TILE + 3
                if x0 <= cx <= x1 and y0 <= cy <= y1:
                    yield Circle(cx, cy, 1.1, fillColor=ink["strokeColor"], strokeColor=None)
    else:
        # diagonal: lines x + y = 6k (rising to the right on screen); back: x - y = 6k.
        sign = 1.0 if kind == "diagonal" else -1.0
        low, high = sorted((x0 + sign * y0, x1 + sign * y1, x0 + sign * y1, x1 + sign * y0))[::3]
        for k in range(int(low // TILE), int(high // TILE) + 2):
            segment = _clip_diagonal(k * TILE, sign, box)
            if segment is not None:
                yield Line(*segment, **ink)


def _clip_diagonal(c: float, sign: float, box: Box) -> tuple[float, float, float, float] | None:
    """The part of the line x + sign * y = c inside the box, if any."""
    x0, y0, w, h = box
    points = []
    for y in (y0, y0 + h):
        x = c - sign * y
        if x0 <= x <= x0 + w:
            points.append((x, y))
    for x in (x0, x0 + w):
        y = (c - x) * sign
        if y0 <= y <= y0 + h:
            points.append((x, y))
    if len(points) < 2:
        return None
    (ax, ay), (bx, by) = min(points), max(points)
    return (ax, ay, bx, by) if (ax, ay) != (bx, by) else None


def _text(node: ET.Element, scale: float, view_h: float) -> String:
    size = float(node.get("font-size", "11")) * scale
    anchor = {"middle": "middle", "end": "end"}.get(node.get("text-anchor", "start"), "start")
    font = BOLD if node.get("font-weight") == "bold" else REGULAR
    x, y = float(node.get("x", "0")) * scale, (view_h - float(node.get("y", "0"))) * scale
    return String(x, y, node.text or "", fontName=font, fontSize=size, textAnchor=anchor,
                  fillColor=_color(node.get("fill", "#000000")) or HexColor("#000000"))  # fmt: skip
