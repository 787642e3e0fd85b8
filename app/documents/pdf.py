"""The recommendation document as PDF, laid out from its own HTML rendering with ReportLab.

The stored HTML is read back (`pdf_html`) and laid out as flowables (`pdf_story`), charts as
vector drawings (`pdf_charts`), so the PDF says exactly what the HTML says and a document stored
before anyone asked for its PDF can still be printed. Every page carries the organization, the
document's date and id, the title and "Page N of M". Fonts are embedded from the DejaVu files
matplotlib ships: no system package is needed. Output is deterministic: ReportLab's invariant
mode, the document's own creation date, and metadata from the HTML's head.

ReportLab rather than an HTML-to-PDF engine: printing this HTML with WeasyPrint took about 1.6 s
of CPU (its Python layout costs about 2 ms per box of text), over the 1.5 s budget for all three
formats; ReportLab lays out the same content in about 0.3 s (docs/render.md).
"""

from __future__ import annotations

import threading
from datetime import datetime
from io import BytesIO
from typing import Any

import reportlab
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate

from app.documents.pdf_fonts import REGULAR, register_fonts
from app.documents.pdf_html import Node, parse
from app.documents.pdf_story import Story

PAPERS = {"a4": A4, "letter": LETTER}
MARGINS = {"left": 14 * mm, "right": 14 * mm, "top": 20 * mm, "bottom": 18 * mm}
_LOCK = threading.Lock()  # ReportLab keeps module-level state (fonts, rl_config) while building


def render_pdf(html: bytes, *, paper: str, document_id: str) -> bytes:
    """The PDF of an HTML rendering on `paper` ("a4" or "letter")."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {sorted(PAPERS)}, not {paper!r}")
    register_fonts()
    root = parse(html.decode("utf-8"))
    running = _running(root, document_id)
    buffer = BytesIO()
    page_w, _ = PAPERS[paper]
    with _LOCK:
        template = SimpleDocTemplate(
            buffer, pagesize=PAPERS[paper], invariant=1, title=running["pdf_title"],
            author=running["organization"], creator="tokencast", producer="tokencast",
            leftMargin=MARGINS["left"], rightMargin=MARGINS["right"],
            topMargin=MARGINS["top"], bottomMargin=MARGINS["bottom"],
        )  # fmt: skip
        story = list(Story(page_w - MARGINS["left"] - MARGINS["right"]).flowables(root))

        def canvas(*args: Any, **kwargs: Any) -> Canvas:
            return _PagedCanvas(*args, running=running, **kwargs)

        template.build(story, canvasmaker=canvas)
    return buffer.getvalue()


def renderer_version() -> str:
    return f"ReportLab {reportlab.Version}"


def _running(root: Node, document_id: str) -> dict[str, str]:
    metas = {m.attrs.get("name", ""): m.attrs.get("content", "") for m in root.find_all("meta")}
    title = root.find("title")
    heading = root.find("h1")
    return {
        "organization": metas.get("author", ""),
        "created": metas.get("dcterms.created", ""),
        "document_id": document_id,
        "title": heading.text() if heading else "",
        "pdf_title": title.text() if title else "",
    }


class _PagedCanvas(Canvas):  # type: ignore[misc]  # ReportLab ships no type hints
    """Holds every page until the end, then draws the running header and footer with the page
    count ("Page N of M") and saves; the creation date is the document's own."""

    def __init__(self, *args: Any, running: dict[str, str], **kwargs: Any) -> None:
        # The canvas's starting font is ours: ReportLab's (Helvetica) would be named in the PDF,
        # never drawn with and not embedded.
        super().__init__(*args, **{**kwargs, "initialFontName": REGULAR})
        self._running = running
        self._pages: list[dict[str, Any]] = []
        created = _pdf_date(running["created"])
        if created:
            self.setDateFormatter(lambda *_: created)

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._decorate(number, len(self._pages))
            super().showPage()
        super().save()

    def _decorate(self, number: int, total: int) -> None:
        width, height = self._pagesize
        left, right = MARGINS["left"], width - MARGINS["right"]
        top, bottom = height - 11 * mm, 9 * mm
        run = self._running
        self.setFont(REGULAR, 7)
        self.setFillColor(HexColor("#5b5b63"))
        self.drawString(left, top, run["organization"])
        self.drawRightString(right, top, f"{run['created']} \u00b7 Document {run['document_id']}")
        self.drawString(left, bottom, run["title"])
        self.drawRightString(right, bottom, f"Page {number} of {total}")


def _pdf_date(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return ""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return (f"D:{moment:%Y%m%d%H%M%S}{sign}{abs(minutes) // 60:02d}'"
            f"{abs(minutes) % 60:02d}'")  # fmt: skip
