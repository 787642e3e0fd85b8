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

import numpy as np
import pytest

from app.documents import SCHEMA, render_html, render_json
from app.documents import formatting as fmt
from app.documents.changes import changes_section
from app.documents.charts import cost_chart_svg, downsample_indices, weekly_mean
from app.documents.json_doc import DocumentValueError
from app.documents.narrative import why_paragraph
from app.documents.report import Report
from app.documents.timing import timing_verdict
from app.documents.view import options_table
from tests.app.doc_fixtures import sample_report

DOC_ID = "doc_test_0001"
SECTIONS = ["The decision", "Options compared", "Usage so far", "The forecast", "Known changes",
            "Assumptions", "Reproducibility"]  # fmt: skip
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "source", "wbr"}


class PageParser(HTMLParser):
    """Checks that every element closes in order, and collects what the tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.headings: dict[str, list[str]] = {"h2": [], "h3": []}
        self._heading: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        if tag not in VOID:
            self.stack.append(tag)
        if tag in self.headings:
            self._heading = tag
            self.headings[tag].append("")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]} at {self.getpos()}")
            return
        self.stack.pop()
        if tag == self._heading:
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self.headings[self._heading][-1] += data

    @property
    def h2(self) -> list[str]:
        return self.headings["h2"]

    @property
    def h3(self) -> list[str]:
        return self.headings["h3"]


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


def plain(page: str) -> str:
    """The page with its no-break spaces as plain spaces, so expected text can be typed."""
    return page.replace("\u00a0", " ")


def section(page: str, section_id: str) -> str:
    start = page.index(f'<section id="{section_id}">')
    return page[start : page.index("</section>", start)]


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
    assert links == []
    references = re.findall(r"url\(\s*['\"]?([^)'\"]*)", page)
    assert references, "the stacked bars and their legend fill with hatch patterns"
    assert all(ref.startswith("#") for ref in references), references
    assert not re.search(r"<script|<link|<img|<iframe|@import|\bon[a-z]+=", page, re.IGNORECASE)


def test_every_section_and_the_quantity_are_shown(report: Report, page: str) -> None:
    assert parse(page).h2 == SECTIONS
    quantity = report.facts["decision"]["quantity"]
    assert quantity >= 1_000  # so the separator is really tested
    assert f"Buy {grouped(quantity)} tokens for " in page
    assert f"Document {DOC_ID}" in page
    assert "2025-01-01T09:30:00Z" in page
    assert "History covers one year only" in page  # the forecast warning


def test_five_inline_charts_with_drawn_paths_and_unique_ids(page: str) -> None:
    charts = re.findall(r'<svg class="chart".*?</svg>', page, re.DOTALL)
    labels = [re.search(r'aria-label="([^"]+)"', chart).group(1) for chart in charts]  # type: ignore[union-attr]
    assert labels == [
        "Expected cost against the quantity bought",
        "Tokens used per month, by product",
        "Mean tokens per day by weekday",
        "Daily token consumption: history and forecast fan",
        "Distribution of the forecast total over the simulated futures",
    ]
    for chart in charts:
        assert len(re.findall(r'<path d="M', chart)) >= 3
        assert "<text" in chart  # axis labels stay text: selectable, searchable
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    references = re.findall(r"url\(#([^)]+)\)", page)
    assert references and set(references) <= set(ids)


def test_cost_chart_labels_currency_chosen_quantity_and_last_year(report: Report) -> None:
    svg = cost_chart_svg(report)
    assert "Expected cost (USD) against the tokens bought" in svg
    assert f"chosen: {grouped(report.chosen_quantity)} tokens" in svg
    assert report.last_year_quantity is not None
    assert f"last year&#x27;s consumption: {grouped(report.last_year_quantity)} tokens" in svg
    # Grey scale: the curve is solid, tier breaks dotted, the marks a circle and a square.
    assert 'stroke-dasharray="1.5 3"' in svg
    assert svg.count("<circle") == 2 and svg.count("<rect x=") >= 2  # chart and legend each


def test_rendering_twice_is_byte_identical() -> None:
    first, second = sample_report(), sample_report()
    assert render_html(first, document_id=DOC_ID) == render_html(second, document_id=DOC_ID)
    assert render_json(first, document_id=DOC_ID) == render_json(second, document_id=DOC_ID)


def test_output_is_the_same_from_concurrent_threads(report: Report, page: str) -> None:
    with ThreadPoolExecutor(max_workers=2) as pool:
        pages = list(pool.map(lambda _: render_html(report, document_id=DOC_ID), range(2)))
    assert [p.decode("utf-8") for p in pages] == [page, page]


def test_json_is_canonical_and_round_trips(report: Report) -> None:
    raw = render_json(report, document_id=DOC_ID)
    document = json.loads(raw.decode("utf-8"))
    assert document == {**report.facts, "document_id": DOC_ID, "schema": SCHEMA,
                        "schema_url": "/v1/schemas/recommendation-document"}  # fmt: skip
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


@pytest.mark.parametrize("explicit_empty", [False, True])
def test_a_sparse_report_still_renders(report: Report, explicit_empty: bool) -> None:
    decision: dict[str, Any] = {
        "quantity": 1_200,
        "unit_price": "3.00",
        "total_price": "3600.00",
        "currency": "EUR",
        "expected_cost": "3600.00",
        "runout_date": None,
        "alternatives": [],
    }
    facts: dict[str, Any] = {"document": {"title": "Sparse"}, "decision": decision}
    if explicit_empty:  # a decision without a timing comparison, a forecast without changes
        decision |= {"timing": [], "cheapest_timing": None, "cheapest_timing_at_risk": None}
        facts["forecast"] = {"changes": [], "baseline_totals": [], "totals": []}
    sparse = replace(
        report,
        facts=facts,
        history_tokens_per_day=np.zeros(0),
        curve_quantities=np.zeros(0, dtype=np.int64),
        curve_expected_cost=np.zeros(0),
        chosen_quantity=1_200,
    )
    page = render_html(sparse, document_id=DOC_ID).decode("utf-8")
    parser = parse(page)
    assert parser.errors == []
    assert parser.h2 == SECTIONS
    assert "Buy 1,200 tokens for 3,600.00\u00a0EUR" in page
    assert "No packs were held" in page
    assert "No warnings were raised" in page
    assert "does not run out" in page
    assert "No cost curve was computed." in page
    assert "Timing" not in parser.h3
    assert "CVaR" not in page
    assert "No known changes were applied; the forecast is the history's own." in page
    assert "without and with the known changes" not in page
    assert "blocked" not in page.lower()
    assert "Running out" not in page


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


def table_rows(html: str) -> list[list[str]]:
    """Each body row's cells as text (header cells included, tags inside cells dropped)."""
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.DOTALL)
    ]


