"""Expectations over paths for many purchase quantities at once, from one sort of R.

With R sorted ascending (r_1 <= ... <= r_S) and prefix sums C_k = r_1 + ... + r_k, a quantity Q
with k = #{r <= Q} has
    E[max(0, R - Q)] = ((C_S - C_k) - Q (S - k)) / S,   E[max(0, Q - R)] = (Q k - C_k) / S,
so every candidate is evaluated exactly with one `searchsorted`, O(S log S + K log S), without an
S x K matrix. The tail of max(0, R - Q) used by CVaR comes from the same sums (Rockafellar and
Uryasev, "Optimization of conditional value-at-risk", 2000).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SortedResidual:
    """Residual demand R over S paths, sorted ascending (tokens), with prefix sums (S + 1,)."""

    values: FloatArray
    prefix: FloatArray

    @classmethod
    def of(cls, residual_total: FloatArray) -> SortedResidual:
        values = np.sort(np.asarray(residual_total, dtype=np.float64))
        prefix = np.concatenate([[0.0], np.cumsum(values)])
        return cls(values, prefix)

    @property
    def n_paths(self) -> int:
        return int(self.values.shape[0])

    def count_at_most(self, quantities: IntArray) -> IntArray:
        """k = #{R <= Q} for every Q, shape like `quantities`."""
        return np.searchsorted(self.values, quantities, side="right").astype(np.int64)

    def expected_shortfall(self, quantities: IntArray) -> FloatArray:
        """E[max(0, R - Q)] (tokens) for every Q."""
        q = np.asarray(quantities, dtype=np.float64)
        k = self.count_at_most(quantities)
        above = (self.prefix[-1] - self.prefix[k]) - q * (self.n_paths - k)
        clipped = np.maximum(above, 0.0)  # the clip only removes rounding noise
        return np.asarray(clipped / self.n_paths, dtype=np.float64)

    def expected_waste(self, quantities: IntArray) -> FloatArray:
        """E[max(0, Q - R)] (tokens) for every Q."""
        q = np.asarray(quantities, dtype=np.float64)
        k = self.count_at_most(quantities)
        return np.maximum(q * k - self.prefix[k], 0.0) / self.n_paths

    def shortfall_probability(self, quantities: IntArray) -> FloatArray:
        """P(R > Q) for every Q."""
        short = self.n_paths - self.count_at_most(quantities)
        return np.asarray(short / self.n_paths, dtype=np.float64)

    def tail_shortfall(self, quantities: IntArray, alpha: float) -> FloatArray:
        """CVaR at level `alpha` of max(0, R - Q): its mean over the worst (1 - alpha) of paths.

        The worst paths are those with the largest R; a fractional path at the tail's edge is
        weighted by its fraction.
        """
        s = self.n_paths
        q = np.asarray(quantities, dtype=np.float64)
        mass = (1.0 - alpha) * s
        whole = min(s, math.floor(mass + 1e-9))
        frac = max(0.0, mass - whole) if whole < s else 0.0
        k = self.count_at_most(quantities)
        lo = np.maximum(s - whole, k)
        total = np.maximum((self.prefix[-1] - self.prefix[lo]) - q * (s - lo), 0.0)
        if frac > 0.0:
            total = total + frac * np.maximum(self.values[s - whole - 1] - q, 0.0)
        return np.asarray(total / mass, dtype=np.float64)

    def order_statistic(self, level: float) -> float:
        """The smallest r with P(R <= r) >= level (the inverted-CDF quantile), tokens."""
        idx = min(self.n_paths, max(1, math.ceil(level * self.n_paths - 1e-9))) - 1
        return float(self.values[idx])
