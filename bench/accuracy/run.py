"""Run the accuracy benchmark and write docs/accuracy.md.

    .venv/bin/python -m bench.accuracy.run            # from the repository root

Options narrow the run (`--series`, `--models`, `--max-origins`, `--n-paths`) for quick checks;
the committed docs/accuracy.md comes from the defaults.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shlex
import statistics
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from threadpoolctl import threadpool_limits

from bench.accuracy.candidates import all_candidates, automatic
from bench.accuracy.data import REPO_ROOT, load_all, series_names
from bench.accuracy.evaluate import OriginResult, evaluate_series, plan_origins, process_cpu_seconds
from bench.accuracy.report import RunInfo, Timing, render
from bench.accuracy.summary import check_targets, summaries
from models.forecasting import MODELS

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "accuracy.md"
METHOD_FILE = Path(__file__).with_name("METHOD.md")
# A hand-written reading of a run, shown under the targets while it names the registered models.
NOTES_FILE = Path(__file__).with_name("NOTES.md")
DEFAULT_MAX_ORIGINS = 12
TIMING_SERIES = "bikeshare"
TIMING_DAYS = 730
TIMING_RUNS = 3

logger = logging.getLogger("bench.accuracy")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.accuracy.run", description=__doc__)
    p.add_argument("--series", nargs="+", choices=series_names(), help="default: all")
    p.add_argument(
        "--models", nargs="+", help="registered models to score (default: all; auto uses all)"
    )
    p.add_argument("--max-origins", type=int, default=DEFAULT_MAX_ORIGINS)
    p.add_argument("--n-paths", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    p.add_argument("--skip-timing", action="store_true")
    return p.parse_args(argv)


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}; "
        f"load average at the end {load} (the machine is shared, so timings are upper bounds)"
    )


def _versions() -> str:
    pkgs = ("numpy", "pandas", "statsmodels", "prophet", "cmdstanpy")
    return f"Python {platform.python_version()}; " + ", ".join(f"{p} {version(p)}" for p in pkgs)


def read_notes(path: Path, registered: tuple[str, ...]) -> str:
    """The hand-written notes, if their first line `<!-- models: a, b -->` names exactly the
    registered models; otherwise a line saying they are out of date, so a rerun after the
    registry changed never shows a reading of other results."""
    if not path.exists():
        return ""
    first, _, body = path.read_text(encoding="utf-8").partition("\n")
    written_for = first.removeprefix("<!-- models:").removesuffix("-->").strip()
    if tuple(m.strip() for m in written_for.split(",")) == registered:
        return body
    return (
        f"_The notes in `bench/accuracy/{path.name}` were written for other models "
        f"({written_for}) and are left out; rewrite them for this run._"
    )


def measure_timing(seed: int) -> Timing:
    """Wall and CPU seconds of `forecast(model="auto")` on the first 730 days of the bike-share
    series, 365 days ahead, 1000 paths, BLAS on one thread; median of 3 runs after a warm-up."""
    tokens = load_all((TIMING_SERIES,))[0].tokens.head(TIMING_DAYS)
    walls, cpus, model = [], [], ""
    with threadpool_limits(limits=1):
        for run in range(TIMING_RUNS + 1):
            wall0, cpu0 = time.perf_counter(), process_cpu_seconds()
            _, model = automatic(tokens, 365, 1000, seed + run)
            if run:  # the first run pays for imports and compiled-model caches
                walls.append(time.perf_counter() - wall0)
                cpus.append(process_cpu_seconds() - cpu0)
    history = f"{TIMING_DAYS} days ({TIMING_SERIES}, {tokens.start} .. {tokens.end})"
    return Timing(history, TIMING_RUNS, statistics.median(walls), statistics.median(cpus), model)


def _progress(result: OriginResult) -> None:
    scores = ", ".join(
        f"{h}d APE {s.ape:.1%}{'*' if s.covered else ''}" for h, s in result.scores.items()
    )
    status = f"FAILED {result.message}" if result.failed else scores
    logger.info(
        "%s origin %s %s (%s): %s [%.1fs]",
        result.series,
        result.last_history_day,
        result.candidate,
        result.used_model,
        status,
        result.wall_seconds,
    )


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    started, t0 = datetime.now(UTC).strftime("%Y-%m-%d %H:%M"), time.perf_counter()
    series = load_all(tuple(args.series) if args.series else None)
    candidates = all_candidates(tuple(args.models) if args.models else None)
    results: list[OriginResult] = []
    origins: dict[str, list[int]] = {}
    for s in series:
        origins[s.name] = plan_origins(
            s.tokens.n_days, s.min_history_days, max_origins=args.max_origins
        )
        results += evaluate_series(
            s.name, s.tokens, origins[s.name], candidates, args.n_paths, args.seed, _progress
        )
    timing = None if args.skip_timing else measure_timing(args.seed)
    items = summaries(results)
    command = "python -m bench.accuracy.run " + shlex.join(sys.argv[1:] if argv is None else argv)
    info = RunInfo(
        command=command.strip(),
        started_utc=started,
        machine=_machine(),
        versions=_versions(),
        n_paths=args.n_paths,
        seed=args.seed,
        max_origins=args.max_origins,
        registered=tuple(MODELS),
        elapsed_seconds=time.perf_counter() - t0,
    )
    method = METHOD_FILE.read_text(encoding="utf-8")
    notes = read_notes(NOTES_FILE, tuple(MODELS))
    checks = check_targets(items)
    doc = render(info, series, origins, results, items, checks, timing, method, notes)
    args.output.write_text(doc, encoding="utf-8")
    logger.info("wrote %s (%d forecasts)", args.output, len(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
