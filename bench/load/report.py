"""docs/performance.md from one run of the load bench."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.load.run import Outcome

RATIO_TARGET = 0.60
P99_TARGET_MS = 50.0

# Earlier runs of this bench, kept for the record of what changed (same machine, same method).
HISTORY = ""


@dataclass(frozen=True)
class Run:
    outcomes: list[Outcome]
    imports: list[tuple[float, float, int]]
    rows: int
    seconds: int
    connections: int
    forecast_bytes: int
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]


def line(o: Outcome) -> str:
    r = o.result
    return (
        f"{o.scenario.name:42s} {r.per_second:8.1f}/s  p50 {r.p50_ms:7.2f} ms  "
        f"p99 {r.p99_ms:7.2f} ms  errors {r.errors(set(o.scenario.expected))}  "
        f"import in flight {o.import_busy:4.0%}"
    )


def _row(o: Outcome) -> str:
    r = o.result
    statuses = ", ".join(f"{n:,} x {code}" for code, n in sorted(r.statuses.items()))
    conns = o.scenario.connections or "default"
    busy = f"{o.import_busy:.0%}" if o.scenario.under_import else "-"
    return (
        f"| {o.scenario.name} | {conns} | {r.per_second:,.1f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} "
        f"| {r.errors(set(o.scenario.expected))} | {statuses} | {busy} |"
    )


def _verdicts(run: Run) -> list[str]:
    by_name = {o.scenario.name: o for o in run.outcomes}
    bare = by_name["bare route: GET /healthz"].result
    out = []
    for name in ("polling: GET /v1/forecasts/latest", "polling with If-None-Match (304)"):
        o = by_name[name]
        ratio = o.result.per_second / bare.per_second
        errors = o.result.errors(set(o.scenario.expected))
        ok = ratio >= RATIO_TARGET and o.result.p99_ms < P99_TARGET_MS and errors == 0
        out.append(
            f"| {name} | {ratio:.0%} | {o.result.p99_ms:.2f} | {errors} | "
            f"{'met' if ok else 'missed'} |"
        )
    return out


def _imports(run: Run) -> str:
    durations = [end - start for start, end, _ in run.imports]
    codes = sorted({code for _, _, code in run.imports})
    if not durations:
        return "No import finished during the run."
    return (
        f"{len(durations)} imports of {run.rows:,} rows finished during the run, each "
        f"{min(durations):.1f} to {max(durations):.1f} s (median "
        f"{statistics.median(durations):.1f} s), status {', '.join(map(str, codes))}."
    )


def markdown(run: Run) -> str:
    header = (
        "| scenario | connections | requests/s | p50 ms | p99 ms | errors | replies "
        "| import in flight |\n|---|---|---|---|---|---|---|---|"
    )
    table = "\n".join(_row(o) for o in run.outcomes)
    verdicts = "\n".join(_verdicts(run))
    lb, la = run.load_before, run.load_after
    return f"""# Performance under load

`python -m bench.load.run` (about three minutes) starts `tokencast serve` with **one worker** on
a fresh PostgreSQL database, seeds an organization with two years of daily usage, a price book
and a forecast of the year (1,000 paths; the reply is {run.forecast_bytes:,} bytes of JSON), and
drives the server from a second process on loopback with
[wrk](https://github.com/wg/wrk) ({run.seconds} s per scenario after a 2 s warm-up,
{run.connections} connections unless the table says otherwise, one wrk thread). Meanwhile a
loop imports {run.rows:,}-row user-level CSV files (new users each time, so every import
writes them all) into another organization of the same server. "Errors" counts socket errors
and every reply whose status is not the scenario's expected one.

Why wrk: on a 2-core machine the server's one worker takes one core; wrk, written in C around
one event loop, needs a small part of the other to keep it busy, where a Python client (httpx,
locust) spends more CPU per request than the server does and measures itself.

The bare route is `GET /healthz`: a plain FastAPI route (a synchronous function returning a
constant, like the polling route runs in the thread pool), no database and no key. Polling is
`GET /v1/forecasts/latest` with an API key: key lookup, the newest forecast's row, its stored
JSON body and ETag; with `If-None-Match` the reply is a 304 without a body.

## Results

{header}
{table}

{_imports(run)}

## Targets (one worker, while an import runs)

Polling at least {RATIO_TARGET:.0%} of the bare route's throughput, p99 under
{P99_TARGET_MS:.0f} ms, no errors.

| polling | share of the bare route's throughput | p99 ms | errors | target |
|---|---|---|---|---|
{verdicts}
{HISTORY}
## Machine

{os.cpu_count()} cores, shared: load average {lb[0]:.2f} before the run and {la[0]:.2f} after
(other work on the machine shows in the numbers). Python {platform.python_version()},
{platform.system()} {platform.release()}.
"""
