"""The HTML document in a real browser (Debian's headless Chromium): every chart is drawn.

Skipped, with the reason, where Chromium is absent; failed instead when TOKENCAST_REQUIRE_BROWSER=1
(.ci/run installs Chromium and sets it).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from app.documents import render_html
from tests.app.doc_fixtures import sample_report
from tests.app.system_tools import require_chromium

CHARTS = 5


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)


def test_every_chart_renders_in_chromium(tmp_path: Path) -> None:
    chromium = require_chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    page_file = tmp_path / "document.html"
    page_file.write_bytes(render_html(sample_report(), document_id="doc_browser"))
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            # Nothing may be fetched: the page is self-contained.
            fetched: list[str] = []
            page.on("request", lambda request: fetched.append(request.url))
            page.goto(page_file.as_uri())
            whole = _pixels(page.screenshot(full_page=True))
            charts = page.locator("svg.chart")
            assert charts.count() == CHARTS
            shots = [_pixels(charts.nth(i).screenshot()) for i in range(CHARTS)]
            boxes = [charts.nth(i).bounding_box() for i in range(CHARTS)]
        finally:
            browser.close()
    assert fetched == [page_file.as_uri()]
    assert whole.shape[0] > 3000  # a long document, laid out
    for index, (shot, box) in enumerate(zip(shots, boxes, strict=True)):
        assert box is not None and box["width"] > 500 and box["height"] > 100, index
        # Drawn: some dark ink (lines, bars, labels) and a real spread of shades, not a blank box.
        assert shot.std() > 8, (index, shot.std())  # a blank region has 0
        assert (shot < 100).mean() > 0.003, index
        assert (shot > 240).mean() > 0.3, index  # and mostly paper
