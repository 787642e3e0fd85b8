"""Days of cover: how long the balance lasts after a purchase, on each simulated path."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def days_of_cover(new_pack_daily: FloatArray, quantity: int) -> IntArray:
    """Days from the purchase date before each path runs a `quantity`-token pack dry; shape (S,).

    `new_pack_daily` (S, L) is the demand the existing packs leave to the new pack on each day of
    its life (`ResidualDemand.new_pack_daily`, tokens per day). A path is covered on day j while
    its cumulative demand up to and including day j is at most `quantity`; since demand is never
    negative the cumulative sum is non-decreasing, so the days covered are the count of such days,
    which is L when the pack never runs out and otherwise the index of the run-out day (the same
    day the decision's run-out dates report).
    """
    demand = np.asarray(new_pack_daily, dtype=np.float64)
    if demand.ndim != 2:
        raise ValueError(f"new_pack_daily must be 2-D (paths, days), got shape {demand.shape}")
    cumulative = np.cumsum(demand, axis=1)
    covered: IntArray = np.count_nonzero(cumulative <= float(quantity), axis=1).astype(np.int64)
    return covered
