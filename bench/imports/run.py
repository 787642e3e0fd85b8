"""Run the import benchmark and write docs/import-performance.md.

    .venv/bin/python -m bench.imports.run            # from the repository root

Needs a PostgreSQL server the benchmark may create databases on (`--postgres-url`, default
$TOKENCAST_TEST_POSTGRES_URL or postgresql+psycopg://postgres@127.0.0.1:5432/test); `--sqlite`
measures the embedded database instead. Files are generated once under `--workdir`.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bench.accuracy.data import REPO_ROOT
from bench.accuracy.run import _machine
from bench.imports.data import FORMATS, Shape, cached_file
from bench.imports.report import RunInfo, render
from bench.imports.scenarios import Measurement, run_round

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "import-performance.md"
NOTES_FILE = Path(__file__).with_name("NOTES.md")
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

logger = logging.getLogger("bench.imports")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.imports.run", description=__doc__)
    p.add_argument("--postgres-url", default=os.environ.get("TOKENCAST_TEST_POSTGRES_URL"))
    p.add_argument("--sqlite", action="store_true", help="measure SQLite instead")
    p.add_argument("--format", choices=FORMATS, default="account")
    p.add_argument("--users", type=int, default=Shape.users)
    p.add_argument("--products", type=int, default=Shape.products, choices=range(1, 6))
    p.add_argument("--days", type=int, default=Shape.days)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--skip-http", action="store_true")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/tokencast-bench-imports"))
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    return p.parse_args(argv)


def _versions() -> str:
    pkgs = ("SQLAlchemy", "psycopg", "fastapi", "uvicorn")
    return f"Python {sys.version.split()[0]}; " + ", ".join(f"{p} {version(p)}" for p in pkgs)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    admin_url = None if args.sqlite else (args.postgres_url or DEFAULT_PG)
    shape = Shape(args.users, args.products, args.days)
    started, t0 = datetime.now(UTC).strftime("%Y-%m-%d %H:%M"), time.perf_counter()
    size = cached_file(args.workdir, shape, args.format).stat().st_size
    results: list[Measurement] = []
    for i in range(args.rounds):
        for m in run_round(admin_url, args.workdir, shape, args.format, http=not args.skip_http):
            logger.info(
                "round %d %s %s: %.1f s, peak RSS %.0f MiB %s",
                i + 1,
                m.path,
                m.scenario,
                m.wall_s,
                m.peak_rss_mib,
                m.check or "(right)",
            )
            results.append(m)
    command = "python -m bench.imports.run " + shlex.join(sys.argv[1:] if argv is None else argv)
    info = RunInfo(
        command=command.strip(),
        started_utc=started,
        machine=_machine(),
        versions=_versions(),
        database="SQLite (a file)" if admin_url is None else _pg_version(admin_url),
        file_format=args.format,
        file_mib=size / 2**20,
        elapsed_minutes=(time.perf_counter() - t0) / 60,
    )
    notes = NOTES_FILE.read_text(encoding="utf-8") if NOTES_FILE.exists() else ""
    args.output.write_text(render(info, shape, results, notes), encoding="utf-8")
    logger.info("wrote %s", args.output)
    return 1 if any(m.check for m in results) else 0


def _pg_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            full = str(conn.execute(text("SHOW server_version")).scalar())
    finally:
        engine.dispose()
    return f"PostgreSQL {full.split()[0]} on loopback"


if __name__ == "__main__":
    sys.exit(main())
