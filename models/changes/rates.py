"""Daily rates over the horizon once rate changes are in force, and what they do to the mix.

A rate change to product p from day t scales the organization's burn from t by
`1 + share_p * (new_rate / old_rate - 1)`, where `share_p` is p's share of the history's tokens:
only the part of the burn spent on p gets dearer or cheaper.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import numpy.typing as npt

from models.changes.defaults import normalize_product
from models.changes.profiles import UserProfiles
from models.changes.types import RateChange

FloatArray = npt.NDArray[np.float64]


def day_offset(first_day: date, day: date, horizon_days: int) -> int:
    """Index of `day` on a path starting at `first_day`, clipped to 0 .. horizon_days."""
    return min(max((day - first_day).days, 0), horizon_days)


class RateSchedule:
    """Rates per day (tokens per user per day of use) over a horizon of `horizon_days` days from
    `first_day`, with the given rate changes applied in order of their start dates."""

    def __init__(
        self,
        profiles: UserProfiles,
        rate_changes: Sequence[RateChange],
        first_day: date,
        horizon_days: int,
    ) -> None:
        self.profiles = profiles
        self.rate_changes = tuple(rate_changes)
        self.first_day = first_day
        self.horizon_days = horizon_days

    def rate_path(self, product: str, upto: int | None = None) -> FloatArray:
        """Tokens per day of use of `product` on each horizon day, shape (H,), with the first
        `upto` rate changes (all by default) in force; NaN on days with no known rate."""
        base = self.profiles.rate(product)
        path = np.full(self.horizon_days, np.nan if base is None else base, dtype=np.float64)
        key = normalize_product(product)
        changes = [c for c in self.rate_changes[:upto] if normalize_product(c.product) == key]
        for change in sorted(changes, key=lambda c: c.start):
            path[day_offset(self.first_day, change.start, self.horizon_days) :] = (
                change.tokens_per_day
            )
        return path

    def scales_burn(self, change: RateChange) -> bool:
        """Whether the history lets `change` scale the organization's burn: the product has a
        share of the history's tokens and a known rate before the change."""
        key = normalize_product(change.product)
        base = self.profiles.rate(change.product)
        return self.profiles.product_share.get(key, 0.0) > 0 and base is not None and base > 0

    def mix_factor(self, upto: int | None = None) -> FloatArray:
        """Multiplier of the organization's burn on each horizon day, shape (H,), with the first
        `upto` rate changes (all by default) in force. 1 where no change applies."""
        factor = np.ones(self.horizon_days, dtype=np.float64)
        products = {
            normalize_product(c.product): c.product
            for c in self.rate_changes[:upto]
            if self.scales_burn(c)
        }
        for key, product in products.items():
            base = self.profiles.rate(product) or 1.0
            ratio = self.rate_path(product, upto) / base
            factor += self.profiles.product_share[key] * (ratio - 1.0)
        return factor
