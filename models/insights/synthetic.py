"""A synthetic organization with known truth: users of every segment, migration candidates,
product mixes, short launches, weekend burn and a dormant user who still burns tokens.

Each user's days are drawn (seeded) so that the truth holds by construction with a margin, not
by running the rules: power users use a product on 225 to 245 weekdays a year; regular users 40
to 58 days a product, or one product on 160 to 190 days; occasional users 8 to 30 isolated days
(at least 8 days apart, one in the last 90 days); inactive users stop 100 days or more before the
last day; the dormant user works two days a week until 150 days before the last day, then burns
a day every 17 or 18 days. A user x product is a migration candidate when its days a year are at
least 155, and clearly not one at 60 or fewer, whatever the token price between 2.50 and 3.00
with the default named-user prices (break-evens of 84 to 133 days a year). Different products of
one user never share a day, so a user of two products at different rates is a product-selection
finding.

The rates are Autodesk's published ones, plus an illustrative "Vault Professional" at 5 tokens;
the named-user prices are illustrative yearly list prices in USD, not quotes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from models.errors import InvalidInputError
from models.insights.segments import UserSegment

IntArray = npt.NDArray[np.int64]
Row = tuple[date, str, str, int]

N_DAYS = 365
RATES: Mapping[str, int] = {
    "AutoCAD": 7,
    "Revit": 10,
    "3ds Max": 6,
    "Navisworks Manage": 9,
    "Navisworks Simulate": 4,
    "Vault Professional": 5,
}
NAMED_USER_PRICES: Mapping[str, Decimal] = {
    "AutoCAD": Decimal("2030.00"),
    "Revit": Decimal("2910.00"),
    "3ds Max": Decimal("1975.00"),
    "Navisworks Manage": Decimal("2990.00"),
    "Navisworks Simulate": Decimal("1010.00"),
}
CANDIDATE_MIN_DAYS = 155
_POWER_PRODUCTS = ("Revit", "Revit", "AutoCAD", "Vault Professional", "3ds Max")
_POWER_SECOND = {1: ("AutoCAD", 30), 2: ("Navisworks Simulate", 20)}
_REGULAR_PAIRS = (("Revit", "AutoCAD"), ("AutoCAD", "Navisworks Manage"))
_OCCASIONAL = (("Navisworks Manage",), ("AutoCAD",), ("Navisworks Manage", "Navisworks Simulate"))


@dataclass(frozen=True)
class SyntheticMix:
    """How many users of each kind (the dormant users are regular users by the rules)."""

    power: int = 5
    regular: int = 6
    occasional: int = 6
    inactive: int = 3
    dormant: int = 1

    def __post_init__(self) -> None:
        counts = (self.power, self.regular, self.occasional, self.inactive, self.dormant)
        if min(counts) < 0 or max(counts) > 500:
            raise InvalidInputError("synthetic mix: each count must be from 0 to 500")
        if sum(counts) == 0:
            raise InvalidInputError("synthetic mix: at least one user")


@dataclass(frozen=True)
class SyntheticUser:
    """One user and the truth about them."""

    key: str
    first_name: str
    last_name: str
    segment: UserSegment
    products: tuple[str, ...]
    candidate_products: tuple[str, ...]
    dormant: bool = False
    short_launches: int = 0

    @property
    def mixes_rates(self) -> bool:
        return len({RATES[p] for p in self.products}) > 1


@dataclass(frozen=True)
class SyntheticOrganization:
    """Rows (day, user key, product, tokens) of `N_DAYS` days ending on `last_day`."""

    seed: int
    first_day: date
    last_day: date
    users: tuple[SyntheticUser, ...]
    rows: tuple[Row, ...]
    rates: Mapping[str, int] = field(default_factory=lambda: dict(RATES))
    named_user_prices: Mapping[str, Decimal] = field(
        default_factory=lambda: dict(NAMED_USER_PRICES)
    )


@dataclass
class _Builder:
    rng: np.random.Generator
    first_day: date
    weekdays: IntArray
    users: list[SyntheticUser] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)

    def emit(self, key: str, product: str, days: IntArray, tokens: int | None = None) -> None:
        rate = RATES[product] if tokens is None else tokens
        self.rows.extend(
            (self.first_day + timedelta(days=int(d)), key, product, rate) for d in days
        )

    def split(self, days: IntArray, sizes: tuple[int, ...]) -> list[IntArray]:
        """Disjoint random parts of `days` of the given sizes, each sorted."""
        shuffled = self.rng.permutation(days)
        cuts = np.cumsum(sizes)
        return [np.sort(part) for part in np.split(shuffled[: cuts[-1]], cuts[:-1])]

    def weekdays_in(self, lo: int, hi: int, k: int) -> IntArray:
        pool = self.weekdays[(self.weekdays >= lo) & (self.weekdays < hi)]
        return np.sort(self.rng.choice(pool, size=k, replace=False))

    def spaced(self, lo: int, hi: int, k: int, gap: int) -> IntArray:
        """`k` days in [lo, hi), each at least `gap` days after the one before."""
        room = hi - lo - (k - 1) * (gap - 1)
        picks = np.sort(self.rng.choice(room, size=k, replace=False))
        return picks + lo + np.arange(k) * (gap - 1)

    def free_days(self, used: IntArray, k: int, lo: int = 0) -> IntArray:
        pool = np.setdiff1d(np.arange(lo, N_DAYS), used)
        return np.sort(self.rng.choice(pool, size=k, replace=False))


def synthetic_organization(
    seed: int, *, mix: SyntheticMix | None = None, last_day: date = date(2025, 12, 31)
) -> SyntheticOrganization:
    """The organization for `seed` (any non-negative int); the same seed gives the same rows."""
    if seed < 0:
        raise InvalidInputError("seed must be 0 or more")
    mix = mix or SyntheticMix()
    first_day = last_day - timedelta(days=N_DAYS - 1)
    offsets = np.arange(N_DAYS)
    weekdays = offsets[[(first_day + timedelta(days=int(d))).weekday() < 5 for d in offsets]]
    b = _Builder(np.random.default_rng(seed), first_day, weekdays.astype(np.int64))
    makers: tuple[tuple[int, Callable[[_Builder, int], None]], ...] = (
        (mix.power, _power),
        (mix.regular, _regular),
        (mix.occasional, _occasional),
        (mix.inactive, _inactive),
        (mix.dormant, _dormant),
    )
    for count, make in makers:
        for i in range(count):
            make(b, i)
    rows = tuple(sorted(b.rows))
    return SyntheticOrganization(seed, first_day, last_day, tuple(b.users), rows)


def _user(
    b: _Builder,
    kind: str,
    i: int,
    segment: UserSegment,
    products: tuple[str, ...],
    *,
    candidates: tuple[str, ...] = (),
    dormant: bool = False,
    short_launches: int = 0,
) -> str:
    key = f"{kind}{i + 1:02d}@example.com"
    user = SyntheticUser(
        key,
        kind.capitalize(),
        f"{i + 1:02d}",
        segment,
        products,
        candidates,
        dormant,
        short_launches,
    )
    b.users.append(user)
    return key


def _power(b: _Builder, i: int) -> None:
    main = _POWER_PRODUCTS[i % len(_POWER_PRODUCTS)]
    second = _POWER_SECOND.get(i % len(_POWER_PRODUCTS))
    days = b.weekdays_in(0, N_DAYS, int(b.rng.integers(225, 246)))
    if i % len(_POWER_PRODUCTS) == 0:  # works some Saturdays too
        saturdays = np.array(
            [d for d in range(N_DAYS) if (b.first_day + timedelta(days=d)).weekday() == 5]
        )
        days = np.union1d(days, b.rng.choice(saturdays, size=15, replace=False))
    products = (main,) if second is None else (main, second[0])
    candidates = (main,) if main in NAMED_USER_PRICES else ()
    key = _user(b, "power", i, "power", products, candidates=candidates)
    if second is None:
        b.emit(key, main, days)
        return
    minor, main_days = b.split(days, (second[1], days.size - second[1]))
    b.emit(key, second[0], minor)
    b.emit(key, main, main_days)


def _regular(b: _Builder, i: int) -> None:
    if i % 3 == 1:  # one heavy product: a candidate without being a power user
        key = _user(b, "regular", i, "regular", ("Revit",), candidates=("Revit",))
        b.emit(key, "Revit", b.weekdays_in(0, N_DAYS, int(b.rng.integers(160, 191))))
        return
    if i % 3 == 2:
        key = _user(b, "regular", i, "regular", ("AutoCAD",))
        b.emit(key, "AutoCAD", b.weekdays_in(0, N_DAYS, int(b.rng.integers(45, 59))))
        return
    pair = _REGULAR_PAIRS[(i // 3) % len(_REGULAR_PAIRS)]
    sizes = (int(b.rng.integers(40, 56)), int(b.rng.integers(20, 36)))
    key = _user(b, "regular", i, "regular", pair)
    first, second = b.split(b.weekdays_in(0, N_DAYS, sum(sizes)), sizes)
    b.emit(key, pair[0], first)
    b.emit(key, pair[1], second)


def _occasional(b: _Builder, i: int) -> None:
    products = _OCCASIONAL[i % len(_OCCASIONAL)]
    k = int(b.rng.integers(8, 31))
    days = np.append(b.spaced(0, N_DAYS - 100, k - 1, 8), int(b.rng.integers(N_DAYS - 90, N_DAYS)))
    launches = int(b.rng.integers(2, 7))
    key = _user(b, "occasional", i, "occasional", products, short_launches=launches)
    parts = b.split(days, (k // 2, k - k // 2)) if len(products) == 2 else [days]
    for product, part in zip(products, parts, strict=True):
        b.emit(key, product, part)
    b.emit(key, products[0], b.free_days(days, launches), tokens=0)


def _inactive(b: _Builder, i: int) -> None:
    product = ("Revit", "AutoCAD", "3ds Max")[i % 3]
    key = _user(b, "inactive", i, "inactive", (product,), short_launches=1)
    days = b.weekdays_in(0, N_DAYS - 100, int(b.rng.integers(40, 81)))
    b.emit(key, product, days)
    b.emit(key, product, np.array([N_DAYS - 10]), tokens=0)  # a short launch does not count


def _dormant(b: _Builder, i: int) -> None:
    key = _user(b, "dormant", i, "regular", ("AutoCAD",), dormant=True)
    stop = N_DAYS - 150
    weeks = [
        b.weekdays[(b.weekdays >= w) & (b.weekdays < min(w + 7, stop))] for w in range(0, stop, 7)
    ]
    days = [b.rng.choice(w, size=2, replace=False) for w in weeks if w.size >= 2]
    worked = np.sort(np.concatenate(days))
    trickle = np.arange(stop + 15, N_DAYS, 17) + b.rng.integers(0, 2, size=1)
    b.emit(key, "AutoCAD", np.union1d(worked, trickle[trickle < N_DAYS]))
