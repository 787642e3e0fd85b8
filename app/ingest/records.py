"""What a parsed usage file turns into, and the one error a bad file raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class UsageRecord:
    """Tokens one user burned on one product on one day.

    `user_key` and `product` are "" when the file does not say: a record with neither is a daily
    total for the organization. `line` is where the record's first row sits in the file (header =
    line 1; for XLSX, the spreadsheet row number).
    """

    day: date
    user_key: str
    product: str
    tokens: Decimal
    line: int


@dataclass(frozen=True)
class ParsedUsage:
    """A whole file, parsed: rows with the same (day, user, product) are already summed.

    `rows_read` counts data rows (blank rows are skipped), `rows_merged` the rows that were added
    into a record an earlier row had started, so `rows_read == len(records) + rows_merged`.
    `product_labels` maps a product key to a display name when the format has one (the Enterprise
    export keys products by line code and carries the readable name beside it).
    """

    format: str
    records: list[UsageRecord]
    rows_read: int
    rows_merged: int
    notes: list[str]
    product_labels: dict[str, str] = field(default_factory=dict)


class UsageImportError(Exception):
    """A file that cannot be imported, with where (line as the user sees it, column) and why."""

    def __init__(self, reason: str, *, line: int | None = None, field: str | None = None) -> None:
        self.line = line
        self.field = field
        self.reason = reason
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class TooManyRowsError(UsageImportError):
    """More rows than one import takes (a limit of the service, not a fault in the file)."""
