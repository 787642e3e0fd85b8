"""`tokencast serve --workers N`: handed to uvicorn's supervisor on a light main module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app import cli

ROOT = Path(__file__).resolve().parents[2]


class _Exec(Exception):
    pass


def _capture_exec(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake_execv(path: str, argv: list[str]) -> None:
        calls.append([path, *argv])
        raise _Exec

    monkeypatch.setattr("os.execv", fake_execv)
    return calls


def test_several_workers_replace_the_process_with_the_supervisor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _capture_exec(monkeypatch)
    with pytest.raises(_Exec):
        cli.main(["serve", "--host", "0.0.0.0", "--port", "9123", "--workers", "3"])
    py = sys.executable
    assert calls == [
        [py, py, "-m", "app.serve", "--host", "0.0.0.0", "--port", "9123", "--workers", "3"]
    ]


def test_the_worker_count_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _capture_exec(monkeypatch)
    monkeypatch.setenv("TOKENCAST_WORKERS", "2")
    with pytest.raises(_Exec):
        cli.main(["serve"])
    assert calls[0][-2:] == ["--workers", "2"]


@pytest.mark.parametrize("bad", ["0", "-1", "two"])
def test_a_worker_count_below_one_is_refused(bad: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.build_parser().parse_args(["serve", "--workers", bad])
    assert exit_.value.code == 2
    assert "positive whole number" in capsys.readouterr().err


def test_the_supervisor_module_imports_neither_the_app_nor_the_numeric_stack() -> None:
    # A spawned worker imports its parent's main module before it answers health pings.
    code = "import sys, app.serve; print(sorted({'app.main', 'pandas', 'numpy'} & {*sys.modules}))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_a_worker_takes_the_switch_interval_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # In a process of its own: the interval and the frozen objects are the interpreter's.
    code = (
        "import gc, sys, app.serve; app.serve.worker_app(); "
        "print(sys.getswitchinterval(), gc.get_freeze_count() > 0)"
    )
    env = {"TOKENCAST_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
           "TOKENCAST_SWITCH_INTERVAL_MS": "0.25", "PATH": "/usr/bin:/bin"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0.00025", "True"]


@pytest.mark.parametrize("bad", ["0", "-1", "101"])
def test_a_switch_interval_out_of_range_is_refused(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic import ValidationError

    from app.settings import Settings

    monkeypatch.setenv("TOKENCAST_SWITCH_INTERVAL_MS", bad)
    with pytest.raises(ValidationError, match="switch_interval_ms"):
        Settings()
