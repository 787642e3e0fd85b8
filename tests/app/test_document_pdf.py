"""The PDF rendering, read back with poppler's tools: every section, the quantity, the page
header facts on every page, the paper size, vector charts, fixed metadata, the same bytes twice."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.documents import render_html, render_pdf
from app.documents.pdf_charts import chart_drawing, hatch_lines
from app.documents.report import Report
from tests.app.doc_fixtures import sample_report
from tests.app.system_tools import require_program

DOC_ID = "7d4f0c52-1a6b-4e0e-9c3a-5b8e2f1d9a60"
SECTIONS = ("The decision", "Options compared", "Usage so far", "The forecast", "Known changes",
            "Assumptions", "Reproducibility")  # fmt: skip


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report()


@pytest.fixture(scope="module")
def pdf(report: Report) -> bytes:
    return render_pdf(render_html(report, document_id=DOC_ID), paper="a4", document_id=DOC_ID)


def poppler(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    program = require_program(tool)
    done = subprocess.run([program, *args, str(path), "-"] if tool == "pdftotext"
                          else [program, *args, str(path)],
                          capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
    return done.stdout


def fields(info: str) -> dict[str, str]:
    pairs = (line.split(":", 1) for line in info.splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def test_pdf_text_has_every_section_the_quantity_and_the_reasoning(
    report: Report, pdf: bytes, tmp_path: Path
) -> None:
    text = poppler("pdftotext", pdf, tmp_path)
    for heading in SECTIONS:
        assert f"\n{heading}\n" in text, heading
    quantity = report.facts["decision"]["quantity"]
    assert f"Buy {quantity:,} tokens for" in text
    assert "Expected days of cover" in text
    assert report.facts["reproducibility"]["inputs_sha256"] in text.replace("\n", "")


def test_every_page_carries_the_organization_date_id_and_page_number(
    pdf: bytes, tmp_path: Path
) -> None:
    pages = poppler("pdftotext", pdf, tmp_path).split("\f")[:-1]  # form feed ends each page
    assert len(pages) >= 4
    for number, page in enumerate(pages, start=1):
        assert "Example Engineering <Ltd> & Co" in page
        assert f"2025-01-01T09:30:00Z \u00b7 Document {DOC_ID}" in page
        assert f"Page {number} of {len(pages)}" in page


@pytest.mark.parametrize(("paper", "points"), [("a4", "595.276 x 841.89"), ("letter", "612 x 792")])
def test_paper_size_is_selectable(report: Report, tmp_path: Path, paper: str, points: str) -> None:
    html = render_html(report, document_id=DOC_ID)
    info = fields(poppler("pdfinfo", render_pdf(html, paper=paper, document_id=DOC_ID), tmp_path))
    assert info["Page size"].startswith(f"{points} pts")


def test_metadata_is_fixed_and_rendering_is_deterministic(
    report: Report, pdf: bytes, tmp_path: Path
) -> None:
    info = fields(poppler("pdfinfo", pdf, tmp_path, "-isodates"))
    assert info["CreationDate"] == "2025-01-01T09:30:00Z"  # the document's own time, not now
    assert info["Title"] == f"Token purchase recommendation ({DOC_ID})"
    assert info["Author"] == "Example Engineering <Ltd> & Co"
    again = render_pdf(render_html(report, document_id=DOC_ID), paper="a4", document_id=DOC_ID)
    assert again == pdf


def test_charts_are_vectors_not_images(pdf: bytes, tmp_path: Path) -> None:
    listing = poppler("pdfimages", pdf, tmp_path, "-list").strip().splitlines()
    assert listing[:2] and listing[0].startswith("page")
    assert listing[2:] == []  # the header lines only: no raster image anywhere


def test_unknown_paper_is_refused(report: Report) -> None:
    with pytest.raises(ValueError, match="paper must be one of"):
        render_pdf(b"<p>x</p>", paper="a3", document_id=DOC_ID)


def test_hatches_are_drawn_as_the_svg_pattern_tiles_them() -> None:
    box = (0.0, 0.0, 12.0, 12.0)
    cross = list(hatch_lines(box, "cross"))  # lines at 3 and 9 across and down
    assert sorted((round(s.x1), round(s.y1), round(s.x2), round(s.y2)) for s in cross) == [
        (0, 3, 12, 3), (0, 9, 12, 9), (3, 0, 3, 12), (9, 0, 9, 12),
    ]  # fmt: skip
    # x + y = 6, 12, 18 cross the box; 0 and 24 only touch a corner.
    diagonal = sorted((s.x1, s.y1, s.x2, s.y2) for s in hatch_lines(box, "diagonal"))
    assert diagonal == [(0.0, 6.0, 6.0, 0.0), (0.0, 12.0, 12.0, 0.0), (6.0, 12.0, 12.0, 6.0)]
    dots = list(hatch_lines(box, "dots"))
    assert sorted((d.cx, d.cy) for d in dots) == [(3, 3), (3, 9), (9, 3), (9, 9)]


def test_a_chart_keeps_its_proportions_and_flips_to_pdf_coordinates() -> None:
    path = '<path d="M10 20l5 0 0 10z" fill="none" stroke="#000000"/>'
    label = '<text x="360" y="270" text-anchor="middle">Jan</text>'
    svg = f'<svg class="chart" viewBox="0 0 720 280">{path}{label}</svg>'
    drawing = chart_drawing(svg, 360.0)
    assert (drawing.width, drawing.height) == (360.0, 140.0)  # half size, same ratio
    text = drawing.contents[-1]
    assert (text.x, text.y, text.text, text.textAnchor) == (180.0, 5.0, "Jan", "middle")


def test_every_font_the_pdf_names_is_embedded(pdf: bytes, tmp_path: Path) -> None:
    rows = poppler("pdffonts", pdf, tmp_path).strip().splitlines()[2:]
    assert rows, "no fonts listed"
    # columns: name type (one or two words) encoding emb sub uni object ID
    not_embedded = [row.split()[0] for row in rows if row.split()[-5] != "yes"]
    assert not_embedded == []
