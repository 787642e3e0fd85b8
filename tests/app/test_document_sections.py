"""The document's usage, cover, distribution and reproducibility facts, computed by hand."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from app.documents import render_html
from app.documents.report import Report
from app.services.report_builder import total_distribution
from app.services.usage_facts import OTHER, BoughtPack, usage_facts, weekday_profile
from models.decision.cover import days_of_cover
from models.series import DailySeries
from tests.app.doc_fixtures import sample_report

MONDAY = date(2025, 1, 27)  # nine days: Mon 27 Jan to Tue 4 Feb 2025


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report()


@pytest.fixture(scope="module")
def page(report: Report) -> str:
    return render_html(report, document_id="doc_1").decode("utf-8").replace("\u00a0", " ")


def section(page: str, section_id: str) -> str:
    start = page.index(f'<section id="{section_id}">')
    return page[start : page.index("</section>", start)]


def test_usage_by_month_product_user_and_weekday() -> None:
    tokens = np.array([10.0, 20.0, 0.0, 30.0, 40.0, 5.0, 0.0, 7.0, 8.0])
    history = DailySeries(MONDAY, tokens)
    days = [MONDAY + timedelta(days=i) for i in range(9)]
    # Seven products: the five largest are named, the two smallest (1 and 2 tokens) are "other".
    product_days = [(days[0], "A", 4.0), (days[0], "B", 6.0), (days[1], "C", 20.0),
                    (days[3], "D", 30.0), (days[4], "E", 37.0), (days[4], "F", 1.0),
                    (days[4], "G", 2.0), (days[5], "A", 5.0), (days[7], "B", 7.0),
                    (days[8], "C", 8.0)]  # fmt: skip
    user_days = [(days[0], "u1"), (days[1], "u1"), (days[1], "u2"), (days[7], "u3")]
    facts = usage_facts(product_days, user_days, history, [])
    # Totals: E 37, C 28, D 30, B 13, A 9; F and G are the rest.
    assert facts["product_groups"] == ["E", "D", "C", "B", "A", OTHER]
    january, february = facts["months"]
    # January: days 0 to 4 (10 + 20 + 0 + 30 + 40); February: days 5 to 8 (5 + 0 + 7 + 8).
    assert january == {"month": "2025-01", "tokens": 100.0, "active_users": 2,
                       "by_product": [37.0, 30.0, 20.0, 6.0, 4.0, 3.0]}  # fmt: skip
    assert february == {"month": "2025-02", "tokens": 20.0, "active_users": 1,
                        "by_product": [0.0, 0.0, 8.0, 7.0, 5.0, 0.0]}  # fmt: skip
    profile = {d["weekday"]: d for d in facts["weekdays"]}
    # Mondays: 10 and 7 (mean 8.5); Tuesdays 20 and 8 (mean 14); the total is 120.
    assert (profile["Mon"]["days"], profile["Mon"]["mean_tokens"]) == (2, 8.5)
    assert (profile["Tue"]["mean_tokens"], profile["Tue"]["share"]) == (14.0, round(28 / 120, 4))
    assert (profile["Sun"]["days"], profile["Sun"]["mean_tokens"]) == (1, 0.0)


def test_usage_without_users_says_so() -> None:
    history = DailySeries(MONDAY, np.array([3.0, 4.0]))
    facts = usage_facts([(MONDAY, "", 3.0), (MONDAY + timedelta(days=1), "", 4.0)], [],
                        history, [])  # fmt: skip
    assert facts["months"] == [{"month": "2025-01", "tokens": 7.0, "active_users": None,
                                "by_product": [7.0]}]  # fmt: skip
    assert facts["product_groups"] == [OTHER]


def test_packs_bought_show_what_expired_unused() -> None:
    history = DailySeries(MONDAY, np.full(9, 10.0))  # 10 tokens a day
    early = BoughtPack(date(2025, 1, 1), 100, Decimal("2.85"), MONDAY + timedelta(days=3))
    later = BoughtPack(MONDAY, 500, Decimal("2.70"), MONDAY + timedelta(days=365))
    facts = usage_facts([], [], history, [early, later])
    first, second = facts["packs"]
    # The early pack expires first, so it serves days 0 to 2 (30 tokens) and loses 70 at expiry.
    assert (first["consumed_tokens"], first["expired_unused_tokens"]) == (30.0, 70.0)
    assert (first["expired_unused_value"], first["status"]) == ("199.50", "expired")
    assert (second["consumed_tokens"], second["remaining_tokens"]) == (60.0, 440.0)
    assert second["status"] == "active"
    assert (facts["expired_unused_tokens"], facts["expired_unused_value"]) == (70.0, "199.50")


def test_weekday_profile_counts_days_without_usage() -> None:
    history = DailySeries(MONDAY, np.array([7.0] + [0.0] * 6 + [21.0]))
    monday = weekday_profile(history)[0]
    assert monday == {"weekday": "Mon", "days": 2, "mean_tokens": 14.0, "share": 1.0}


def test_days_of_cover_count_days_until_the_pack_runs_dry() -> None:
    demand = np.array([[10.0, 10.0, 10.0, 10.0],   # cumulative 10, 20, 30, 40
                       [30.0, 0.0, 0.0, 1.0],      # 30, 30, 30, 31
                       [0.0, 0.0, 0.0, 0.0]])  # fmt: skip
    assert days_of_cover(demand, 25).tolist() == [2, 0, 4]
    assert days_of_cover(demand, 30).tolist() == [3, 3, 4]


def test_total_distribution_counts_every_path() -> None:
    paths = np.tile(np.arange(1.0, 11.0)[:, None], (1, 400)) / 400.0  # totals 1..10 over 400 days
    facts = total_distribution(paths, days=400)
    assert facts["days"] == 400 and sum(facts["counts"]) == 10
    assert (facts["bin_edges"][0], facts["bin_edges"][-1]) == (1.0, 10.0)
    assert (facts["mean"], facts["p50"]) == (5.5, 5.5)
    assert total_distribution(paths[:, :30])["days"] == 30


def test_decision_shows_days_of_cover_and_run_out_risk(report: Report, page: str) -> None:
    cover = report.facts["decision"]["days_of_cover"]
    decision = section(page, "decision")
    expected = (f"{cover['mean']:.1f} days of the pack&#39;s 365 (p10 {cover['p10']}, "
                f"p50 {cover['p50']}, p90 {cover['p90']})")  # fmt: skip
    assert f"<dt>Expected days of cover</dt><dd>{expected}</dd>" in decision
    risk = report.facts["decision"]["shortfall_probability"]
    assert f"<dd>{100 * risk:.1f} %</dd>" in decision
    assert '<p class="why">' in decision


def test_usage_section_tables(report: Report, page: str) -> None:
    usage = section(page, "usage")
    december = report.facts["usage"]["months"][-1]
    row = [december["month"], f"{round(december['tokens']):,}", str(december["active_users"])]
    flat = re.sub(r"\s+<", "<", usage)
    assert "".join(f"<td>{cell}</td>" for cell in row) in flat
    # Products: the fixture splits every day 50 / 30 / 20 % over Revit, AutoCAD, Navisworks.
    total = sum(m["tokens"] for m in report.facts["usage"]["months"])
    revit = ["Revit", f"{round(0.5 * total):,}", "50.0 %"]
    assert "".join(f"<td>{cell}</td>" for cell in revit) in flat
    # The fixture's early pack: 30,000 tokens at 2.85, not all used when it expired.
    early = report.facts["usage"]["packs"][0]
    assert early["status"] == "expired" and early["expired_unused_tokens"] > 0
    value = f"{Decimal(early['expired_unused_value']):,.2f} USD"
    assert f"tokens of these packs expired unused, worth {value}" in usage


def test_reproducibility_section_names_inputs_seed_versions_and_key(
    report: Report, page: str
) -> None:
    repro = section(page, "reproducibility")
    facts = report.facts["reproducibility"]
    for label, value in (("Inputs SHA-256", facts["inputs_sha256"]), ("Random seed", "7"),
                         ("Asked by the API key", "procurement"),
                         ("Created at", "2025-01-01T09:30:00Z"),
                         ("numpy", np.__version__)):  # fmt: skip
        assert f"<dt>{label}</dt><dd>{value}</dd>" in repro


def test_distribution_caption_gives_the_quantiles(report: Report, page: str) -> None:
    dist = report.facts["forecast"]["total_distribution"]
    forecast = section(page, "forecast")
    assert "over the next 365 days spread over the 1,000 simulated futures: p10 " in forecast
    assert f"p50 {round(dist['p50']):,}" in forecast
