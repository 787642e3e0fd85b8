"""docs/accuracy.md: the benchmark's results as Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bench.accuracy.candidates import AUTO
from bench.accuracy.data import BenchSeries
from bench.accuracy.evaluate import HORIZONS, ORIGIN_STEP_DAYS, OriginResult
from bench.accuracy.summary import Summary, TargetCheck


@dataclass(frozen=True)
class RunInfo:
    """What a reader needs to reproduce the numbers and judge the timings."""

    command: str
    started_utc: str
    machine: str
    versions: str
    n_paths: int
    seed: int
    max_origins: int | None
    registered: tuple[str, ...]
    elapsed_seconds: float


@dataclass(frozen=True)
class Timing:
    """Auto forecast on two years of daily history, 365 days, 1000 paths (median of runs)."""

    history: str
    runs: int
    wall_seconds: float
    cpu_seconds: float
    model: str


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _series_table(series: Sequence[BenchSeries], origins: dict[str, list[int]]) -> list[str]:
    lines = [
        "| series | what | days | period | days filled; rule | origins | 365-day scored |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in series:
        t, cut = s.tokens, origins[s.name]
        span = "none"
        if cut:
            first, last = t.head(cut[0]).end, t.head(cut[-1]).end
            span = f"{len(cut)}: history to {first} .. {last}"
        n365 = sum(1 for o in cut if o + 365 <= t.n_days)
        lines.append(
            f"| {s.name} | {s.description} | {t.n_days} | {t.start} .. {t.end} "
            f"| {s.filled_days}; {s.fill_rule} | {span} | {n365} |"
        )
    return lines


def _result_row(s: Summary, label: str) -> str:
    used = ""
    # auto's choices, or a named model's fallbacks to seasonal_naive.
    if s.candidate == AUTO or set(s.used_models) - {s.candidate}:
        used = ", ".join(f"{m} x{n}" for m, n in s.used_models.most_common())
    return (
        f"| {label} | {s.scored[90]} / {s.scored[365]} | {_pct(s.mean_ape.get(90))} "
        f"| {_pct(s.mean_ape.get(365))} | {_pct(s.coverage.get(90))} "
        f"| {_pct(s.coverage.get(365))} | {s.failed} | {s.median_wall_seconds:.2f} "
        f"| {s.median_cpu_seconds:.2f} | {used} |"
    )


_RESULT_HEADER = [
    "| model | origins 90 / 365 | mean APE 90-day total | mean APE 365-day total "
    "| 80 % coverage 90 | 80 % coverage 365 | failed | median wall s | median CPU s | paths from |",
    "|---|---|---|---|---|---|---|---|---|---|",
]


def _per_series(items: Sequence[Summary]) -> list[str]:
    lines: list[str] = []
    for name in dict.fromkeys(s.series for s in items if s.series != "all"):
        lines += ["", f"### {name}", "", *_RESULT_HEADER]
        lines += [_result_row(s, s.candidate) for s in items if s.series == name]
    return lines


def _pooled(items: Sequence[Summary]) -> list[str]:
    lines = [
        "| model | origins 90 / 365 | mean APE 90, average of series | mean APE 365, average "
        "of series | pooled 80 % coverage 90 | pooled 80 % coverage 365 | failed |",
        "|---|---|---|---|---|---|---|",
    ]
    for pooled in (s for s in items if s.series == "all"):
        per = [s for s in items if s.candidate == pooled.candidate and s.series != "all"]
        avg = {
            h: float(np.mean(vals))
            if (vals := [s.mean_ape[h] for s in per if h in s.mean_ape])
            else None
            for h in HORIZONS
        }
        lines.append(
            f"| {pooled.candidate} | {pooled.scored[90]} / {pooled.scored[365]} "
            f"| {_pct(avg[90])} | {_pct(avg[365])} | {_pct(pooled.coverage.get(90))} "
            f"| {_pct(pooled.coverage.get(365))} | {pooled.failed} |"
        )
    return lines


def _targets(checks: Sequence[TargetCheck]) -> list[str]:
    lines = ["| target | result | numbers |", "|---|---|---|"]
    for c in checks:
        verdict = "n/a" if c.passed is None else ("PASS" if c.passed else "FAIL")
        lines.append(f"| {c.name} | **{verdict}** | {c.detail} |")
    return lines


def _timing(timing: Timing | None) -> list[str]:
    if timing is None:
        return ["Not measured in this run (`--skip-timing`)."]
    return [
        f"Automatic selection on {timing.history}, 365-day horizon, 1000 paths, BLAS limited to "
        f"one thread: **{timing.wall_seconds:.2f} s wall, {timing.cpu_seconds:.2f} s CPU** "
        f"(median of {timing.runs} runs after one warm-up; CPU includes child processes such as "
        f"Stan; chosen model: {timing.model}). Issue 3's target is under 2 s on one core.",
    ]


def _cell(result: OriginResult | None, h: int) -> str:
    if result is None:
        return "-"
    if result.failed:
        return "failed"
    score = result.scores.get(h)
    return "-" if score is None else f"{score.ape:.1%}{' (in)' if score.covered else ''}"


def _per_origin(results: Sequence[OriginResult], h: int) -> list[str]:
    """Every origin's h-day APE per candidate, '(in)' when the 80 % interval held the total."""
    cands = list(dict.fromkeys(r.candidate for r in results))
    lines = [
        "| series | history to | auto chose | " + " | ".join(cands) + " |",
        "|---|---|---|" + "---|" * len(cands),
    ]
    keys = dict.fromkeys((r.series, r.origin) for r in results)
    for series, origin in keys:
        row = {r.candidate: r for r in results if (r.series, r.origin) == (series, origin)}
        if all(h not in r.scores for r in row.values() if not r.failed):
            continue
        first = next(iter(row.values()))
        auto = row.get(AUTO)
        chose = auto.used_model if auto is not None and not auto.failed else "-"
        cells = " | ".join(_cell(row.get(c), h) for c in cands)
        lines.append(f"| {series} | {first.last_history_day} | {chose} | {cells} |")
    return lines


