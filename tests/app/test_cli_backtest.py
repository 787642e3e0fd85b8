"""`tokencast backtest FILE`, run as a user runs it (no database)."""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import TOKENFLEX_CSV

STRATEGIES = ("recommendation", "last year's + 20 %", "last year's", "perfect foresight")
SUMMARY_COLUMNS = ("strategy", "purchased", "spent", "wasted", "waste %", "days short", "blocked",
                   "regret", "regret %")  # fmt: skip


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "backtest", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _summary(stdout: str) -> dict[str, list[str]]:
    """Summary lines by strategy label: the numbers after the label, split on spaces."""
    lines = stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("strategy "))
    assert all(column in lines[header] for column in SUMMARY_COLUMNS)
    out = {}
    for line in lines[header + 1 : header + 1 + len(STRATEGIES)]:
        label = next(s for s in sorted(STRATEGIES, key=len, reverse=True) if line.startswith(s))
        out[label] = line[len(label) :].split()
    return out


def _hundreds(tokens: float) -> int:
    return max(100, math.ceil(tokens / 100) * 100)


# Most commands run in this process (the same `main` as the console script): a new interpreter
# importing the forecasting stack costs seconds. The last test runs it as a user does.


def test_bundled_export_prints_the_table_on_a_shortened_life(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["backtest", str(TOKENFLEX_CSV), "--paths", "50", "--model", "seasonal_naive"])
    assert code == 0
    out = capsys.readouterr().out
    # Worked out from the file itself: 364 days, so one purchase 182 days in, for a 182-day life.
    per_day: dict[date, float] = defaultdict(float)
    with TOKENFLEX_CSV.open(newline="") as f:
        for row in csv.DictReader(f):
            per_day[date.fromisoformat(row["usageDate"][:10])] += float(row["tokensConsumed"])
    first = min(per_day)
    cut = first + timedelta(days=182)
    before = sum(t for d, t in per_day.items() if d < cut)
    after = sum(t for d, t in per_day.items() if d >= cut)
    assert f"purchases on {cut.isoformat()}" in out
    assert "cut to the 182 days" in out
    table = _summary(out)
    assert set(table) == set(STRATEGIES)
    last, plus = _hundreds(before), _hundreds(math.ceil(before * 1.2))
    assert table["last year's"][0] == f"{last:,}"
    assert table["last year's + 20 %"][0] == f"{plus:,}"
    assert table["last year's + 20 %"][2] == f"{max(0.0, plus - after):,.0f}"
    assert table["perfect foresight"][-2:] == ["0.00", "0.0%"]


def test_yearly_schedule_with_a_price_book_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = date(2021, 1, 1)
    rows = [f"{(start + timedelta(days=i)).isoformat()},100" for i in range(3 * 365)]
    (tmp_path / "usage.csv").write_text("date,tokens\n" + "\n".join(rows) + "\n")
    book = {
        "currency": "EUR",
        "tiers": [{"min_tokens": 100, "unit_price": "2.00"}],
        "top_up_price": "2.50",
    }
    (tmp_path / "book.json").write_text(json.dumps(book))
    args = ["--price-book", str(tmp_path / "book.json"), "--paths", "30", "--seed", "3"]
    code = main(["backtest", str(tmp_path / "usage.csv"), *args, "--model", "seasonal_naive"])
    out = capsys.readouterr().out
    assert code == 0
    assert "purchases on 2022-01-01, 2023-01-01" in out and "seed 3" in out
    table = _summary(out)
    # 36,500 a year at 2.00: 73,000.00 over two years, nothing wasted or short.
    assert table["last year's"][:5] == ["73,000", "146,000.00", "0", "0.0%", "0"]
    assert table["perfect foresight"][:3] == ["73,000", "146,000.00", "0"]
    # + 20 %: 43,800 a year, 7,300 of them wasted: 14,600 over two years, 1/6 of the purchase.
    assert table["last year's + 20 %"][:4] == ["87,600", "175,200.00", "14,600", "16.7%"]
    assert table["last year's + 20 %"][-2:] == ["29,200.00", "20.0%"]


def test_a_file_too_short_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "short.csv").write_text("date,tokens\n2024-01-01,5\n2024-01-02,5\n")
    assert main(["backtest", str(tmp_path / "short.csv")]) == 2
    assert "error: the history has 2 days" in capsys.readouterr().err


@pytest.mark.slow
def test_bundled_export_as_a_user_runs_it(tmp_path: Path) -> None:
    done = _run(tmp_path, str(TOKENFLEX_CSV), "--paths", "100")
    assert done.returncode == 0, done.stderr
    assert set(_summary(done.stdout)) == set(STRATEGIES)
    assert "recommendation: model auto, 100 paths" in done.stdout