def test_timing_subsection_compares_the_three_strategies(report: Report, page: str) -> None:
    assert parse(page).h3.count("Timing") == 1
    options = plain(section(page, "options"))
    timing = options[options.index("<h3>Timing</h3>") :]
    head = timing[timing.index("<thead>") : timing.index("</thead>")]
    labels = ["single purchase", "top up at a trigger", "two purchases"]
    assert [head.index(f">{label}</th>") for label in labels] == sorted(
        head.index(f">{label}</th>") for label in labels
    )
    rows = {row[0]: row[1:] for row in table_rows(timing)}
    chosen = report.facts["decision"]["quantity"]
    # The trigger and split strategies are set by hand in the fixture.
    assert rows["First purchase (tokens)"] == [grouped(chosen), "27,500", "31,600"]
    assert rows["Expected cost"][1:] == ["141,920.35 USD", "146,410.00 USD"]
    assert rows["Mean cost of the worst 5 % of futures (95 % CVaR)"][1:] == [
        "171,210.80 USD",
        "158,905.25 USD",
    ]
    assert rows["Expected waste (tokens)"][1:] == ["2,310", "3,120"]  # 2,310.4 and 3,120.5
    assert rows["P(run-out)"][1:] == ["6.1 %", "3.4 %"]
    assert rows["Expected blocked days"][1:] == ["0.2", "0.1"]  # 0.21 and 0.09
    assert f"<strong>single purchase</strong>: buy {grouped(chosen)} tokens now" in timing
    assert "<strong>top up at a trigger</strong>: buy 27,500 tokens now; when the" in timing
    # The single purchase costs more than 141,920.35 in expectation and 158,905.25 at the CVaR.
    assert (
        "In expectation the cheapest timing is \u201ctop up at a trigger\u201d (141,920.35 USD); "
        "at the 95 % CVaR it is \u201ctwo purchases\u201d (158,905.25 USD)."
    ) in timing


