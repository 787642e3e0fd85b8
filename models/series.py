"""Daily token series: the unit every forecaster works in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class DailySeries:
    """Tokens consumed per calendar day, with no gaps.

    `tokens_per_day[i]` is the organization's consumption on `start + i` days, shape (n_days,),
    float64, never negative. Days the organization's data covers but that have no rows are 0.
    """

    start: date
    tokens_per_day: FloatArray

    def __post_init__(self) -> None:
        arr = np.asarray(self.tokens_per_day, dtype=np.float64)
        if arr.ndim != 1:
            raise ValueError("tokens_per_day must be one-dimensional")
        object.__setattr__(self, "tokens_per_day", arr)

    @property
    def n_days(self) -> int:
        return int(self.tokens_per_day.shape[0])

    @property
    def end(self) -> date:
        """The last day covered (inclusive)."""
        return self.start + timedelta(days=self.n_days - 1)

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.n_days)]

    def weekdays(self) -> npt.NDArray[np.int64]:
        """Day of week of every day, Monday=0 .. Sunday=6, shape (n_days,)."""
        first = self.start.weekday()
        return (np.arange(self.n_days, dtype=np.int64) + first) % 7

    def head(self, n_days: int) -> DailySeries:
        """The first `n_days` days (used to cut history at a backtest origin)."""
        return DailySeries(self.start, self.tokens_per_day[:n_days].copy())
