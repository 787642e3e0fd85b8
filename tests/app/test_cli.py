"""The operator's commands, run as a user runs them (a fresh SQLite file each time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TOKENCAST_DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}")
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_create_org_json_gives_a_working_key(tmp_path: Path) -> None:
    assert _run(tmp_path, "migrate").returncode == 0
    done = _run(tmp_path, "create-org", "Acme", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"organization_id", "api_key"}
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'cli.db'}"))
    with TestClient(app) as client:
        ok = client.get("/v1/usage/daily", headers={"Authorization": f"Bearer {out['api_key']}"})
        assert ok.status_code == 200
        bad = client.get("/v1/usage/daily", headers={"Authorization": "Bearer x"})
        assert bad.status_code == 401


@pytest.mark.slow
def test_demo_prints_a_recommendation_and_writes_the_document(tmp_path: Path) -> None:
    done = _run(tmp_path, "demo", "--out", "docs-out")
    assert done.returncode == 0, done.stderr
    assert "Imported 24511 rows" in done.stdout
    assert "buy " in done.stdout and " tokens at " in done.stdout
    html = list((tmp_path / "docs-out").glob("*.html"))
    assert len(html) == 1
    text = html[0].read_text()
    assert text.count('<svg class="chart"') == 5 and "http" not in text
    facts = json.loads(next((tmp_path / "docs-out").glob("*.json")).read_text())
    pdfs = list((tmp_path / "docs-out").glob("*.pdf"))
    assert [p.read_bytes()[:5] for p in pdfs] == [b"%PDF-"]
    assert str(facts["decision"]["quantity"]) in done.stdout.replace(",", "")


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("TOKENCAST_MAX_UPLOAD_BYTES", "1000", "greater than or equal to 1024"),
        ("TOKENCAST_WORKERS", "lots", "valid integer"),
    ],
)
def test_a_bad_setting_is_named_by_its_variable_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], variable: str,
    value: str, words: str,
) -> None:  # fmt: skip
    from app import cli

    monkeypatch.setenv(variable, value)
    assert cli.main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {variable}: ") and words in err
    assert "Traceback" not in err
