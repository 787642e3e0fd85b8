"""Build the image from the Dockerfile and run it against the real PostgreSQL.

A private Docker engine (harness.py) builds the image on a Debian base made offline, then runs it
with the host's network against a fresh database: the container applies the migrations, passes
its health check, and serves the main job (an organization created inside the container, a CSV
import, a recommendation, its document) from several non-root worker processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.container.harness import Engine, docker_engine, import_base_image

pytestmark = [pytest.mark.container, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "tokencast:container-test"
WORKERS = 2
UID = 10001
# The build context: the Dockerfile and the .dockerignore allow-list.
CONTEXT = (
    "Dockerfile", ".dockerignore", "pyproject.toml", "README.md", "alembic.ini",
    "app", "models", "migrations", "data",
)  # fmt: skip
# The numeric stack (numpy, scipy, pandas, statsmodels, Prophet, matplotlib) is most of it.
MAX_IMAGE_BYTES = 750 * 1024 * 1024
HEALTHY_WITHIN_S = 240


@dataclass(frozen=True)
class Built:
    tag: str
    seconds: float
    size_bytes: int


@dataclass(frozen=True)
class Service:
    container: str
    base_url: str
    engine: Engine


def _build(engine: Engine, context: Path, tag: str, base: str) -> tuple[float, str]:
    start = time.monotonic()
    out = engine.docker(
        "build", "--network=host", f"--build-arg=BASE_IMAGE={base}", "-t", tag, context,
        timeout=1800,
    )  # fmt: skip
    return time.monotonic() - start, out


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with docker_engine() as eng:
        yield eng


@pytest.fixture(scope="module")
def base(engine: Engine) -> str:
    return import_base_image(engine)


@pytest.fixture(scope="module")
def image(engine: Engine, base: str) -> Built:
    seconds, _ = _build(engine, ROOT, IMAGE, base)
    size = int(engine.docker("image", "inspect", "--format={{.Size}}", IMAGE))
    print(f"\ncontainer image: cold build {seconds:.0f} s, size {size / 2**20:.0f} MiB")
    return Built(IMAGE, seconds, size)


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    admin_url = os.environ["TOKENCAST_TEST_POSTGRES_URL"]
    name = f"tokencast_container_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def service(engine: Engine, image: Built, database_url: str) -> Iterator[Service]:
    port = _free_port()
    name = f"tokencast-test-{uuid.uuid4().hex[:8]}"
    engine.docker(
        "run", "--detach", "--name", name, "--network=host",
        "--env", f"TOKENCAST_DATABASE_URL={database_url}",
        "--env", f"TOKENCAST_PORT={port}",
        "--env", f"TOKENCAST_WORKERS={WORKERS}",
        "--env", "TOKENCAST_FORECAST_PATHS=300",
        image.tag,
    )  # fmt: skip
    try:
        _wait_healthy(engine, name)
        yield Service(name, f"http://127.0.0.1:{port}", engine)
    finally:
        logs = engine.docker("logs", "--tail", "60", name, timeout=60)
        print(f"\n--- container log (tail)\n{logs}")
        engine.docker("rm", "--force", name, timeout=120)


def _wait_healthy(engine: Engine, name: str) -> None:
    deadline = time.monotonic() + HEALTHY_WITHIN_S
    status = ""
    while time.monotonic() < deadline:
        state = json.loads(engine.docker("inspect", "--format={{json .State}}", name))
        if not state["Running"]:
            logs = engine.docker("logs", name)
            raise AssertionError(f"container exited {state['ExitCode']}:\n{logs[-3000:]}")
        status = state["Health"]["Status"]
        if status == "healthy":
            return
        time.sleep(2)
    raise AssertionError(f"not healthy within {HEALTHY_WITHIN_S} s (last status: {status})")


def _daily_csv(days: int) -> bytes:
    """Two years of daily totals: 120 tokens on weekdays, 20 on weekends, +1 every 30 days."""
    first = date(2024, 1, 1)
    lines = ["date,tokens"]
    for i in range(days):
        day = first + timedelta(days=i)
        tokens = (120 if day.weekday() < 5 else 20) + i // 30
        lines.append(f"{day.isoformat()},{tokens}")
    return ("\n".join(lines) + "\n").encode()


def test_image_is_small_and_a_code_change_reuses_the_dependency_layers(
    engine: Engine, image: Built, base: str, tmp_path: Path
) -> None:
    assert image.size_bytes < MAX_IMAGE_BYTES
    context = tmp_path / "context"
    context.mkdir()
    for name in CONTEXT:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, context / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, context / name)
    with (context / "app" / "__init__.py").open("a") as f:
        f.write("# a change to the code\n")
    seconds, out = _build(engine, context, f"{IMAGE}-warm", base)
    print(f"\ncontainer image: rebuild after a code change {seconds:.0f} s")
    steps = out.split("Step ")
    pip_deps = next(s for s in steps if "pip install /src" in s)
    copy_venv = next(s for s in steps if "COPY --from=build /opt/venv" in s)
    code = next(s for s in steps if "--target /opt/tokencast" in s)
    assert "Using cache" in pip_deps
    assert "Using cache" in copy_venv
    assert "Using cache" not in code


def test_ready_then_serves_the_main_job(service: Service) -> None:
    ready = httpx.get(f"{service.base_url}/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"

    cli = ("exec", service.container, "tokencast", "create-org", "Acme", "--json")
    created = json.loads(service.engine.docker(*cli))
    auth = {"Authorization": f"Bearer {created['api_key']}"}
    with httpx.Client(base_url=service.base_url, headers=auth, timeout=300) as http:
        csv = _daily_csv(730)
        imported = http.post("/v1/usage/imports", files={"file": ("usage.csv", csv, "text/csv")})
        assert imported.status_code == 201, imported.text
        assert imported.json()["rows_added"] == 730

        book = {
            "currency": "USD", "minimum_purchase": 100, "pack_increment": 100,
            "validity_days": 365, "tier_kind": "all_units", "top_up_price": "3.00",
            "tiers": [{"min_tokens": 100, "unit_price": "3.00"}],
        }  # fmt: skip
        assert http.put("/v1/price-book", json=book).status_code == 200

        rec = http.post("/v1/recommendations", json={})
        assert rec.status_code == 201, rec.text
        body = rec.json()
        # The data ends on 2025-12-30; the pack is bought the day after.
        assert body["purchase_date"] == "2025-12-31"
        assert body["quantity"] % 100 == 0
        assert body["quantity"] >= 100
        doc = body["document"]

        as_json = http.get(f"/v1/documents/{doc['id']}", params={"format": "json"})
        assert as_json.status_code == 200
        assert hashlib.sha256(as_json.content).hexdigest() == doc["sha256"]
        as_html = http.get(f"/v1/documents/{doc['id']}", headers={"Accept": "text/html"})
        assert as_html.status_code == 200
        assert "<html" in as_html.text.lower()
        assert doc["sha256"] in as_html.text
        if doc["links"].get("pdf"):
            as_pdf = http.get(f"/v1/documents/{doc['id']}", params={"format": "pdf"})
            assert as_pdf.status_code == 200
            assert as_pdf.content.startswith(b"%PDF")


def test_runs_as_a_non_root_user_with_several_workers(service: Service) -> None:
    assert service.engine.docker("exec", service.container, "id", "-u").strip() == str(UID)
    top = service.engine.docker("top", service.container, "-eo", "uid,pid,ppid,args")
    rows = [line.split(None, 3) for line in top.splitlines()[1:] if line.strip()]
    assert rows
    assert {row[0] for row in rows} == {str(UID)}
    supervisor = [row for row in rows if "app.serve" in row[3]]
    assert len(supervisor) == 1
    workers = [row for row in rows if "multiprocessing.spawn" in row[3]]
    assert len(workers) == WORKERS
    assert {row[2] for row in workers} == {supervisor[0][1]}
