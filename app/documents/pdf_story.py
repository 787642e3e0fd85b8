"""The HTML rendering's tree laid out as ReportLab flowables: headings, paragraphs, labelled
values, tables (the chosen option highlighted), charts with their legends, lists, warnings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from app.documents.pdf_charts import chart_drawing
from app.documents.pdf_fonts import BOLD, REGULAR
from app.documents.pdf_html import Node

INK, MUTED, RULE = HexColor("#1d1d1f"), HexColor("#5b5b63"), HexColor("#d4d4d8")
BAND, CHOSEN, WARN = HexColor("#f3f5f9"), HexColor("#fdf3d7"), HexColor("#fff8e1")


def _style(name: str, size: float, **extra: object) -> ParagraphStyle:
    settings: dict[str, object] = {"fontName": REGULAR, "bulletFontName": REGULAR,
                                   "fontSize": size, "leading": size * 1.35,
                                   "textColor": INK}  # fmt: skip
    return ParagraphStyle(name, **(settings | extra))


BODY = _style("body", 8.5, spaceAfter=4)
SMALL = _style("small", 7.5, textColor=MUTED, spaceAfter=4)
CELL = _style("cell", 7.2, leading=9)
CELL_RIGHT = _style("cell-right", 7.2, leading=9, alignment=TA_RIGHT)
H1 = _style("h1", 15, fontName=BOLD, spaceAfter=4)
H2 = _style("h2", 12, fontName=BOLD, spaceBefore=10, spaceAfter=5, borderPadding=(0, 0, 2, 0))
H3 = _style("h3", 9.5, fontName=BOLD, spaceBefore=6, spaceAfter=3)
HEADLINE = _style("headline", 12.5, fontName=BOLD, spaceAfter=5)
WHY = _style("why", 8.5, backColor=BAND, borderPadding=5, spaceBefore=8, spaceAfter=10,
             borderColor=INK, borderWidth=0)  # fmt: skip


def inline(node: Node | str) -> str:
    """ReportLab paragraph markup for inline content: text escaped, strong as bold."""
    if isinstance(node, str):
        return escape(re.sub(r"\s+", " ", node))
    inner = "".join(inline(child) for child in node.children).strip()
    if node.tag in ("strong", "b") and inner:
        return f"<b>{inner}</b>"
    return inner


class Story:
    """Walks the page's tree and yields flowables for a frame `width` points wide."""

    def __init__(self, width: float) -> None:
        self.width = width

    def flowables(self, node: Node) -> Iterator[Flowable]:
        for child in node.elements():
            yield from self.element(child)

    def element(self, node: Node) -> Iterator[Flowable]:
        tag, classes = node.tag, node.classes
        if tag in ("html", "body", "header", "main", "section", "footer", "div") and not (
            classes & {"items", "warnings", "pair"}
        ):
            yield from self.flowables(node)
        elif tag == "h1":
            yield Paragraph(inline(node), H1)
        elif tag in ("h2", "h3"):
            yield Paragraph(inline(node), H2 if tag == "h2" else H3)
        elif tag == "p":
            yield self.paragraph(node, classes)
        elif tag == "dl":
            yield self.items(node)
        elif tag == "table":
            yield self.table(node)
        elif tag == "figure":
            yield self.figure(node)
        elif tag == "ul":
            yield from self.bullets(node)
        elif "warnings" in classes:
            yield self.boxed(node)
        elif "pair" in classes:
            tables = [self.table(t, self.width * 0.48) for t in node.find_all("table")]
            yield Table([tables], colWidths=[self.width / 2] * len(tables),
                        style=[("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)])  # fmt: skip

    def paragraph(self, node: Node, classes: set[str]) -> Flowable:
        if "meta" in classes:  # the header's facts, separated as the stylesheet separates them
            spans = [inline(span) for span in node.elements() if span.tag == "span"]
            return Paragraph(" \u00b7 ".join(spans), SMALL)
        if "headline" in classes:
            return Paragraph(inline(node), HEADLINE)
        if "why" in classes:
            return Paragraph(inline(node), WHY)
        if classes & {"meta", "note", "ok", "axes"} or node.find("code") is not None:
            return Paragraph(inline(node), SMALL)
        return Paragraph(inline(node), BODY)

    def items(self, node: Node) -> Flowable:
        pairs = [(inline(d.find("dt") or Node("dt")), inline(d.find("dd") or Node("dd")))
                 for d in node.elements()]  # fmt: skip
        rows = []
        for i in range(0, len(pairs), 2):
            row: list[object] = []
            for label, value in pairs[i : i + 2]:
                row += [Paragraph(label, _muted(CELL)), Paragraph(value, CELL)]
            rows.append(row + [""] * (4 - len(row)))
        quarter = self.width / 4
        widths = [quarter * 0.85, quarter * 1.15, quarter * 0.85, quarter * 1.15]
        return Table(rows, colWidths=widths, style=[
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ])  # fmt: skip

    def table(self, node: Node, width: float | None = None) -> Table:
        rows, styles = [], [("LINEBELOW", (0, 0), (-1, 0), 0.9, INK),
                            ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
                            ("VALIGN", (0, 0), (-1, -1), "TOP"),
                            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]  # fmt: skip
        for r, tr in enumerate(node.find_all("tr")):
            row = []
            for c, cell in enumerate(tr.elements()):
                chosen = "chosen" in cell.classes or "chosen" in tr.classes
                text = inline(cell) + (" \u2714" if chosen and r == 0 else "")
                label = r > 0 and cell.tag == "th" and c == 0  # a row's label: muted, plain
                style = CELL if c == 0 else CELL_RIGHT
                text = f"<b>{text}</b>" if (r == 0 or chosen) and text else text
                row.append(Paragraph(text, _muted(style) if label else style))
                if chosen and r > 0:
                    styles.append(("BACKGROUND", (c, r), (c, r), CHOSEN))
            rows.append(row)
        columns = max((len(row) for row in rows), default=1)
        total = width or self.width
        first = total * (0.24 if columns > 2 else 0.5)
        rest = (total - first) / max(columns - 1, 1)
        return Table(rows, colWidths=[first] + [rest] * (columns - 1), style=TableStyle(styles),
                     repeatRows=1)  # fmt: skip

    def figure(self, node: Node) -> Flowable:
        parts: list[Flowable] = []
        for child in node.elements():
            if child.tag == "p":
                parts.append(Paragraph(inline(child), SMALL))
            elif child.tag == "svgref":
                parts.append(chart_drawing(child.attrs["source"], self.width))
            elif child.tag == "ul":
                parts.append(self.legend(child))
            elif child.tag == "figcaption":
                parts.append(Paragraph(inline(child), SMALL))
        return KeepTogether([*parts, Spacer(1, 4)])

    def legend(self, node: Node) -> Flowable:
        cells: list[object] = []
        for item in node.elements():
            swatch = item.find("svgref")
            sample = chart_drawing(swatch.attrs["source"], 16) if swatch else Drawing(16, 8)
            cells += [sample, Paragraph(inline(item), CELL)]
        per_row = 6
        rows = [cells[i : i + per_row] for i in range(0, len(cells), per_row)]
        rows = [row + [""] * (per_row - len(row)) for row in rows] or [[""] * per_row]
        pair = self.width / (per_row / 2)
        return Table(rows, colWidths=[20, pair - 20] * (per_row // 2), style=[
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 1),
            ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ])  # fmt: skip

    def bullets(self, node: Node) -> Iterator[Flowable]:
        for item in node.elements():
            yield Paragraph(inline(item), BODY, bulletText="\u2022")

    def boxed(self, node: Node) -> Flowable:
        inner = list(self.flowables(node))
        return Table([[inner]], colWidths=[self.width], style=[
            ("BOX", (0, 0), (-1, -1), 1.2, HexColor("#9a6700")),
            ("BACKGROUND", (0, 0), (-1, -1), WARN),
        ])  # fmt: skip


def _muted(style: ParagraphStyle) -> ParagraphStyle:
    return ParagraphStyle(f"{style.name}-muted", parent=style, textColor=MUTED)
