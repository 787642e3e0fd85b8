"""The server under test: a fresh PostgreSQL database, `tokencast serve`, the seed data."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
PRICE_BOOK = {
    "currency": "USD", "minimum_purchase": 100, "pack_increment": 100, "validity_days": 365,
    "tier_kind": "all_units", "top_up_price": "3.00",
    "tiers": [
        {"min_tokens": 100, "unit_price": "3.00"}, {"min_tokens": 5000, "unit_price": "2.85"},
    ],
}  # fmt: skip


@contextlib.contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    name = f"tokencast_load_{uuid.uuid4().hex[:10]}"
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


def _cli(database_url: str, *args: str) -> str:
    env = {**os.environ, "TOKENCAST_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    return done.stdout


@dataclass(frozen=True)
class Server:
    base_url: str
    pid: int


@contextlib.contextmanager
def serve(database_url: str, log: Path) -> Iterator[Server]:
    """`tokencast serve` with one worker, as an operator starts it; stopped afterwards."""
    _cli(database_url, "migrate")
    port = _free_port()
    env = {**os.environ, "TOKENCAST_DATABASE_URL": database_url, "TOKENCAST_WORKERS": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, proc)
            yield Server(base, proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"the server was not ready within {timeout:.0f} s")


def create_org(database_url: str, name: str) -> str:
    """A new organization through the CLI; its first key (every scope)."""
    key: str = json.loads(_cli(database_url, "create-org", name, "--json"))["api_key"]
    return key


def daily_csv(days: int, last: date) -> bytes:
    """Daily totals up to `last`: 400 tokens on weekdays, 60 at weekends, a slow rise."""
    lines = ["date,tokens"]
    for i in range(days):
        day = last - timedelta(days=days - 1 - i)
        lines.append(f"{day.isoformat()},{(400 if day.weekday() < 5 else 60) + i // 10}")
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class Seeded:
    key: str
    forecast_id: str
    etag: str
    forecast_bytes: int


def seed_dashboard_org(base: str, key: str) -> Seeded:
    """Two years of usage, the price book and a forecast of the year (1,000 paths)."""
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=auth, timeout=600) as http:
        csv = daily_csv(730, date(2025, 12, 31))
        http.post("/v1/usage/imports", files={"file": ("usage.csv", csv)}).raise_for_status()
        http.put("/v1/price-book", json=PRICE_BOOK).raise_for_status()
        http.post("/v1/forecasts", json={"horizon_days": 365}).raise_for_status()
        latest = http.get("/v1/forecasts/latest")
        latest.raise_for_status()
        return Seeded(key, latest.json()["id"], latest.headers["ETag"], len(latest.content))
