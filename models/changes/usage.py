"""User-level usage of one window, in the sparse form the profiles are learnt from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from models.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class UserDailyUsage:
    """Usage rows of one window, `start` .. `start + n_days - 1`, in sparse form.

    Row i: user `user_keys[user_index[i]]` used `products[product_index[i]]` on day
    `start + day_index[i]` for `tokens[i]` tokens. All four arrays have shape (n_rows,). An empty
    user key means a row without a user (a daily or per-product total); an empty product, a row
    without a product.
    """

    start: date
    n_days: int
    user_keys: tuple[str, ...]
    products: tuple[str, ...]
    user_index: IntArray
    product_index: IntArray
    day_index: IntArray
    tokens: FloatArray

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.n_days - 1)


def usage_from_rows(
    start: date, end: date, rows: Iterable[tuple[date, str, str, float]]
) -> UserDailyUsage:
    """Build the sparse window from `(day, user_key, product, tokens)` rows; rows outside
    `start` .. `end` (inclusive) are dropped."""
    if end < start:
        raise InvalidInputError("usage window: end is before start")
    kept = [r for r in rows if start <= r[0] <= end]
    users, user_idx = np.unique(np.array([r[1] for r in kept] or [""]), return_inverse=True)
    prods, prod_idx = np.unique(np.array([r[2] for r in kept] or [""]), return_inverse=True)
    n = len(kept)
    return UserDailyUsage(
        start=start,
        n_days=(end - start).days + 1,
        user_keys=tuple(str(u) for u in users),
        products=tuple(str(p) for p in prods),
        user_index=user_idx[:n].astype(np.int64),
        product_index=prod_idx[:n].astype(np.int64),
        day_index=np.array([(r[0] - start).days for r in kept], dtype=np.int64),
        tokens=np.array([float(r[3]) for r in kept], dtype=np.float64),
    )
