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

# What changed the polling route, measured on this machine with this bench or with wrk alone
# against the same server (8 connections, no import unless said); kept by hand.
HISTORY = """
## What changed, and what each change did

The first run of this bench, on the code before this work: polling reached **62 requests/s
against 751** for the bare route (8 %), p99 358 ms without an import; with the import, 32
against 329 (10 %), p99 824 ms; the 304 variant 55/s. Each poll read the forecast's row with its
sample paths (about 1.4 MB of compressed arrays, never used by the reply), parsed its stored JSON
body and wrote it out again, and looked the key up: 5.4 ms of server CPU per poll, against
1.0 ms for the bare route.

| step | bare /s | polling /s | 304 /s | polling p99 ms |
|---|---|---|---|---|
| before | 751 | 62 | 63 | 358 |
| the stored JSON text as it is, no paths; a 304 reads the ETag alone | 781 | 155 | 147 | 247 |
| key lookup and latest forecast kept 1 s in memory, async route | 920 | 1,032 | 1,198 | 44 |
| the bare route async too (the strict comparison used since) | 1,427 | 752 | 1,070 | 168 |
| httptools and uvloop (uvicorn picks them up) | 2,370 | 1,353 | 1,679 | 63 |
| one load per expired entry, the other polls wait for it | 3,830 | 2,291 | - | 9 |

Misses were the tail: when the 1 s entries expired, every poll in flight loaded them at once,
each on a database connection of its own beyond the pool's five. Now one loads, the others wait.

With the import in the same worker, the import was what held polls up, in three ways, each
found and measured with this bench, py-spy and a client timing one request after another:

1. Full garbage collections that walked the whole heap, 160 to 470 ms each. Freezing the objects
   of start-up (`gc.freeze()` when the server starts) shortened them to 20 to 180 ms.
2. The import's own Python work (the old path: every row a Python object, SQLAlchemy's bulk
   insert; a 100,000-row import took 20 to 28 s in the serving process). The streamed import
   (rows checked and sent to PostgreSQL with COPY, docs/import-performance.md) takes 1 to 5 s
   and makes no collections worth the name. On the quiet machine that left polling at 2,681/s
   but p99 at 240 ms, the bare route's at 281 ms.
3. The interpreter lock's switch interval. The stalls came in the first half second of each
   import, while it parses (a thread busy in Python), and the lock was free 70 % of the time:
   not CPU, but the event loop waiting. The loop gives the lock up at every wait for the network
   and takes it again for each callback; a thread busy in Python hands it back only when the
   switch interval (5 ms by default) runs out, and one request takes a few dozen such returns.
   With wrk (8 connections) on the polling route during imports, p99 was 306 ms at 5 ms,
   60 ms at 0.5 ms and 15 ms at 0.2 ms, at about the same throughput. `tokencast serve` now sets
   0.2 ms (`TOKENCAST_SWITCH_INTERVAL_MS`); the import takes a little longer for it.

Then, on the quiet machine, polling was 47 % of the bare route's throughput: a poll cost twice a
bare request. A fifth of its CPU went to FastAPI's dependency machinery (the bearer scheme and
the `If-None-Match` header parameter); the route now reads the two headers from the request
itself (the OpenAPI schema declares them as before, byte for byte), and polling went from 46 %
to 63 % of the bare route with wrk alone (4,131 against 6,596 requests/s). Matching the request
against the routes took another sixth (the forecasts' routes came after most others); they are
now matched right after the health routes. The rest of the gap is the access log line every poll
writes (the health routes log at debug level) and the 33 KB body.

| step (no import unless said) | bare /s | polling /s | polling p99 ms |
|---|---|---|---|
| streamed import, quiet machine, during imports | 4,995 | 2,681 | 240 |
| switch interval 0.5 ms, during imports (one run; the next gave 86) | 5,702 | 2,688 | 45 |
| switch interval 0.2 ms, no dependencies, during imports, wrk alone | 4,486 | 2,520 | 15 |
| polling without dependencies, wrk alone | 6,596 | 4,131 | - |
| forecasts' routes matched first, wrk alone | 7,536 | 4,729 | - |
"""


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