def test_timing_verdict_names_the_cheapest_by_each_measure() -> None:
    options = [
        {"label": "single purchase", "expected_cost": "1000.00", "cvar_cost": "1500.00",
         "cvar_level": 0.9},
        {"label": "two purchases", "expected_cost": "1100.00", "cvar_cost": "1200.50",
         "cvar_level": 0.9},
    ]  # fmt: skip
    both = timing_verdict(options, cheapest="single purchase", at_risk="single purchase",
                          currency="EUR")  # fmt: skip
    assert plain(both) == (
        "\u201csingle purchase\u201d is the cheapest timing both in expectation (1,000.00 EUR) "
        "and at the 90 % CVaR (1,500.00 EUR)."
    )
    at_risk = timing_verdict(options, cheapest=None, at_risk="two purchases", currency="EUR")
    assert plain(at_risk) == (
        "At the 90 % CVaR the cheapest timing is \u201ctwo purchases\u201d (1,200.50 EUR)."
    )
    assert timing_verdict(options, cheapest=None, at_risk=None, currency="EUR") == ""
    finer = [{**option, "cvar_level": 0.975} for option in options]
    assert "at the 97.5\u00a0% CVaR" in timing_verdict(
        finer, cheapest="single purchase", at_risk="two purchases", currency="EUR"
    )


def test_options_table_shows_blocked_days_only_when_some_work_is_blocked(page: str) -> None:
    def decision(days: float, cost: str) -> dict[str, Any]:
        blocked = {"label": "smaller", "quantity": 4_000, "expected_blocked_days": days,
                   "expected_blocked_cost": cost}  # fmt: skip
        chosen = {"label": "chosen", "quantity": 5_000, "expected_blocked_days": 0.0,
                  "expected_blocked_cost": "0.00"}  # fmt: skip
        return {"quantity": 5_000, "alternatives": [chosen, blocked]}

    rows = {row[0]: row[1:] for row in options_table(decision(2.26, "11300.00"), [], "USD").rows}
    assert rows["Expected blocked days"] == ["0", "2.3"]
    assert rows["Expected blocked-day cost"] == ["0.00\u00a0USD", "11,300.00\u00a0USD"]
    quiet = [row[0] for row in options_table(decision(0.0, "0.00"), [], "USD").rows]
    assert not [label for label in quiet if "blocked" in label.lower()]
    assert fmt.days(0.02) == "<\u00a00.1"
    decision_part = plain(section(page, "decision"))
    assert "Expected cost, top-ups and blocked days included" in decision_part
    assert "Expected blocked-day cost" in section(page, "options")


def test_assumptions_state_the_run_out_terms(report: Report, page: str) -> None:
    terms = plain(section(page, "assumptions"))
    assert (
        "Emergency top-ups arrive 10 days after a run-out; each day of blocked work costs "
        "5,000.00 USD"
    ) in terms
    assert "the rest of the pack&#39;s life" in terms
    assert "lead days" not in terms.lower()  # not repeated as a raw extra fact

    def terms_for(**book: Any) -> str:
        assumptions = report.facts["assumptions"]
        price_book = {**assumptions["price_book"], **book}
        facts = {**report.facts, "assumptions": {**assumptions, "price_book": price_book}}
        html = render_html(replace(report, facts=facts), document_id=DOC_ID).decode("utf-8")
        return plain(section(html, "assumptions"))

    at_once = terms_for(top_up_lead_days=0)
    assert "Emergency top-ups are usable at once" in at_once
    assert "blocked work" not in at_once and "Emergency purchase size" not in at_once
    unpriced = terms_for(top_up_lead_days=1, blocked_day_cost="0", top_up_block_tokens=2_000)
    assert "arrive 1 day after a run-out; the work blocked meanwhile is lost but not priced" in (
        unpriced
    )
    assert "<dd>2,000 tokens</dd>" in unpriced


def test_known_changes_section_shows_each_change_and_both_totals(page: str) -> None:
    changes = plain(section(page, "changes"))
    # Five Revit users at 10 tokens a day on 109 weekdays: 5,450 tokens on the half of the futures
    # where the project is won, 0 on the others; 2,725 on average.
    assert (
        "<li>Project Bridge: +2,725 tokens on average over the 365-day horizon "
        "(80 % of futures between 0 and 5,450)</li>"
    ) in changes
    rows = {row[0]: row[1:] for row in table_rows(changes)}
    assert set(rows) == {"30", "90", "365"}
    without, with_changes, difference = rows["365"][:3]
    assert difference == "+2,725"
    assert abs(int(with_changes.replace(",", "")) - int(without.replace(",", "")) - 2_725) <= 1
    assert rows["30"][2] == rows["90"][2] == "0"  # the project starts on day 91


