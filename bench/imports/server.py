"""The same import over HTTP: a real uvicorn server (`tokencast serve`) and a multipart upload
from this process on loopback. The server's peak RSS is read from /proc (VmHWM, reset just
before the request)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

_START_TIMEOUT_S = 60.0
_UPLOAD_TIMEOUT_S = 900.0


@dataclass(frozen=True)
class Server:
    pid: int
    base_url: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def memory_mib(pid: int | str) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of a process ("self" for this one), in MiB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def reset_peak(pid: int | str) -> None:
    """Start VmHWM afresh from the current RSS (Linux: `5` to clear_refs), so the peak read
    afterwards is the measured request's, not the start-up's."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


@contextmanager
def running_server(database_url: str) -> Iterator[Server]:
    port = _free_port()
    env = dict(os.environ, TOKENCAST_DATABASE_URL=database_url, TOKENCAST_LOG_LEVEL="WARNING")
    cmd = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = Server(proc.pid, f"http://127.0.0.1:{port}")
    try:
        _wait_ready(server, proc)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(server: Server, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"the server exited at start: {err[-2000:]}")
        try:
            if httpx.get(server.base_url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer /healthz in time")


def upload(server: Server, api_key: str, path: Path) -> dict[str, Any]:
    """POST the file to /v1/usage/imports; wall time is the whole request, upload included."""
    reset_peak(server.pid)
    before = memory_mib(server.pid)
    started = time.perf_counter()
    with path.open("rb") as fh:
        reply = httpx.post(
            server.base_url + "/v1/usage/imports",
            headers={"Authorization": f"Bearer {api_key}"},
            files={"file": (path.name, fh, "text/csv")},
            timeout=_UPLOAD_TIMEOUT_S,
        )
    wall = time.perf_counter() - started
    after = memory_mib(server.pid)
    out: dict[str, Any] = {
        "wall_s": wall,
        "status": reply.status_code,
        "rss_before_mib": before["VmRSS"],
        "peak_rss_mib": after["VmHWM"],
    }
    body = reply.json()
    out["result" if reply.status_code == 201 else "error"] = (
        body if reply.status_code == 201 else body.get("detail", body)
    )
    return out
