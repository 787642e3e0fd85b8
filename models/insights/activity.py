"""Per-user and per-user-product aggregates of one window of user-level usage.

A usage row is one user x product x day. A row with tokens above 0 is a *day used* (a charged
day); a row with 0 tokens is a *short launch* (Autodesk charges launches under five minutes
nothing, but the export still lists them). Rows without a user key (daily or per-product totals)
carry no user and are left out of everything here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from models.changes.usage import UserDailyUsage

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def token_decimal(tokens: float) -> Decimal:
    """A token count from the float statistics as an exact Decimal (3 decimals, as stored)."""
    return Decimal(f"{tokens:.3f}")


@dataclass(frozen=True)
class Activity:
    """What each user did in the window `start` .. `start + n_days - 1` (the last day is `as_of`).

    Users (U of them, the named users of the window, sorted) and products (P, as written in the
    usage) index the arrays:
    - `user_day_tokens` (U, n_days): tokens per user and day, all products;
    - `used` (U, n_days): whether the user had a charged day (tokens > 0) then;
    - `pair_days` (U, P): charged days per user and product; `pair_tokens` (U, P) their tokens;
    - `pair_short_launches` (U, P): days with a row of 0 tokens only (short launches);
    - `cell_user`, `cell_product`, `cell_day`, `cell_tokens` (C,): the window's distinct
      (user, product, day) cells with their summed tokens, for indicators that need the detail.
    """

    start: date
    n_days: int
    user_keys: tuple[str, ...]
    products: tuple[str, ...]
    user_day_tokens: FloatArray
    used: BoolArray
    pair_days: IntArray
    pair_tokens: FloatArray
    pair_short_launches: IntArray
    cell_user: IntArray
    cell_product: IntArray
    cell_day: IntArray
    cell_tokens: FloatArray

    @property
    def as_of(self) -> date:
        return self.start + timedelta(days=self.n_days - 1)

    @property
    def days_used(self) -> IntArray:
        """Charged days per user, (U,)."""
        days: IntArray = self.used.sum(axis=1).astype(np.int64)
        return days

    @property
    def tokens(self) -> FloatArray:
        """Tokens per user over the window, (U,)."""
        total: FloatArray = self.user_day_tokens.sum(axis=1)
        return total

    def last_use(self, user: int) -> date | None:
        """The user's last charged day in the window, or None."""
        days = np.flatnonzero(self.used[user])
        return None if days.size == 0 else self.start + timedelta(days=int(days[-1]))

    def day(self, index: int) -> date:
        return self.start + timedelta(days=index)


def user_activity(usage: UserDailyUsage) -> Activity:
    """Aggregate a window's rows per user, product and day (duplicates are summed)."""
    named = np.array([bool(k) for k in usage.user_keys], dtype=bool)
    rows = named[usage.user_index] if usage.tokens.size else np.zeros(0, dtype=bool)
    user_pos = np.cumsum(named) - 1
    users = tuple(k for k in usage.user_keys if k)
    n_users, n_products, n_days = len(users), len(usage.products), usage.n_days
    u = user_pos[usage.user_index[rows]].astype(np.int64)
    p = usage.product_index[rows].astype(np.int64)
    d = usage.day_index[rows].astype(np.int64)
    flat = (u * n_products + p) * n_days + d
    cells, inverse = np.unique(flat, return_inverse=True)
    cell_tokens = np.bincount(inverse, weights=usage.tokens[rows], minlength=cells.size)
    cell_day = cells % n_days
    cell_product = (cells // n_days) % max(n_products, 1)
    cell_user = cells // (n_days * max(n_products, 1))
    charged = cell_tokens > 0
    user_day = cell_user * n_days + cell_day
    day_tokens = np.bincount(user_day, weights=cell_tokens, minlength=n_users * n_days)
    used = np.bincount(user_day[charged], minlength=n_users * n_days) > 0
    pair = cell_user * n_products + cell_product
    size = n_users * n_products
    return Activity(
        start=usage.start,
        n_days=n_days,
        user_keys=users,
        products=usage.products,
        user_day_tokens=day_tokens.reshape(n_users, n_days).astype(np.float64),
        used=used.reshape(n_users, n_days),
        pair_days=np.bincount(pair[charged], minlength=size).reshape(n_users, n_products),
        pair_tokens=np.bincount(pair, weights=cell_tokens, minlength=size)
        .astype(np.float64)
        .reshape(n_users, n_products),
        pair_short_launches=np.bincount(pair[~charged], minlength=size).reshape(
            n_users, n_products
        ),
        cell_user=cell_user.astype(np.int64),
        cell_product=cell_product.astype(np.int64),
        cell_day=cell_day.astype(np.int64),
        cell_tokens=cell_tokens.astype(np.float64),
    )


def product_rates(activity: Activity) -> dict[str, float]:
    """Tokens one user burns on a charged day of each product (as written), the median over the
    window's charged cells; products with no charged cell are left out."""
    rates: dict[str, float] = {}
    charged = activity.cell_tokens > 0
    for i, product in enumerate(activity.products):
        cells = charged & (activity.cell_product == i)
        if product and cells.any():
            rates[product] = float(np.median(activity.cell_tokens[cells]))
    return rates
