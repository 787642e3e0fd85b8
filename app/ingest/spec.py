"""What a format module provides: its columns, and a factory for its row reader."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.ingest.values import canonical_user, normalize_header

UserKey = Callable[[str], str]


class Columns:
    """A header row: where each column is and how the file spells it."""

    def __init__(self, header: Sequence[str]) -> None:
        self._index: dict[str, int] = {}
        self._written: dict[str, str] = {}
        for i, raw in enumerate(header):
            key = normalize_header(raw)
            if key and key not in self._index:
                self._index[key] = i
                self._written[key] = str(raw).replace("\ufeff", "").strip()

    def keys(self) -> set[str]:
        return set(self._index)

    def has(self, name: str) -> bool:
        return normalize_header(name) in self._index

    def index(self, name: str) -> int:
        return self._index[normalize_header(name)]

    def find(self, *names: str) -> int | None:
        """Index of the first of `names` present, or None."""
        for name in names:
            if self.has(name):
                return self.index(name)
        return None

    def written(self, name: str) -> str:
        """The column's name as the file writes it (for error messages)."""
        return self._written[normalize_header(name)]


class CachedUserKey:
    """The caller's `user_key`, called once per distinct user, on the canonical identifier.

    Keyed hashing is not free and a big export repeats each user thousands of times.
    """

    def __init__(self, user_key: UserKey) -> None:
        self._user_key = user_key
        self._by_raw: dict[str, str] = {}
        self._by_canonical: dict[str, str] = {}

    def __call__(self, raw: str) -> str:
        key = self._by_raw.get(raw)
        if key is None:
            canonical = canonical_user(raw)
            key = self._by_canonical.get(canonical)
            if key is None:
                key = self._by_canonical[canonical] = self._user_key(canonical)
            self._by_raw[raw] = key
        return key


# (line, day, user_key, product, tokens): line is where the row sits in the file (header = 1).
# A plain tuple: a NamedTuple costs ~0.6 us more per row, which is 5-10 % of the whole parse.
Parsed = tuple[int, date, str, str, Decimal]


# Called with (row, line); the row is at least as wide as the header.
RowReader = Callable[[Sequence[object], int], Parsed]


@dataclass
class ReaderContext:
    """What a reader factory gets; it may fill `product_labels` while rows are read, and add
    `late_notes`, called once every row is read (a note that needs a count)."""

    columns: Columns
    user_key: CachedUserKey
    product_labels: dict[str, str] = field(default_factory=dict)
    late_notes: list[Callable[[], str | None]] = field(default_factory=list)


@dataclass(frozen=True)
class FormatSpec:
    """A format family: detection columns, the reader, and what a merged row means in it."""

    name: str
    title: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    make_reader: Callable[[ReaderContext], RowReader]
    merge_reason: str
    name_for: Callable[[Columns], str] | None = None

    def format_name(self, columns: Columns) -> str:
        return self.name_for(columns) if self.name_for else self.name
