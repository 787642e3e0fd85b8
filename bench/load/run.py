"""Load on the real server: dashboards polling, procurement systems posting, an import meanwhile.

    python -m bench.load.run [--seconds 15] [--connections 8] [--rows 100000]

Starts `tokencast serve` (one worker) on a fresh PostgreSQL database (the server named by
TOKENCAST_TEST_POSTGRES_URL, or the local one), seeds an organization with two years of usage
and a forecast, starts a loop of 100,000-row imports into another organization, then drives each
scenario with wrk from this second process on loopback. Writes docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.load import report, wrk
from bench.load.importer import Imports
from bench.load.server import ROOT, Seeded, create_org, fresh_database, seed_dashboard_org, serve

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Scenario:
    name: str
    request: wrk.Request
    expected: frozenset[int]
    connections: int | None = None  # None: the --connections default
    under_import: bool = True


@dataclass(frozen=True)
class Timed:
    scenario: Scenario
    result: wrk.Result
    start: float
    end: float


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    result: wrk.Result
    import_busy: float  # share of the run with an import in flight
    imports_done: int


def scenarios(seeded: Seeded) -> list[Scenario]:
    auth = {"Authorization": f"Bearer {seeded.key}"}
    bare = wrk.Request("GET", "/healthz")
    poll = wrk.Request("GET", "/v1/forecasts/latest", auth)
    poll_304 = wrk.Request("GET", "/v1/forecasts/latest", {**auth, "If-None-Match": seeded.etag})
    body = json.dumps({"forecast_id": seeded.forecast_id})
    json_auth = {**auth, "Content-Type": "application/json"}
    recommend = wrk.Request("POST", "/v1/recommendations", json_auth, body)
    return [
        Scenario("bare route, no import", bare, frozenset({200}), under_import=False),
        Scenario("polling (200), no import", poll, frozenset({200}), under_import=False),
        Scenario("bare route: GET /healthz", bare, frozenset({200})),
        Scenario("polling: GET /v1/forecasts/latest", poll, frozenset({200})),
        Scenario("polling with If-None-Match (304)", poll_304, frozenset({304})),
        Scenario("procurement: POST /v1/recommendations", recommend, frozenset({201}), 2),
    ]


def _ensure_wrk() -> None:
    if shutil.which("wrk") is None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=True)


def _drive(base: str, items: list[Scenario], args: argparse.Namespace) -> list[Timed]:
    timed = []
    for sc in items:
        conns = sc.connections or args.connections
        wrk.run(base, sc.request, seconds=2, connections=conns)  # warm-up, not counted
        start = time.monotonic()
        result = wrk.run(base, sc.request, seconds=args.seconds, connections=conns)
        timed.append(Timed(sc, result, start, time.monotonic()))
        print(f"{sc.name}: {result.per_second:,.1f}/s, p99 {result.p99_ms:.1f} ms", flush=True)
    return timed


def _outcomes(timed: list[Timed], imports: Imports | None) -> list[Outcome]:
    """With the imports' rounds known (the last one ends after the last scenario)."""
    out = []
    for t in timed:
        busy = imports.busy_share(t.start, t.end) if imports else 0.0
        done = len([r for r in imports.during(t.start, t.end) if r[1] <= t.end]) if imports else 0
        out.append(Outcome(t.scenario, t.result, busy, done))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15, help="per scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rows", type=int, default=100_000, help="rows per import")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args(argv)
    _ensure_wrk()
    admin = os.environ.get("TOKENCAST_TEST_POSTGRES_URL") or DEFAULT_PG
    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_database(admin) as url,
        serve(url, Path(tmp) / "server.log") as server,
    ):
        seeded = seed_dashboard_org(server.base_url, create_org(url, "Dashboards"))
        items = scenarios(seeded)
        quiet = _drive(server.base_url, [s for s in items if not s.under_import], args)
        imports = Imports(server.base_url, create_org(url, "Importer"), args.rows)
        imports.start()
        while not imports.rounds and time.monotonic() - imports.started < 600:
            time.sleep(0.5)  # the first round done: the server is warm for imports too
        loaded = _drive(server.base_url, [s for s in items if s.under_import], args)
        imports.stop()
    run = report.Run(
        outcomes=_outcomes(quiet, None) + _outcomes(loaded, imports),
        imports=imports.rounds,
        rows=args.rows,
        seconds=args.seconds,
        connections=args.connections,
        forecast_bytes=seeded.forecast_bytes,
        load_before=load_before,
        load_after=os.getloadavg(),
    )
    args.out.write_text(report.markdown(run))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