def render(
    info: RunInfo,
    series: Sequence[BenchSeries],
    origins: dict[str, list[int]],
    results: Sequence[OriginResult],
    items: Sequence[Summary],
    checks: Sequence[TargetCheck],
    timing: Timing | None,
    method: str,
    notes: str = "",
) -> str:
    """The whole of docs/accuracy.md."""
    cap = "no cap" if info.max_origins is None else f"at most {info.max_origins} per series"
    lines = [
        "# Forecast accuracy benchmark",
        "",
        "Generated by the benchmark; do not edit by hand (rerun it instead).",
        "",
        f"- Command: `{info.command}` (from the repository root)",
        f"- Run started: {info.started_utc} (UTC); took {info.elapsed_seconds / 60:.1f} min",
        f"- Machine: {info.machine}",
        f"- Versions: {info.versions}",
        f"- Registered models: {', '.join(info.registered)}; plus `auto` (the service's "
        "automatic choice) and `prophet_default` (Prophet with its default settings)",
        f"- Paths per forecast: {info.n_paths}; seed {info.seed}; origins every "
        f"{ORIGIN_STEP_DAYS} days, {cap}",
        "",
        "## Targets (issue 3)",
        "",
        *_targets(checks),
        "",
        *([notes.strip(), ""] if notes.strip() else []),
        "## Timing",
        "",
        *_timing(timing),
        "",
        "## Series",
        "",
        *_series_table(series, origins),
        "",
        "## Pooled over series and origins",
        "",
        *_pooled(items),
        "",
        "## Results by series",
        *_per_series(items),
        "",
        method.strip(),
        "",
        "## Appendix: every origin",
        "",
        "APE of the 90-day total; '(in)' marks a realised total inside the 80 % interval.",
        "",
        *_per_origin(results, 90),
        "",
        "APE of the 365-day total, where the series reaches that far.",
        "",
        *_per_origin(results, 365),
        "",
    ]
    return "\n".join(lines)