def test_known_change_lines_name_the_kind_and_sign() -> None:
    leavers = {"change_id": "chg_2", "label": "Leavers", "kind": "headcount",
               "mean_total_delta_tokens": -1_200.4, "p10": -1_500.0, "p50": -1_200.0,
               "p90": -900.0}  # fmt: skip
    known = changes_section({"changes": [leavers]})
    assert [plain(line) for line in known.lines] == [
        "Leavers (headcount): -1,200 tokens on average over the horizon "
        "(80 % of futures between -1,500 and -900)"
    ]
    assert known.totals is None  # no totals to compare


def test_why_paragraph_counts_blocked_days_and_still_adds_up() -> None:
    book = {"tiers": [{"min_tokens": 100, "unit_price": "3.00"},
                      {"min_tokens": 50_000, "unit_price": "2.55"}],
            "validity_days": 365, "top_up_price": "3.00", "top_up_lead_days": 10,
            "blocked_day_cost": "5000.00"}  # fmt: skip
    rival = {"label": "tier break 50,000", "quantity": 50_000, "unit_price": "2.55",
             "total_price": "127500.00", "expected_cost": "150350.16",
             "expected_blocked_cost": "18410.00"}  # fmt: skip
    chosen = {"quantity": 54_650, "unit_price": "2.55", "total_price": "139357.50",
              "expected_cost": "143853.53", "expected_blocked_cost": "3860.00",
              "expected_blocked_days": 0.772, "shortfall_probability": 0.122,
              "objective": "expected_cost", "alternatives": [rival]}  # fmt: skip
    text = plain(why_paragraph(chosen, book, n_paths=1_000, currency="USD"))
    assert "price plus expected emergency top-ups and blocked days" in text
    assert "at 3.00 USD per token, which arrive 10 days after a run-out" in text
    # Cash: 143,853.53 - 3,860.00 = 139,993.53 = 139,357.50 now + 636.03 of top-ups.
    assert (
        "Budget for 139,993.53 USD in cash over the pack's life: 139,357.50 USD now and an "
        "expected 636.03 USD of emergency top-ups. The expected cost of 143,853.53 USD also "
        "counts 3,860.00 USD for the days of work expected to be blocked while a top-up is on "
        "its way (on average 0.8 days)."
    ) in text
    # Rival: 150,350.16 - 143,853.53 = 6,496.63 more; price 139,357.50 - 127,500.00 = 11,857.50
    # more; run-out costs 4,496.03 - 22,850.16 = 18,354.13 less.
    assert (
        "150,350.16 USD, 6,496.63 USD more: this purchase costs 11,857.50 USD more up front and "
        "18,354.13 USD less in expected run-out costs (emergency top-ups and blocked days)."
    ) in text
    budget = text[text.index("Budget for") :]
    cash, now, top_ups, expected, blocked = (
        Decimal(a.replace(",", "")) for a in re.findall(r"([\d,]+\.\d\d) USD", budget)[:5]
    )
    assert cash == now + top_ups and expected == cash + blocked
    # A run-out so late that the top-up would land after the pack expires: blocked days only.
    late = {**chosen, "expected_cost": "139827.50", "expected_blocked_cost": "470.00"}
    text = plain(why_paragraph(late, book, n_paths=1_000, currency="USD"))
    assert (
        "Budget for 139,357.50 USD in cash over the pack's life, all of it now: no emergency "
        "top-ups are expected. The expected cost of 139,827.50 USD also counts 470.00 USD"
    ) in text


def test_a_cheaper_timing_says_how_to_follow_it() -> None:
    from app.documents.timing import _headline_note

    options = [
        {"label": "single purchase", "first_purchase_tokens": 9000},
        {"label": "two purchases", "first_purchase_tokens": 6000},
    ]
    note = _headline_note(options, "two purchases").replace("\u00a0", " ")
    assert "best single purchase" in note and "buy 6,000 tokens now" in note
    assert _headline_note(options, "single purchase") == ""
    assert _headline_note(options, None) == ""
