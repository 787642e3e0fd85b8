"""Published rates and default usage profiles, for organizations without user-level history.

Rates are Autodesk Flex's published daily rates (tokens per user per 24-hour window). The days a
week per profile are tokencast's own defaults, used only when the organization's history cannot
tell us: a power user opens a product on 4.5 weekdays a week, a regular user on 2.5, an
occasional user on 0.6.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from models.changes.types import Segment

FloatArray = npt.NDArray[np.float64]

PUBLISHED_RATES_TOKENS_PER_DAY: Mapping[str, float] = {
    "autocad": 7.0,
    "revit": 10.0,
    "3ds max": 6.0,
    "navisworks manage": 9.0,
    "navisworks simulate": 4.0,
}

DEFAULT_DAYS_PER_WEEK: Mapping[Segment, float] = {
    "power": 4.5,
    "regular": 2.5,
    "occasional": 0.6,
}


def normalize_product(product: str) -> str:
    """The key products are compared by: case and surrounding spaces do not matter."""
    return " ".join(product.split()).lower()


def published_rate(product: str) -> float | None:
    """Autodesk's published tokens per day for `product`, or None where none is published."""
    return PUBLISHED_RATES_TOKENS_PER_DAY.get(normalize_product(product))


def day_fractions(days_per_week: float) -> FloatArray:
    """Probability of use on each weekday, Mon..Sun, shape (7,), summing to `days_per_week`.

    Work days come first: up to 5 days a week fall on Monday to Friday evenly, anything above
    5 on Saturday and Sunday evenly.
    """
    weekday = min(days_per_week, 5.0) / 5.0
    weekend = max(days_per_week - 5.0, 0.0) / 2.0
    return np.array([weekday] * 5 + [weekend] * 2, dtype=np.float64)


def default_tokens_per_use_day(product_share: Mapping[str, float]) -> float:
    """Tokens one user burns on a day of use when the history has no users to learn it from.

    The organization's product mix (`product_share`, keys normalized) weights the published
    rates of the products that have one; without a usable mix, the plain mean of the
    published rates (7.2 tokens).
    """
    known = {p: s for p, s in product_share.items() if published_rate(p) is not None and s > 0}
    weight = sum(known.values())
    if weight <= 0:
        return float(np.mean(list(PUBLISHED_RATES_TOKENS_PER_DAY.values())))
    return sum(s * (published_rate(p) or 0.0) for p, s in known.items()) / weight
