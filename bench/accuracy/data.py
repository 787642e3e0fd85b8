"""The benchmark's real series, turned into daily token counts.

Every series is read from files inside the project (`bench/data/`, and the bundled Token Flex
export in `data/real/`), made gap-free day by day, and scaled so its first year averages 400
tokens a day, rounded to whole tokens. Provenance and licences: `bench/data/SOURCES.md`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from models.series import DailySeries

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH_DATA = REPO_ROOT / "bench" / "data"
TOKENFLEX_CSV = (
    REPO_ROOT / "data" / "real" / "autodesk-tokenflex" / "RomeoAgree0_myYear1DesktopCloudUsage.csv"
)
FIRST_YEAR_DAYS = 365
FIRST_YEAR_MEAN_TOKENS = 400.0
# Origins need a year of history, except where the whole series is shorter than a year plus a
# 90-day test window (the Token Flex export covers one contract year): there, half a year.
DEFAULT_MIN_HISTORY_DAYS = 365
SHORT_SERIES_MIN_HISTORY_DAYS = 182
SHORTEST_TEST_DAYS = 90

Fill = Literal["interpolate", "zero"]
Loader = Callable[[Path], tuple[DailySeries, int]]


@dataclass(frozen=True)
class BenchSeries:
    """One benchmark series: daily tokens, where they came from, and how gaps were filled.

    `filled_days` counts the days inside the covered period that the source had no value for.
    """

    name: str
    description: str
    tokens: DailySeries
    filled_days: int
    fill_rule: str
    min_history_days: int


def daily_values(dates: pd.Series, values: pd.Series, fill: Fill) -> tuple[DailySeries, int]:
    """Values by calendar day, sorted, one per day from the first to the last date, and the
    number of days that had to be filled.

    Days without a value are filled by linear interpolation between their neighbours
    (`"interpolate"`) or with 0 (`"zero"`). Values on the same date are summed.
    """
    day = pd.to_datetime(dates).dt.normalize()
    by_day = pd.Series(values.to_numpy(dtype=np.float64), index=day).groupby(level=0).sum()
    full = pd.date_range(by_day.index.min(), by_day.index.max(), freq="D")
    filled = by_day.reindex(full)
    missing = int(filled.isna().sum())
    filled = filled.interpolate(method="linear") if fill == "interpolate" else filled.fillna(0.0)
    return DailySeries(full[0].date(), filled.to_numpy(dtype=np.float64)), missing


def to_tokens(series: DailySeries) -> DailySeries:
    """Scale `series` so its first 365 days (all of it, if shorter) average 400, then round to
    whole tokens per day."""
    first_year = series.tokens_per_day[:FIRST_YEAR_DAYS]
    scale = FIRST_YEAR_MEAN_TOKENS / float(first_year.mean())
    return DailySeries(series.start, np.rint(series.tokens_per_day * scale))


def load_wp_log_r(path: Path) -> tuple[DailySeries, int]:
    """R-language Wikipedia page views: exp of the log values. Gaps are interpolated on the log
    scale (geometric interpolation between the neighbouring days)."""
    frame = pd.read_csv(path)
    log_views, missing = daily_values(frame["ds"], frame["y"], fill="interpolate")
    return DailySeries(log_views.start, np.exp(log_views.tokens_per_day)), missing


def load_pedestrians(path: Path) -> tuple[DailySeries, int]:
    """Melbourne pedestrian counts (sensor 4); complete in the source, interpolation is a guard."""
    frame = pd.read_csv(path)
    return daily_values(frame["ds"], frame["y"], fill="interpolate")


def load_bikeshare_registered(path: Path) -> tuple[DailySeries, int]:
    """Washington DC bike-share rides by registered members per day."""
    frame = pd.read_csv(path)
    return daily_values(frame["dteday"], frame["registered"], fill="interpolate")


def load_tokenflex(path: Path) -> tuple[DailySeries, int]:
    """Token Flex export: tokensConsumed summed per usageDate's calendar day (its first ten
    characters); a day without rows is a day without usage (the project's import rule)."""
    # index_col=False: every line ends with a comma, which would otherwise shift the columns.
    frame = pd.read_csv(path, index_col=False, usecols=["usageDate", "tokensConsumed"])
    day = frame["usageDate"].astype(str).str[:10]
    return daily_values(day, frame["tokensConsumed"], fill="zero")


_INTERPOLATED = "interpolated (collection gaps, not zero usage)"
_CATALOGUE: tuple[tuple[str, str, Loader, Path, str], ...] = (
    (
        "tokenflex",
        "Autodesk Token Flex export, tokensConsumed summed per day",
        load_tokenflex,
        TOKENFLEX_CSV,
        "zero (no rows = no usage)",
    ),
    (
        "wp_r",
        "Wikipedia page views of 'R (programming language)', exp(y)",
        load_wp_log_r,
        BENCH_DATA / "example_wp_log_R.csv",
        _INTERPOLATED + ", linear on the log scale",
    ),
    (
        "pedestrians",
        "Melbourne pedestrians (sensor 4), with the 2020 COVID shock",
        load_pedestrians,
        BENCH_DATA / "example_pedestrians_covid.csv",
        _INTERPOLATED,
    ),
    (
        "bikeshare",
        "Washington DC bike-share, registered riders",
        load_bikeshare_registered,
        BENCH_DATA / "bikeshare-day.csv",
        _INTERPOLATED,
    ),
)


def series_names() -> tuple[str, ...]:
    """The names of the benchmark series, in the order they are run and reported."""
    return tuple(entry[0] for entry in _CATALOGUE)


def load_all(names: tuple[str, ...] | None = None) -> list[BenchSeries]:
    """The benchmark series (all, or those named), as daily tokens, in catalogue order."""
    out = []
    for name, description, loader, path, fill_rule in _CATALOGUE:
        if names is not None and name not in names:
            continue
        raw, missing = loader(path)
        min_history = DEFAULT_MIN_HISTORY_DAYS
        if raw.n_days < DEFAULT_MIN_HISTORY_DAYS + SHORTEST_TEST_DAYS:
            min_history = SHORT_SERIES_MIN_HISTORY_DAYS
        out.append(BenchSeries(name, description, to_tokens(raw), missing, fill_rule, min_history))
    return out
