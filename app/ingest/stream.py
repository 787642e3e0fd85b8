"""A usage file opened for one pass: its format, and its rows parsed one at a time.

Whoever consumes the rows decides where they go: `parse_usage_file` sums them into records in
memory (small files, the backtest command), the import service streams them into the database's
staging table, so a million-row file never becomes a million Python objects at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from app.ingest.records import TooManyRowsError, UsageImportError
from app.ingest.spec import Parsed, RowReader
from app.ingest.tables import Table

ParsedRow = Parsed


@dataclass
class UsageStream:
    """One table of a usage file with its format's row reader; `rows()` can be read once."""

    format: str
    merge_reason: str
    table: Table
    read: RowReader
    notes: list[str]
    product_labels: dict[str, str] = field(default_factory=dict)
    late_notes: list[Callable[[], str | None]] = field(default_factory=list)
    rows_read: int = 0
    max_rows: int | None = None  # TooManyRowsError at the first data row past it

    def rows(self) -> Iterator[ParsedRow]:
        """Every data row, parsed, in file order; raises UsageImportError at the first bad one
        (its line, column and reason), or when the header has no data rows below it."""
        read, width, n = self.read, len(self.table.header), 0
        limit = self.max_rows if self.max_rows is not None else -1
        for line, row in self.table.rows:
            n += 1
            if n == limit + 1:
                raise too_many_rows(limit, line=line)
            if len(row) < width:  # short rows read as empty cells, so readers can index directly
                row = [*row, *([None] * (width - len(row)))]
            yield read(row, line)
        self.rows_read = n
        if n == 0:
            raise UsageImportError(
                "the header is not followed by any data rows", line=self.table.header_line
            )

    def final_notes(self, rows_merged: int, first_merge: int | None) -> list[str]:
        """The notes for the answer, once every row is read and merged."""
        notes = list(self.notes)
        if rows_merged:
            n = rows_merged
            notes.append(
                f"{n} {'row was' if n == 1 else 'rows were'} added into a record an earlier row "
                f"had started, because {self.merge_reason} (first at line {first_merge})"
            )
        notes.extend(n for n in (late() for late in self.late_notes) if n)
        return notes


def too_many_rows(max_rows: int, *, line: int | None = None) -> TooManyRowsError:
    return TooManyRowsError(
        f"more than {max_rows} data rows, the most one import takes "
        "(TOKENCAST_MAX_IMPORT_ROWS); split the data into smaller imports",
        line=line,
    )
