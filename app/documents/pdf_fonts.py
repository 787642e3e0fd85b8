"""The PDF's fonts: DejaVu Sans, embedded from the TrueType files matplotlib ships (so no system
font is needed), registered with ReportLab once."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib
from reportlab.graphics import shapes
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import tables

REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"


@cache
def register_fonts() -> None:
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name in (REGULAR, BOLD):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR,
                                  boldItalic=BOLD)  # fmt: skip
    # Where ReportLab starts from its own default font (Helvetica) instead of a style's: table
    # cells and the graphics state of charts. Never drawn with, but named in the PDF, and not
    # embedded; DejaVu Sans instead.
    tables.CellStyle.fontname = REGULAR
    shapes.STATE_DEFAULTS["fontName"] = REGULAR
