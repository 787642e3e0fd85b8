"""wrk, driven from Python: one scenario, its requests and the numbers wrk measured.

wrk is a C load generator (one event loop per thread): on a 2-core machine it needs a small
share of one core to keep a one-worker server busy, where a Python client would compete with the
server for the CPU and measure itself. A Lua script sets the request and reports, as one JSON
line, the counts, the latency percentiles and the status codes seen.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

LUA = """
wrk.method = %(method)s
wrk.body = %(body)s
%(headers)s
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local seen = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do
      seen[tostring(code)] = (seen[tostring(code)] or 0) + n
    end
  end
  local parts = {}
  for code, n in pairs(seen) do table.insert(parts, string.format('"%%s": %%d', code, n)) end
  local e = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %%d, "duration_us": %%d, "socket_errors": %%d, "status_errors": %%d, '
    .. '"p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d, "statuses": {%%s}}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(parts, ", ")))
end
"""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    socket_errors: int
    status_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def errors(self, expected: set[int]) -> int:
        """Socket errors plus every reply whose status is not one of those expected."""
        unexpected = sum(n for code, n in self.statuses.items() if int(code) not in expected)
        return self.socket_errors + unexpected


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def script(request: Request) -> str:
    headers = "\n".join(
        f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in request.headers.items()
    )
    return LUA % {
        "method": _lua_string(request.method),
        "body": _lua_string(request.body) if request.body else "nil",
        "headers": headers,
    }


def run(
    base_url: str, request: Request, *, seconds: int, connections: int, threads: int = 1
) -> Result:
    exe = shutil.which("wrk")
    if exe is None:
        raise RuntimeError("wrk is not installed: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script(request))
        lua = Path(f.name)
    try:
        out = subprocess.run(
            [exe, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
             "-s", str(lua), base_url + request.path],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        ).stdout  # fmt: skip
    finally:
        lua.unlink()
    line = next(x for x in out.splitlines() if x.startswith("WRK-RESULT "))
    raw = json.loads(line.removeprefix("WRK-RESULT "))
    return Result(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        socket_errors=raw["socket_errors"],
        status_errors=raw["status_errors"],
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        statuses=raw["statuses"],
    )
