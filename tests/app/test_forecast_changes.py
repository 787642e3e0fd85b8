"""Known changes reach the forecast: baseline and adjusted totals side by side, each effect."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.app.helpers import strict_json
from tests.conftest import Org

START = date(2024, 1, 1)


def _weekday_usage(days: int) -> list[dict[str, object]]:
    records = []
    for i in range(days):
        day = START + timedelta(days=i)
        if day.weekday() < 5:
            for user in range(4):
                records.append(
                    {"date": day.isoformat(), "user": f"u{user}", "product": "Revit", "tokens": 10}
                )
    return records


@pytest.mark.slow
def test_project_and_headcount_adjust_the_totals(client: TestClient, org: Org) -> None:
    client.post("/v1/usage", headers=org.headers, json={"records": _weekday_usage(200)})
    ask = {"horizon_days": 365, "seed": 3}
    before = strict_json(client.post("/v1/forecasts", headers=org.headers, json=ask))
    assert before["changes"] == [] and before["totals"] == before["baseline_totals"]

    project = {
        "kind": "project", "name": "Bridge", "start": "2024-08-01", "end": "2024-12-31",
        "team_size": 5, "products": ["Revit"], "days_per_week": 5, "win_probability": 0.5,
    }  # fmt: skip
    assert client.post("/v1/changes", headers=org.headers, json=project).status_code == 201
    after = strict_json(client.post("/v1/forecasts", headers=org.headers, json=ask))
    # The baseline is drawn from the same seed, so it is unchanged; the project shows beside it.
    assert after["baseline_totals"] == before["totals"]
    year = next(t for t in after["totals"] if t["days"] == 365)
    base = next(t for t in after["baseline_totals"] if t["days"] == 365)
    # 5 people x 10 tokens (Revit, observed) x the weekdays from 2024-08-01 to 2024-12-31, on
    # half of the paths: about 0.5 x 5 x 10 x 109 = 2,725 tokens more on average.
    weekdays = sum(1 for i in range(153) if (date(2024, 8, 1) + timedelta(days=i)).weekday() < 5)
    expected = 0.5 * 5 * 10 * weekdays
    assert year["mean"] - base["mean"] == pytest.approx(expected, rel=0.15)
    assert (year["p90"] - year["p10"]) > (base["p90"] - base["p10"])
    [effect] = after["changes"]
    assert effect["kind"] == "project" and effect["p10"] == 0
    assert effect["mean_total_delta_tokens"] == pytest.approx(expected, rel=0.15)
