"""The quantitative core must not pull in the service stack (web, database, settings, templates)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

FORBIDDEN = (
    "fastapi",
    "starlette",
    "sqlalchemy",
    "alembic",
    "pydantic_settings",
    "jinja2",
    "app",
    "uvicorn",
    "psycopg",
    "prometheus_client",
)

PROBE = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import models, models.forecasting, models.decision
    imported = []
    for info in pkgutil.walk_packages(models.__path__, "models."):
        importlib.import_module(info.name)
        imported.append(info.name)
    loaded = sorted({name.split(".")[0] for name in sys.modules})
    print(json.dumps({"imported": imported, "loaded": loaded}))
    """
)


def test_importing_every_core_module_loads_no_service_package() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    # The walk must really have reached the submodules, or the check below proves nothing.
    assert "models.forecasting.select" in report["imported"]
    assert "models.decision.types" in report["imported"]
    assert sorted(set(FORBIDDEN) & set(report["loaded"])) == []
