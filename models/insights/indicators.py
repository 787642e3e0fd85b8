"""The whitepaper's consumption-trap indicators, as far as day-level usage shows them.

- Off-hours burn: tokens on Saturdays and Sundays, and on public holidays that fall on a weekday
  (background consumption shows up where nobody works). The exports have no time of day, so
  evenings cannot be told apart.
- Short launches: 0-token rows, launches under five minutes (the "brief access" profile).
- Dormant burn: tokens burnt by a user whose last *real use* is long ago. Real use is a day used
  inside a week (seven days ending on it) with at least `sustained_days` days used; after the
  last one, isolated days keep burning tokens the way an unattended startup or sync does.
- Product selection: tokens on a product by a user who also uses a cheaper one (lower daily
  rate), on days without the cheaper one; the excess is what those days would have cost less.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from models.changes.usage import UserDailyUsage
from models.insights.activity import Activity
from models.insights.segments import UserStanding

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
WEEK = 7


@dataclass(frozen=True)
class OffHoursBurn:
    """Tokens of the window on weekends and weekday public holidays.

    Organization totals include rows without a user. `holidays` lists each weekday public
    holiday of the window with its tokens. Per user (U,), in the activity's order:
    `user_weekend_tokens`, `user_holiday_tokens`, and `user_off_days` (days used that were a
    weekend or holiday day).
    """

    total_tokens: float
    weekend_tokens: float
    holiday_tokens: float
    holidays: tuple[tuple[date, float], ...]
    user_weekend_tokens: FloatArray
    user_holiday_tokens: FloatArray
    user_off_days: IntArray

    @property
    def off_hours_tokens(self) -> float:
        return self.weekend_tokens + self.holiday_tokens

    @property
    def share(self) -> float:
        """Off-hours tokens as a share of all tokens (0 when nothing was burnt)."""
        return self.off_hours_tokens / self.total_tokens if self.total_tokens > 0 else 0.0


def day_kinds(start: date, n_days: int, holidays: Set[date]) -> tuple[npt.NDArray[np.bool_], ...]:
    """(weekend, weekday holiday) flags for each day of the window, each shape (n_days,)."""
    days = [start + timedelta(days=i) for i in range(n_days)]
    weekend = np.array([d.weekday() >= 5 for d in days], dtype=bool)
    holiday = np.array([d in holidays for d in days], dtype=bool) & ~weekend
    return weekend, holiday


def off_hours_burn(usage: UserDailyUsage, activity: Activity, holidays: Set[date]) -> OffHoursBurn:
    """Weekend and weekday-holiday tokens of the window `usage` covers (the same as
    `activity`'s); `holidays` are the public holidays of the organization's country."""
    weekend, holiday = day_kinds(usage.start, usage.n_days, holidays)
    per_day = np.bincount(usage.day_index, weights=usage.tokens, minlength=usage.n_days)
    off = weekend | holiday
    return OffHoursBurn(
        total_tokens=float(per_day.sum()),
        weekend_tokens=float(per_day[weekend].sum()),
        holiday_tokens=float(per_day[holiday].sum()),
        holidays=tuple(
            (usage.start + timedelta(days=int(i)), float(per_day[i]))
            for i in np.flatnonzero(holiday)
        ),
        user_weekend_tokens=activity.user_day_tokens[:, weekend].sum(axis=1),
        user_holiday_tokens=activity.user_day_tokens[:, holiday].sum(axis=1),
        user_off_days=activity.used[:, off].sum(axis=1).astype(np.int64),
    )


@dataclass(frozen=True)
class DormantBurn:
    """A user still burning tokens long after their last real use."""

    user_key: str
    last_real_use: date
    days_since_real_use: int
    burn_days: int
    tokens: float


def last_real_use(used: npt.NDArray[np.bool_], sustained_days: int) -> int | None:
    """Index of the last day used that ends a seven-day run with at least `sustained_days`
    days used, for one user's (n_days,) flags; None when there is none."""
    counts = np.convolve(used.astype(np.int64), np.ones(WEEK, dtype=np.int64))[: used.size]
    real = np.flatnonzero(used & (counts >= sustained_days))
    return None if real.size == 0 else int(real[-1])


def dormant_burn(
    activity: Activity,
    standings: tuple[UserStanding, ...],
    *,
    after_days: int,
    sustained_days: int,
) -> list[DormantBurn]:
    """Users who are not inactive, whose last real use is `after_days` or more days before
    `as_of`, with the days and tokens burnt after it. Users with no real use in the window are
    left out: the window cannot say when they last worked."""
    out = []
    for u, standing in enumerate(standings):
        if standing.segment == "inactive":
            continue
        last = last_real_use(activity.used[u], sustained_days)
        if last is None or activity.n_days - 1 - last < after_days:
            continue
        after = slice(last + 1, activity.n_days)
        out.append(
            DormantBurn(
                user_key=standing.user_key,
                last_real_use=activity.day(last),
                days_since_real_use=activity.n_days - 1 - last,
                burn_days=int(activity.used[u, after].sum()),
                tokens=float(activity.user_day_tokens[u, after].sum()),
            )
        )
    return out


@dataclass(frozen=True)
class ProductSelection:
    """Days on `product` by a user who also uses the cheaper `cheaper_product`."""

    user_key: str
    product: str
    product_rate: float
    cheaper_product: str
    cheaper_rate: float
    days: int
    tokens: float

    @property
    def excess_tokens(self) -> float:
        """Tokens those days cost above the cheaper product's rate."""
        return max(self.tokens - self.days * self.cheaper_rate, 0.0)


def product_selection(activity: Activity, rates: Mapping[str, float]) -> list[ProductSelection]:
    """For each user, each product dearer than the cheapest product they also used (by
    `rates`, tokens per day of use, keyed as the activity's products): the days on it without
    the cheaper product the same day, and their tokens."""
    bounds = np.searchsorted(activity.cell_user, np.arange(len(activity.user_keys) + 1))
    out: list[ProductSelection] = []
    for u, key in enumerate(activity.user_keys):
        cells = slice(int(bounds[u]), int(bounds[u + 1]))  # cells are sorted by user
        out.extend(_user_selection(activity, rates, key, cells))
    return out


def _user_selection(
    activity: Activity, rates: Mapping[str, float], key: str, cells: slice
) -> list[ProductSelection]:
    names = activity.products
    product = activity.cell_product[cells]
    day = activity.cell_day[cells]
    tokens = activity.cell_tokens[cells]
    charged = tokens > 0
    used = sorted({int(p) for p in product[charged] if names[p] in rates}, key=lambda q: names[q])
    if len(used) < 2:
        return []
    cheap = min(used, key=lambda p: (rates[names[p]], names[p]))
    cheap_days = set(day[charged & (product == cheap)].tolist())
    out = []
    for p in used:
        if rates[names[p]] <= rates[names[cheap]]:
            continue
        mine = charged & (product == p)
        alone = np.array([d not in cheap_days for d in day[mine].tolist()], dtype=bool)
        if alone.any():
            out.append(
                ProductSelection(
                    user_key=key,
                    product=names[p],
                    product_rate=rates[names[p]],
                    cheaper_product=names[cheap],
                    cheaper_rate=rates[names[cheap]],
                    days=int(alone.sum()),
                    tokens=float(tokens[mine][alone].sum()),
                )
            )
    return out


@dataclass(frozen=True)
class ShortLaunches:
    """A user's short launches (0-token days) of a product, beside their charged days on it."""

    user_key: str
    product: str
    short_launches: int
    days_used: int


def short_launches(activity: Activity) -> list[ShortLaunches]:
    """Every user x product with at least one short launch, users and products in order."""
    out = []
    users, products = np.nonzero(activity.pair_short_launches)
    for u, p in zip(users.tolist(), products.tolist(), strict=True):
        out.append(
            ShortLaunches(
                user_key=activity.user_keys[u],
                product=activity.products[p],
                short_launches=int(activity.pair_short_launches[u, p]),
                days_used=int(activity.pair_days[u, p]),
            )
        )
    return out
