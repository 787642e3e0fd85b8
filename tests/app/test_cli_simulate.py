"""`tokencast simulate`: the synthetic export written and imported, as an operator runs it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.main import create_app
from app.settings import Settings
from models.insights.synthetic import SyntheticMix, synthetic_organization


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The command in this process (importing the CLI anew costs seconds)."""
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_simulate_writes_the_export_and_imports_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKENCAST_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.chdir(tmp_path)
    assert _run(capsys, "migrate")[0] == 0
    made = json.loads(_run(capsys, "create-org", "Sim", "--json")[1])
    code, out, err = _run(
        capsys, "simulate", "--seed", "8", "--users", "3,4,5,2,1", "--out", "sim.csv",
        "--org", made["organization_id"],
    )  # fmt: skip
    assert code == 0, err
    synth = synthetic_organization(8, mix=SyntheticMix(3, 4, 5, 2, 1))
    with (tmp_path / "sim.csv").open(newline="") as fh:
        lines = list(csv.reader(fh))
    assert lines[0] == [
        "Team", "Email", "First name", "Last name", "Product", "Feature", "Day used",
        "Tokens used",
    ]  # fmt: skip
    assert len(lines) == 1 + len(synth.rows)
    assert f"{len(synth.rows)} rows, 15 users" in out
    assert "segments: 3 power, 5 regular, 5 occasional, 2 inactive" in out
    assert f"{len(synth.rows)} rows added" in out
    assert "set the named-user price list (5 products, USD)" in out

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}"))
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {made['api_key']}"}
        users = client.get("/v1/insights/users", headers=headers, params={"limit": 100}).json()
        assert {u["user"]: u["segment"] for u in users["users"]} == {
            u.key: u.segment for u in synth.users
        }

    again = _run(capsys, "simulate", "--seed", "8", "--users", "3,4,5,2,1",
                 "--out", "", "--org", made["organization_id"])  # fmt: skip
    assert f"0 rows added, 0 replaced, {len(synth.rows)} unchanged" in again[1]
    code, _, err = _run(capsys, "simulate", "--users", "1,2")
    assert code == 2 and "five counts" in err
