"""The recommendation document: well-formed, self-contained, complete, deterministic, canonical."""

from __future__ import annotations

import json
import math
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import matplotlib
import numpy as np
import pytest

from app.documents import SCHEMA, render_html, render_json
from app.documents import formatting as fmt
from app.documents.charts import cost_chart_svg, downsample_indices, weekly_mean
from app.documents.json_doc import DocumentValueError
from app.documents.narrative import why_paragraph
from app.documents.report import Report
from tests.app.doc_fixtures import sample_report

DOC_ID = "doc_test_0001"
SECTIONS = ["The decision", "Options compared", "The forecast", "Data used", "Assumptions"]
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "source", "wbr"}


class PageParser(HTMLParser):
    """Checks that every element closes in order, and collects what the tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.h2: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        if tag not in VOID:
            self.stack.append(tag)
        if tag == "h2":
            self._in_h2, self.h2 = True, [*self.h2, ""]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]} at {self.getpos()}")
            return
        self.stack.pop()
        self._in_h2 = self._in_h2 and tag != "h2"

    def handle_data(self, data: str) -> None:
        if self._in_h2:
            self.h2[-1] += data


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report()


@pytest.fixture(scope="module")
def page(report: Report) -> str:
    return render_html(report, document_id=DOC_ID).decode("utf-8")


def parse(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def grouped(number: int) -> str:
    """Thousands separators by hand, independently of format()."""
    digits = str(number)
    head = len(digits) % 3 or 3
    return ",".join([digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)])


def test_html_is_balanced_and_self_contained(page: str) -> None:
    parser = parse(page)
    assert parser.errors == []
    assert parser.stack == []
    assert page.startswith("<!DOCTYPE html>")
    links = [v for _, name, v in parser.attributes if name in ("src", "href", "xlink:href")]
    assert links, "the charts reference their own clip paths and markers"
    assert all(v.startswith("#") for v in links), links
    assert not re.search(r"<script|<link|@import|url\(\s*['\"]?https?:", page, re.IGNORECASE)


def test_every_section_and_the_quantity_are_shown(report: Report, page: str) -> None:
    assert parse(page).h2 == SECTIONS
    quantity = report.facts["decision"]["quantity"]
    assert quantity >= 1_000  # so the separator is really tested
    assert f"Buy {grouped(quantity)} tokens for " in page
    assert f"Document {DOC_ID}" in page
    assert "2025-01-01T09:30:00Z" in page
    assert "History covers one year only" in page  # the forecast warning


def test_two_inline_charts_with_drawn_paths_and_unique_ids(page: str) -> None:
    charts = re.findall(r"<svg\b.*?</svg>", page, re.DOTALL)
    assert len(charts) == 2
    for chart in charts:
        drawn = re.findall(r'<path d="M [^"]*L ', chart)
        assert len(drawn) >= 10
        assert "<text" in chart  # svg.fonttype none: labels stay text
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    references = re.findall(r'(?:href="#|url\(#)([^")]+)', page)
    assert references and set(references) <= set(ids)


def test_cost_chart_labels_currency_and_chosen_quantity(report: Report) -> None:
    svg = cost_chart_svg(report)
    assert "expected cost (USD)" in svg
    assert f"chosen: {grouped(report.chosen_quantity)} tokens" in svg
    assert not svg.startswith("<?xml")


def test_rendering_twice_is_byte_identical() -> None:
    first, second = sample_report(), sample_report()
    assert render_html(first, document_id=DOC_ID) == render_html(second, document_id=DOC_ID)
    assert render_json(first, document_id=DOC_ID) == render_json(second, document_id=DOC_ID)


def test_output_ignores_global_style_and_threads(report: Report, page: str) -> None:
    with matplotlib.rc_context({"lines.linewidth": 5.0, "font.size": 20.0, "svg.fonttype": "path"}):
        restyled = render_html(report, document_id=DOC_ID).decode("utf-8")
        assert matplotlib.rcParams["font.size"] == 20.0  # the renderer restored what it found
    assert restyled == page
    with ThreadPoolExecutor(max_workers=2) as pool:
        pages = list(pool.map(lambda _: render_html(report, document_id=DOC_ID), range(2)))
    assert [p.decode("utf-8") for p in pages] == [page, page]


def test_json_is_canonical_and_round_trips(report: Report) -> None:
    raw = render_json(report, document_id=DOC_ID)
    document = json.loads(raw.decode("utf-8"))
    assert document == {**report.facts, "document_id": DOC_ID, "schema": SCHEMA}
    assert document["decision"]["quantity"] == report.chosen_quantity
    assert raw.startswith(b'{"assumptions":{')
    again = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert again.encode("utf-8") == raw


def test_json_keeps_non_ascii_text_as_utf8(report: Report) -> None:
    facts = {**report.facts, "data": {**report.facts["data"], "sources": ["Übersicht €.csv"]}}
    raw = render_json(replace(report, facts=facts), document_id=DOC_ID)
    assert "Übersicht €.csv".encode() in raw


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_json_refuses_nan_and_infinity_and_says_where(report: Report, bad: float) -> None:
    decision = dict(report.facts["decision"])
    alternatives = [dict(option) for option in decision["alternatives"]]
    alternatives[1]["expected_waste_tokens"] = bad
    decision["alternatives"] = alternatives
    broken = replace(report, facts={**report.facts, "decision": decision})
    with pytest.raises(
        DocumentValueError, match=r"\['alternatives'\]\[1\]\['expected_waste_tokens'\]"
    ):
        render_json(broken, document_id=DOC_ID)


def test_json_refuses_non_json_values_and_reserved_keys(report: Report) -> None:
    with_decimal = replace(report, facts={**report.facts, "extra": Decimal("1.5")})
    with pytest.raises(DocumentValueError, match="decimal string"):
        render_json(with_decimal, document_id=DOC_ID)
    with pytest.raises(DocumentValueError, match="reserved"):
        render_json(replace(report, facts={**report.facts, "schema": "x"}), document_id=DOC_ID)


def test_user_text_is_escaped(report: Report) -> None:
    data = {**report.facts["data"], "sources": ['<script>alert("x")</script>']}
    hostile = replace(report, facts={**report.facts, "data": data}, currency="US$")
    page = render_html(hostile, document_id=DOC_ID).decode("utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "Example Engineering &lt;Ltd&gt; &amp; Co" in page


def test_a_sparse_report_still_renders(report: Report) -> None:
    decision = {
        "quantity": 1_200,
        "unit_price": "3.00",
        "total_price": "3600.00",
        "currency": "EUR",
        "expected_cost": "3600.00",
        "runout_date": None,
        "alternatives": [],
    }
    facts = {"document": {"title": "Sparse"}, "decision": decision}
    sparse = replace(
        report,
        facts=facts,
        history_tokens_per_day=np.zeros(0),
        curve_quantities=np.zeros(0, dtype=np.int64),
        curve_expected_cost=np.zeros(0),
        chosen_quantity=1_200,
    )
    page = render_html(sparse, document_id=DOC_ID).decode("utf-8")
    assert parse(page).errors == []
    assert "Buy 1,200 tokens for 3,600.00\u00a0EUR" in page
    assert "No packs were held" in page
    assert "No warnings were raised" in page
    assert "does not run out" in page
    assert "No cost curve was computed." in page


def test_why_paragraph_decomposes_the_saving_exactly() -> None:
    book = {"tiers": [{"min_tokens": 100, "unit_price": "3.00"},
                      {"min_tokens": 5_000, "unit_price": "2.85"}],
            "validity_days": 365, "top_up_price": "3.00"}  # fmt: skip
    rival = {"label": "median demand", "quantity": 4_600, "unit_price": "3.00",
             "total_price": "13800.00", "expected_cost": "14700.00"}  # fmt: skip
    chosen = {"quantity": 5_000, "unit_price": "2.85", "total_price": "14250.00",
              "expected_cost": "14400.00", "expected_consumption": {"p10": 4_000, "p50": 4_600,
              "p90": 5_000}, "expected_waste_tokens": 520.4, "expected_waste_value": "1483.14",
              "shortfall_probability": 0.0, "alternatives": [rival]}  # fmt: skip
    text = why_paragraph(chosen, book, n_paths=2_000, currency="USD").replace("\u00a0", " ")
    assert "Buying 5,000 tokens reaches the 2.85 USD tier (from 5,000 tokens)" in text
    assert "costs 14,250.00 USD up front" in text
    assert "serves a median of 4,600 tokens" in text and "between 4,000 and 5,000" in text
    # Expected cost 14,400 = 14,250 now + 150 of expected top-ups (150 / 14,400 = 1.0 %).
    assert "Budget for 14,400.00 USD in all" in text
    assert "14,250.00 USD now and an expected 150.00 USD of emergency top-ups (1.0 %" in text
    assert "520 tokens (1,483.14 USD)" in text
    assert "in none of the 2,000 simulated futures" in text
    # 14,700 - 14,400 = 300 saved; price 14,250 - 13,800 = 450 more; run-out 150 - 900 = 750 less.
    assert "14,700.00 USD, 300.00 USD more" in text
    assert "450.00 USD more up front and 750.00 USD less in expected run-out costs" in text


@pytest.mark.parametrize(
    ("value", "currency", "expected"),
    [
        ("14250", "USD", "14,250.00\u00a0USD"),
        ("2.8475", "USD", "2.8475\u00a0USD"),
        (Decimal("1234567.5"), "", "1,234,567.50"),
        (2.85, "EUR", "2.85\u00a0EUR"),
        (None, "USD", "\u2014"),
        ("not money", "USD", "\u2014"),
    ],
)
def test_money_format(value: Any, currency: str, expected: str) -> None:
    assert fmt.money(value, currency) == expected


def test_token_and_probability_formats() -> None:
    assert fmt.tokens(4_599.6) == "4,600"
    assert fmt.tokens(math.nan) == "\u2014"
    assert fmt.probability(0.163) == "16.3\u00a0%"
    assert fmt.probability(0.0004) == "<\u00a00.1\u00a0%"
    assert fmt.probability(0.0) == "0\u00a0%"
    assert fmt.probability(0.9996) == ">\u00a099.9\u00a0%"


def test_downsampling_keeps_the_marked_points() -> None:
    keep = [0, 1_499, 980, 981, 499, 500, 733]
    shown = downsample_indices(1_500, keep)
    assert len(shown) <= 800
    assert set(keep) <= set(shown.tolist())
    assert np.all(np.diff(shown) > 0)
    assert downsample_indices(500, [3]).tolist() == list(range(500))


def test_weekly_mean_flattens_a_weekly_pattern() -> None:
    week = np.array([7.0, 7.0, 7.0, 7.0, 7.0, 0.0, 0.0])  # 35 tokens a week: 5 a day
    smoothed = weekly_mean(np.tile(week, 10)[2:-3])
    assert smoothed.shape == (65,)
    np.testing.assert_allclose(smoothed, 5.0)
