"""`python -m app.serve`: the HTTP API in several worker processes (uvicorn's supervisor).

uvicorn spawns its workers, and a spawned process first imports its parent's main module again,
before it can answer the supervisor's health pings. The `tokencast` script's main module imports
the whole numeric stack (seconds, more on a busy machine: long enough for the supervisor to kill
the worker as hung, again and again), so `tokencast serve --workers N` hands over to this module,
which imports only uvicorn; each worker answers its pings at once and loads the app after.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

import uvicorn

if TYPE_CHECKING:
    from fastapi import FastAPI

APP = "app.serve:worker_app"
# Seconds a worker may take to answer a health ping before the supervisor replaces it.
PING_TIMEOUT_S = 30


def freeze_startup_objects() -> None:
    """Exempt what start-up made (modules, classes, the numeric stack) from garbage collection.

    Those long-lived objects are never garbage, yet every full collection walks them all, and a
    large import triggers many full collections: each a pause of every request in flight
    (measured: 160 to 470 ms each, down to 20 to 180 ms with them frozen).
    """
    gc.collect()
    gc.freeze()


def tune_interpreter(switch_interval_ms: float) -> None:
    """Settings of the interpreter for a serving process: start-up objects frozen out of the
    garbage collector, and the interval after which a thread holding the interpreter lock hands
    it to one waiting (`TOKENCAST_SWITCH_INTERVAL_MS`).

    The event loop gives the lock up at every wait for the network and needs it back for each
    callback. While an import parses rows in a worker thread, each of those returns waits a
    whole interval, and a request takes a few dozen of them: behind 100,000-row imports, polls'
    p99 was 306 ms at Python's 5 ms, 60 ms at 0.5 ms and 15 ms at 0.2 ms (docs/performance.md).
    """
    sys.setswitchinterval(switch_interval_ms / 1000)
    freeze_startup_objects()


def worker_app() -> FastAPI:
    """The app of one worker, configured from the environment like `tokencast serve`."""
    from app.main import configure_logging, create_app
    from app.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    # As in `tokencast serve`: readiness checks ask Alembic for the revision on every call.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = create_app(settings)
    tune_interpreter(settings.switch_interval_ms)
    return app


def exec_workers(host: str, port: int, workers: int) -> NoReturn:
    """Replace this process with the supervisor (same pid: it stays PID 1 in a container)."""
    argv = [sys.executable, "-m", "app.serve", "--host", host, "--port", str(port)]
    os.execv(sys.executable, [*argv, "--workers", str(workers)])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.serve", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    uvicorn.run(
        APP,
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        timeout_worker_healthcheck=PING_TIMEOUT_S,
        log_level="info",
    )


if __name__ == "__main__":
    main()
