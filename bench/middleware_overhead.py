"""What the request middleware costs per request: the same trivial route with and without it.

Two measures, each on the same small JSON route:

- in process: the ASGI app called directly (no network, no HTTP parsing), so the difference is
  the middleware alone;
- over HTTP: a real uvicorn server on loopback, one worker, driven by a keep-alive client in a
  second process, as a dashboard would poll it.

Variants: bare FastAPI; + ObservabilityMiddleware (request id, Prometheus counter and
histogram) with the log level at WARNING, so without the access line; the same with the JSON
access line written to /dev/null at INFO; + BodyLimitMiddleware (the service's stack).
Results go to docs/middleware-overhead.md.

    .venv/bin/python -m bench.middleware_overhead [--requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import logging
import multiprocessing
import os
import socket
import statistics
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from app.api.body_limit import BodyLimitMiddleware
from app.observability.logs import configure_logging
from app.observability.middleware import ObservabilityMiddleware

OUT = Path(__file__).resolve().parents[1] / "docs" / "middleware-overhead.md"
# name -> the log level the service runs at (WARNING: the access line is not written)
VARIANTS = {
    "bare": "INFO",
    "observability, no access line": "WARNING",
    "observability": "INFO",
    "observability+body_limit": "INFO",
}


def build(variant: str) -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"status": "ok"}

    if variant.endswith("body_limit"):
        app.add_middleware(BodyLimitMiddleware, max_body_bytes=1 << 25, max_upload_bytes=1 << 27)
    if variant.startswith("observability"):
        app.add_middleware(ObservabilityMiddleware)
    return app


def _scope() -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/ping",
        "raw_path": b"/ping",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
        "state": {},
    }


async def _in_process(app: FastAPI, n: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    for _ in range(200):  # warm up: route tables, metric children, first-call caches
        await app(_scope(), receive, send)
    # CPU time, not wall time: on a shared machine the wall clock also counts other programs
    start = time.process_time()
    for _ in range(n):
        await app(_scope(), receive, send)
    return (time.process_time() - start) / n * 1e6


def _serve(variant: str, port: int) -> None:
    import uvicorn

    configure_logging(VARIANTS[variant], "json", stream=open(os.devnull, "w"))  # noqa: SIM115
    uvicorn.run(build(variant), host="127.0.0.1", port=port, log_config=None, access_log=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _over_http(variant: str, n: int) -> tuple[float, float, float, float]:
    """(server CPU µs per request, requests per second, p50 ms, p99 ms) of n sequential
    keep-alive requests."""
    port = _free_port()
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(variant, port))
    server.start()
    assert server.pid is not None
    try:
        conn = _connect(port)
        for _ in range(200):
            _get(conn)
        latencies = []
        cpu = _cpu_seconds(server.pid)
        for _ in range(n):
            t0 = time.perf_counter()
            _get(conn)
            latencies.append(time.perf_counter() - t0)
        cpu = _cpu_seconds(server.pid) - cpu
        conn.close()
    finally:
        server.terminate()
        server.join()
    q = statistics.quantiles(latencies, n=100)
    return cpu / n * 1e6, n / sum(latencies), q[49] * 1e3, q[98] * 1e3


def _get(conn: http.client.HTTPConnection) -> None:
    conn.request("GET", "/ping")
    reply = conn.getresponse()
    reply.read()
    assert reply.status == 200


def _connect(port: int) -> http.client.HTTPConnection:
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/ping")
            conn.getresponse().read()
            return conn
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000, help="per HTTP run")
    parser.add_argument("--rounds", type=int, default=40, help="in-process rounds of 500")
    parser.add_argument("--http-runs", type=int, default=4)
    args = parser.parse_args()
    configure_logging("INFO", "json", stream=open(os.devnull, "w"))  # noqa: SIM115
    apps = {v: build(v) for v in VARIANTS}
    in_process: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for _ in range(args.rounds):  # interleaved, so a busy spell hits every variant alike
        for v in VARIANTS:
            logging.getLogger().setLevel(VARIANTS[v])
            in_process[v].append(asyncio.run(_in_process(apps[v], 500)))
    http_runs: dict[str, list[tuple[float, float, float, float]]] = {v: [] for v in VARIANTS}
    for _ in range(args.http_runs):
        for v in VARIANTS:
            http_runs[v].append(_over_http(v, args.requests))
    rows = []
    for v in VARIANTS:
        cpu, rps, p50, p99 = min(http_runs[v])  # the run with the least server CPU
        rows.append((v, min(in_process[v]), cpu, rps, p50, p99))
        print(f"{v:26s} {rows[-1][1]:6.1f} us in process; server {cpu:6.1f} us CPU, "
              f"{rps:5.0f} req/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms")  # fmt: skip
    write(rows, args.requests, args.rounds, args.http_runs)


def write(
    rows: list[tuple[str, float, float, float, float, float]], n: int, rounds: int, runs: int
) -> None:
    base = rows[0]
    lines = [
        "# Middleware overhead per request",
        "",
        "`python -m bench.middleware_overhead`. In process: the ASGI app called directly, CPU "
        f"time per request, the least of {rounds} interleaved rounds of 500 requests. Over HTTP: "
        f"one uvicorn worker on loopback, {n} sequential keep-alive requests from a second "
        "process; the server's CPU time per request (from /proc) and the client's throughput "
        f"and latency, from the least-CPU of {runs} interleaved runs. The route returns a "
        "small JSON object; the access line is written (JSON, to /dev/null) and the metrics "
        "recorded.",
        "",
        "| variant | in process, µs CPU | added | server, µs CPU | added "
        "| req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for v, micros, cpu, rps, p50, p99 in rows:
        lines.append(
            f"| {v} | {micros:.1f} | {micros - base[1]:+.1f} | {cpu:.0f} | {cpu - base[2]:+.0f} "
            f"| {rps:.0f} | {p50:.2f} | {p99:.2f} |"
        )
    lines += [
        "",
        f"Machine: {os.cpu_count()} CPUs shared with other work: the wall-clock columns (req/s, "
        "p50, p99) move with the machine's load; the CPU columns are the cost itself.",
        "",
    ]
    OUT.write_text("\n".join(lines))


if __name__ == "__main__":
    main()
