"""Aggregates of the per-origin results, and the check of issue 3's targets."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bench.accuracy.candidates import AUTO, PROPHET_DEFAULT
from bench.accuracy.evaluate import HORIZONS, OriginResult

BASELINE = "seasonal_naive"
TARGET_HORIZON = 90
COVERAGE_BAND = (0.70, 0.90)


@dataclass(frozen=True)
class Summary:
    """One candidate on one series (or pooled, `series="all"`): per horizon, the number of scored
    origins, the mean APE of the total (fraction) and the share covered by the 80 % interval."""

    series: str
    candidate: str
    scored: dict[int, int]
    mean_ape: dict[int, float]
    coverage: dict[int, float]
    failed: int
    median_wall_seconds: float
    median_cpu_seconds: float
    used_models: Counter[str] = field(default_factory=Counter)


def summarize(series: str, candidate: str, rows: Sequence[OriginResult]) -> Summary:
    """Summary of `rows` (all of one candidate). Failed origins count in `failed` only."""
    ok = [r for r in rows if not r.failed]
    scored = {h: [r.scores[h] for r in ok if h in r.scores] for h in HORIZONS}
    return Summary(
        series=series,
        candidate=candidate,
        scored={h: len(s) for h, s in scored.items()},
        mean_ape={h: float(np.mean([x.ape for x in s])) for h, s in scored.items() if s},
        coverage={h: float(np.mean([x.covered for x in s])) for h, s in scored.items() if s},
        failed=len(rows) - len(ok),
        median_wall_seconds=float(np.median([r.wall_seconds for r in rows])) if rows else 0.0,
        median_cpu_seconds=float(np.median([r.cpu_seconds for r in rows])) if rows else 0.0,
        used_models=Counter(r.used_model for r in ok),
    )


def summaries(results: Sequence[OriginResult]) -> list[Summary]:
    """One Summary per (series, candidate) in first-seen order, then one per candidate pooled
    over every series and origin (`series="all"`)."""
    keys = list(dict.fromkeys((r.series, r.candidate) for r in results))
    out = [
        summarize(s, c, [r for r in results if (r.series, r.candidate) == (s, c)]) for s, c in keys
    ]
    for cand in dict.fromkeys(r.candidate for r in results):
        out.append(summarize("all", cand, [r for r in results if r.candidate == cand]))
    return out


@dataclass(frozen=True)
class TargetCheck:
    name: str
    passed: bool | None  # None: could not be checked (a candidate missing)
    detail: str


def _by(items: Sequence[Summary], series: str, candidate: str) -> Summary | None:
    return next((s for s in items if s.series == series and s.candidate == candidate), None)


def check_targets(items: Sequence[Summary]) -> list[TargetCheck]:
    """Issue 3's three accuracy targets, each with the numbers behind the verdict."""
    return [_target_naive(items), _target_prophet(items), _target_coverage(items)]


def _target_naive(items: Sequence[Summary]) -> TargetCheck:
    h = TARGET_HORIZON
    series = [s.series for s in items if s.candidate == AUTO and s.series != "all"]
    parts: list[str] = []
    verdicts: list[bool | None] = []
    for name in series:
        auto, naive = _by(items, name, AUTO), _by(items, name, BASELINE)
        if auto is None or naive is None or h not in auto.mean_ape or h not in naive.mean_ape:
            parts.append(f"{name}: not comparable")
            verdicts.append(None)
            continue
        win = auto.mean_ape[h] < naive.mean_ape[h]
        verdicts.append(win)
        parts.append(f"{name}: {auto.mean_ape[h]:.1%} vs {naive.mean_ape[h]:.1%}")
    passed = None if not verdicts or None in verdicts else all(verdicts)
    name = "(a) auto beats seasonal_naive on the 90-day total's mean APE on every series"
    return TargetCheck(name, passed, "; ".join(parts) or "no series")


def _target_prophet(items: Sequence[Summary]) -> TargetCheck:
    h = TARGET_HORIZON
    pairs = []
    for s in items:
        if s.candidate != AUTO or s.series == "all":
            continue
        baseline = _by(items, s.series, PROPHET_DEFAULT)
        if baseline is not None and h in s.mean_ape and h in baseline.mean_ape:
            pairs.append((s.mean_ape[h], baseline.mean_ape[h]))
    name = "(b) auto beats default Prophet on the 90-day total's mean APE, averaged over series"
    if not pairs:
        return TargetCheck(name, None, "no series where both were scored")
    auto_mean = float(np.mean([a for a, _ in pairs]))
    prophet_mean = float(np.mean([p for _, p in pairs]))
    detail = (
        f"auto {auto_mean:.1%} vs default Prophet {prophet_mean:.1%} "
        f"(mean of per-series means over {len(pairs)} series)"
    )
    return TargetCheck(name, auto_mean < prophet_mean, detail)


def _target_coverage(items: Sequence[Summary]) -> TargetCheck:
    h = TARGET_HORIZON
    low, high = COVERAGE_BAND
    name = f"(c) pooled 80 % coverage of auto's 90-day totals within {low:.0%}-{high:.0%}"
    pooled = _by(items, "all", AUTO)
    if pooled is None or h not in pooled.coverage:
        return TargetCheck(name, None, "auto was not scored")
    cov = pooled.coverage[h]
    covered = round(cov * pooled.scored[h])
    detail = f"{cov:.1%} ({covered} of {pooled.scored[h]} origins)"
    if cov < low:
        detail += f", {low - cov:.1%} below the band"
    elif cov > high:
        detail += f", {cov - high:.1%} above the band"
    return TargetCheck(name, low <= cov <= high, detail)
