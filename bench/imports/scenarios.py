"""The measured imports and what each must have done to the database to count as correct.

In one fresh database, through the service function, one after another:
`fresh` (into an empty organization), `reimport` (the same file: every row unchanged),
`changed` (one more token on every row: every row replaced), `bad` (a bad cell on the
next-to-last line: refused, nothing stored, nothing lost). Over HTTP, in another fresh database:
`fresh` then `bad`, each against a newly started server so its peak RSS is that request's.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.imports.data import Shape, bad_line_number, cached_file
from bench.imports.db import Target, fresh_database, stored
from bench.imports.server import running_server, upload


@dataclass(frozen=True)
class Measurement:
    scenario: str
    path: str  # "service" or "http"
    wall_s: float
    peak_rss_mib: float
    rss_before_mib: float
    check: str  # "" when the outcome is right, else what was wrong


Expect = Callable[[dict[str, Any], tuple[int, Decimal]], str]


def _counts(added: int, replaced: int, unchanged: int, rows: int, total: Decimal) -> Expect:
    def expect(out: dict[str, Any], now: tuple[int, Decimal]) -> str:
        got = out.get("result")
        if got is None:
            return f"refused: {out.get('error')}"
        counts = (got["rows_added"], got["rows_replaced"], got["rows_unchanged"])
        if counts != (added, replaced, unchanged):
            return f"counts {counts}, expected {(added, replaced, unchanged)}"
        if now != (rows, total):
            return f"stored {now}, expected {(rows, total)}"
        return ""

    return expect


def _refused(line: int, field: str, rows: int, total: Decimal) -> Expect:
    def expect(out: dict[str, Any], now: tuple[int, Decimal]) -> str:
        error = str(out.get("error") or "")
        if "result" in out or f"line {line}" not in error or field not in error:
            return f"expected a refusal naming line {line} and {field!r}, got {out}"
        if now != (rows, total):
            return f"stored {now} after the refusal, expected {(rows, total)} as before"
        return ""

    return expect


def _in_worker(target: Target, path: Path) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "bench.imports.worker",
        "--database-url",
        target.url,
        "--organization-id",
        str(target.organization_id),
        "--file",
        str(path),
    ]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _measure(
    name: str, via: str, out: dict[str, Any], target: Target, expect: Expect
) -> Measurement:
    check = expect(out, stored(target))
    return Measurement(name, via, out["wall_s"], out["peak_rss_mib"], out["rss_before_mib"], check)


def run_round(
    admin_url: str | None, workdir: Path, shape: Shape, fmt: str, *, http: bool
) -> list[Measurement]:
    files = {v: cached_file(workdir, shape, fmt, v) for v in ("", "changed", "bad")}
    n, total = shape.rows, shape.total_tokens()
    field = "Tokens used" if fmt == "account" else "tokens"
    refused = _refused(bad_line_number(shape), field, n, total + n)
    plan: list[tuple[str, str, Expect]] = [
        ("fresh", "", _counts(n, 0, 0, n, total)),
        ("reimport", "", _counts(0, 0, n, n, total)),
        ("changed", "changed", _counts(0, n, 0, n, total + n)),
        ("bad", "bad", refused),
    ]
    out: list[Measurement] = []
    with fresh_database(admin_url, workdir) as target:
        for name, variant, expect in plan:
            out.append(
                _measure(name, "service", _in_worker(target, files[variant]), target, expect)
            )
    if not http:
        return out
    refused = _refused(bad_line_number(shape), field, n, total)
    with fresh_database(admin_url, workdir) as target:
        for name, variant, expect in (
            ("fresh", "", _counts(n, 0, 0, n, total)),
            ("bad", "bad", refused),
        ):
            with running_server(target.url) as server:
                reply = upload(server, target.api_key, files[variant])
            out.append(_measure(name, "http", reply, target, expect))
    return out
