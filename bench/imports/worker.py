"""One import through the service function, in a process of its own so its peak RSS is its own.

    python -m bench.imports.worker --database-url URL --organization-id ID --file PATH

Prints one JSON object: wall seconds of the import (parse, store, commit), the process's RSS
before it and its peak RSS during it (/proc VmRSS and VmHWM, the peak reset just before the
import; the interpreter and the application's imports are resident in both), and the import's
answer or its error. The unit of work is the CLI's and the API's: commit on success, roll back on
any error.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from app.db.session import build_engine, session_factory, session_scope
from app.errors import ServiceError
from app.ingest import UsageImportError
from app.services.imports import import_file
from bench.imports.server import memory_mib, reset_peak


def run_import(database_url: str, organization_id: uuid.UUID, path: Path) -> dict[str, Any]:
    factory = session_factory(build_engine(database_url))
    reset_peak("self")
    before = memory_mib("self")["VmRSS"]
    started = time.perf_counter()
    out: dict[str, Any] = {}
    try:
        with session_scope(factory) as session, path.open("rb") as fh:
            reply = import_file(
                session,
                organization_id=organization_id,
                filename=path.name,
                content=fh,
                user_key_secret=None,
            )
        out["result"] = reply.model_dump(mode="json")
    except (UsageImportError, ServiceError) as exc:
        out["error"] = str(exc) if isinstance(exc, UsageImportError) else exc.detail
    out["wall_s"] = time.perf_counter() - started
    out["rss_before_mib"] = before
    out["peak_rss_mib"] = memory_mib("self")["VmHWM"]
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.imports.worker")
    p.add_argument("--database-url", required=True)
    p.add_argument("--organization-id", required=True, type=uuid.UUID)
    p.add_argument("--file", required=True, type=Path)
    args = p.parse_args(argv)
    print(json.dumps(run_import(args.database_url, args.organization_id, args.file)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
