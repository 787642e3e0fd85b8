"""The benchmark's core: origins, one forecast per candidate and origin, and its scores.

A candidate is anything that turns a history into sample paths of daily tokens: a registered
model, the automatic choice, or the default-Prophet baseline. At every origin it sees only the
days before the origin, forecasts 365 days, and is judged on the totals of the next 90 and 365
days against what was realised.
"""

from __future__ import annotations

import resource
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from models.series import DailySeries

FloatArray = npt.NDArray[np.float64]

HORIZONS = (90, 365)
FORECAST_DAYS = max(HORIZONS)
ORIGIN_STEP_DAYS = 90
INTERVAL = (0.1, 0.9)

# (history, horizon_days, n_paths, seed) -> (paths of shape (n_paths, horizon_days), the model
# that actually produced them: the chosen one for "auto", the fallback if a model gave up).
RunFn = Callable[[DailySeries, int, int, int], tuple[FloatArray, str]]


@dataclass(frozen=True)
class Candidate:
    name: str
    run: RunFn


@dataclass(frozen=True)
class TotalScore:
    """One horizon's total at one origin: absolute percentage error of the mean path total
    (a fraction) and whether the realised total lay inside the 10-90 % range of path totals."""

    ape: float
    covered: bool


@dataclass(frozen=True)
class OriginResult:
    """One candidate's forecast at one origin of one series. `scores` holds the horizons whose
    test window fits inside the series; it is empty when the candidate failed."""

    series: str
    candidate: str
    used_model: str
    origin: int
    last_history_day: date
    scores: dict[int, TotalScore]
    wall_seconds: float
    cpu_seconds: float
    failed: bool = False
    message: str = ""


def plan_origins(
    n_days: int,
    min_history_days: int,
    step_days: int = ORIGIN_STEP_DAYS,
    min_test_days: int = min(HORIZONS),
    max_origins: int | None = None,
) -> list[int]:
    """Origins (days of history) from `min_history_days` every `step_days` while the next
    `min_test_days` days are still inside the series. When there are more than `max_origins`,
    that many are kept, evenly spread from the first to the last (both kept)."""
    origins = list(range(min_history_days, n_days - min_test_days + 1, step_days))
    if max_origins is None or len(origins) <= max_origins:
        return origins
    if max_origins <= 1:
        return origins[-1:] if max_origins == 1 else []
    picks = np.round(np.linspace(0, len(origins) - 1, max_origins)).astype(int)
    return [origins[i] for i in picks]


def score_total(paths: FloatArray, realised: FloatArray) -> TotalScore:
    """Score the total of `paths` (n_paths, h) tokens per day against `realised` (h,).

    APE = |mean of path totals - realised total| / realised total; the denominator is at least
    1 token so an empty window stays finite. Covered when q10 <= realised <= q90 of path totals
    (numpy's default linear quantiles).
    """
    totals = paths.sum(axis=1)
    actual = float(realised.sum())
    ape = abs(float(totals.mean()) - actual) / max(actual, 1.0)
    low, high = np.quantile(totals, INTERVAL)
    return TotalScore(ape, bool(low <= actual <= high))


def origin_seed(base_seed: int, series: str, origin: int) -> int:
    """A seed per series and origin, shared by every candidate (common random numbers)."""
    key = zlib.crc32(series.encode("utf-8"))
    return int(np.random.SeedSequence([base_seed, key, origin]).generate_state(1)[0])


def process_cpu_seconds() -> float:
    # Children count too: Prophet's Stan optimizer runs as a child process.
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def evaluate_origin(
    series_name: str,
    tokens: DailySeries,
    origin: int,
    candidate: Candidate,
    n_paths: int,
    seed: int,
) -> OriginResult:
    """Forecast FORECAST_DAYS days from the first `origin` days of `tokens` with `candidate` and
    score every horizon of HORIZONS whose window ends inside the series. A candidate that raises
    is recorded as failed, with the reason, and not scored."""
    history = tokens.head(origin)
    last_day = history.end
    wall0, cpu0 = time.perf_counter(), process_cpu_seconds()
    try:
        paths, used = candidate.run(history, FORECAST_DAYS, n_paths, seed)
    except Exception as exc:  # a failing candidate is a result to report, not a crash
        wall, cpu = time.perf_counter() - wall0, process_cpu_seconds() - cpu0
        reason = (str(exc) or type(exc).__name__)[:200]
        return OriginResult(
            series_name, candidate.name, "", origin, last_day, {}, wall, cpu, True, reason
        )
    wall, cpu = time.perf_counter() - wall0, process_cpu_seconds() - cpu0
    y = tokens.tokens_per_day
    scores = {
        h: score_total(paths[:, :h], y[origin : origin + h])
        for h in HORIZONS
        if origin + h <= tokens.n_days
    }
    return OriginResult(series_name, candidate.name, used, origin, last_day, scores, wall, cpu)


def evaluate_series(
    series_name: str,
    tokens: DailySeries,
    origins: Sequence[int],
    candidates: Sequence[Candidate],
    n_paths: int,
    base_seed: int = 0,
    progress: Callable[[OriginResult], None] | None = None,
) -> list[OriginResult]:
    """Every candidate at every origin of one series, origin by origin."""
    results = []
    for origin in origins:
        seed = origin_seed(base_seed, series_name, origin)
        for candidate in candidates:
            result = evaluate_origin(series_name, tokens, origin, candidate, n_paths, seed)
            results.append(result)
            if progress is not None:
                progress(result)
    return results
