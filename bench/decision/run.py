"""Run the decision benchmark and write docs/decision.md.

    .venv/bin/python -m bench.decision.run            # from the repository root

Options narrow the run (`--series`, `--n-paths`, `--skip-timing`) for quick checks; the committed
docs/decision.md comes from the defaults.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.accuracy.data import REPO_ROOT, series_names
from bench.accuracy.run import _machine, _versions
from bench.decision.evaluate import (
    VARIANTS,
    CachedForecasts,
    backtest_series,
    check_targets,
    forecast_checks,
    long_series,
)
from bench.decision.report import RunInfo, render
from bench.decision.timing import measure
from models.forecasting.base import ForecastResult
from models.series import DailySeries

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "decision.md"
# Hand-written reading of the latest results, shown under the targets; update it after a rerun.
NOTES_FILE = Path(__file__).with_name("NOTES.md")
TIMING_SERIES = "pedestrians"
TIMING_DAYS = 730

logger = logging.getLogger("bench.decision")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.decision.run", description=__doc__)
    p.add_argument("--series", nargs="+", choices=series_names(), help="default: all long ones")
    p.add_argument("--n-paths", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    p.add_argument("--skip-timing", action="store_true")
    return p.parse_args(argv)


def _progress(history: DailySeries, result: ForecastResult) -> None:
    logger.info("forecast from %s days to %s: %s", history.n_days, history.end, result.model)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    started, t0 = datetime.now(UTC).strftime("%Y-%m-%d %H:%M"), time.perf_counter()
    series = long_series(tuple(args.series) if args.series else None)
    if not series:
        logger.error("no series spans three years")
        return 2
    forecasts = CachedForecasts(on_forecast=_progress)
    runs = backtest_series(series, VARIANTS, args.n_paths, args.seed, forecasts)
    main_variant = next(v for v in VARIANTS if v.main)
    checks = {v.name: check_targets([r for r in runs if r.variant == v.name]) for v in VARIANTS}
    fc_checks = forecast_checks(series, args.n_paths, args.seed, forecasts)
    timing = None
    if not args.skip_timing:
        timing_series = next((s for s in series if s.name == TIMING_SERIES), series[0])
        timing = measure(timing_series.tokens.head(TIMING_DAYS), main_variant.price_book, args.seed)
    command = "python -m bench.decision.run " + shlex.join(sys.argv[1:] if argv is None else argv)
    info = RunInfo(
        command=command.strip(),
        started_utc=started,
        machine=_machine(),
        versions=_versions(),
        n_paths=args.n_paths,
        seed=args.seed,
        elapsed_seconds=time.perf_counter() - t0,
    )
    notes = NOTES_FILE.read_text(encoding="utf-8") if NOTES_FILE.exists() else ""
    args.output.write_text(
        render(info, series, VARIANTS, runs, checks, timing, notes, fc_checks), encoding="utf-8"
    )
    logger.info("wrote %s", args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
