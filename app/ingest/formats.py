"""The one entry point: a usage file's bytes -> merged records, whatever the format.

The format is recognised from the header (the first non-blank row of a CSV, or of the first sheet
of an XLSX workbook that has a recognisable one). Parsing stops at the first bad row: an import is
all or nothing, so one precise error (line, column, reason) is what the user needs to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from itertools import islice

from app.ingest import account, enterprise, plain
from app.ingest.records import ParsedUsage, TooManyRowsError, UsageImportError, UsageRecord
from app.ingest.spec import (
    CachedUserKey,
    Columns,
    FormatSpec,
    ReaderContext,
    RowReader,
    UserKey,
)
from app.ingest.tables import (
    EMPTY_FILE,
    ZIP_MAGIC,
    Table,
    Workbook,
    csv_table,
    looks_like_xlsx,
    text_encoding,
)
from app.ingest.values import normalize_header

FORMATS: tuple[FormatSpec, ...] = (
    enterprise.SPEC,
    account.SPEC_2026,
    account.SPEC_LEGACY,
    plain.SPEC,
)
_SHOWN_HEADER_COLUMNS = 12


def parse_usage_file(
    filename: str, content: bytes, *, user_key: UserKey, max_rows: int | None = None
) -> ParsedUsage:
    """Parse an uploaded usage file (CSV in any supported format, or XLSX).

    `user_key` turns an e-mail (or other user identifier) into the key that is stored; it is
    called once per distinct user. Raises UsageImportError naming the line, column and reason,
    and TooManyRowsError (naming the first line over the limit) past `max_rows` data rows.
    """
    if not content or content.isspace():
        raise UsageImportError(EMPTY_FILE)
    if looks_like_xlsx(filename, content):
        if not content.startswith(ZIP_MAGIC):
            raise UsageImportError("the file is named like an XLSX workbook but is not one")
        with Workbook(content) as book:
            return _parse_workbook(book, user_key, max_rows)
    encoding, notes = text_encoding(content)
    table = csv_table(content, encoding)
    spec = detect_format(Columns(table.header))
    if spec is None:
        raise _unrecognised(table)
    return _parse_table(table, spec, user_key, notes, max_rows)


def detect_format(columns: Columns) -> FormatSpec | None:
    """The format whose required columns the header covers best (at least half of them).

    Half, not all: a header that is clearly an Account export missing `Tokens used` should be
    told exactly that, not that it is unrecognised.
    """
    present = columns.keys()
    best: FormatSpec | None = None
    best_score = (0.0, 0)
    for spec in FORMATS:
        hits = sum(normalize_header(c) in present for c in spec.required)
        if hits == 0 or 2 * hits < len(spec.required):
            continue
        extra = sum(normalize_header(c) in present for c in spec.optional)
        score = (hits / len(spec.required), hits + extra)
        if score > best_score:
            best, best_score = spec, score
    return best


def _parse_workbook(book: Workbook, user_key: UserKey, max_rows: int | None) -> ParsedUsage:
    first: Table | None = None
    for table in book.tables():
        spec = detect_format(Columns(table.header))
        if spec is not None:
            return _parse_table(table, spec, user_key, [f"read from {table.source}"], max_rows)
        first = first or table
    if first is None:
        raise UsageImportError("the workbook has no non-empty sheet")
    raise _unrecognised(first)


def _unrecognised(table: Table) -> UsageImportError:
    names = [h.replace("\ufeff", "").strip() for h in table.header]
    names = [n for n in names if n]
    shown = ", ".join(repr(n) for n in names[:_SHOWN_HEADER_COLUMNS])
    if len(names) > _SHOWN_HEADER_COLUMNS:
        shown += ", ..."
    expected = "; ".join(f"{s.title} ({', '.join(s.required)})" for s in FORMATS)
    return UsageImportError(
        f"unrecognised header: {shown or '(empty)'} ... expected one of: {expected}",
        line=table.header_line,
    )


def _require(columns: Columns, spec: FormatSpec, line: int) -> None:
    missing = [c for c in spec.required if not columns.has(c)]
    if missing:
        names = ", ".join(repr(c) for c in missing)
        plural = "s" if len(missing) > 1 else ""
        raise UsageImportError(
            f"missing required column{plural} {names} (the header looks like the {spec.title})",
            line=line,
        )


def too_many_rows(max_rows: int, *, line: int | None = None) -> TooManyRowsError:
    return TooManyRowsError(
        f"more than {max_rows} data rows, the most one import takes "
        "(TOKENCAST_MAX_IMPORT_ROWS); split the data into smaller imports",
        line=line,
    )


@dataclass
class _Merged:
    """Rows summed per (day, user, product), with the line each record started on."""

    totals: dict[tuple[date, str, str], Decimal] = field(default_factory=dict)
    first_line: dict[tuple[date, str, str], int] = field(default_factory=dict)
    rows_read: int = 0
    rows_merged: int = 0
    first_merge: int = 0

    def records(self) -> list[UsageRecord]:
        lines = self.first_line
        return [UsageRecord(d, u, p, t, lines[(d, u, p)]) for (d, u, p), t in self.totals.items()]


def _merge_rows(table: Table, read: RowReader) -> _Merged:
    merged = _Merged()
    totals, first_line = merged.totals, merged.first_line
    rows_read = rows_merged = first_merge = 0
    width = len(table.header)
    for line, row in table.rows:
        rows_read += 1
        if len(row) < width:  # short rows read as empty cells, so readers can index directly
            row = [*row, *([None] * (width - len(row)))]
        day, user, product, tokens = read(row, line)
        key = (day, user, product)
        previous = totals.get(key)
        if previous is None:
            totals[key] = tokens
            first_line[key] = line
        else:
            totals[key] = previous + tokens
            rows_merged += 1
            first_merge = first_merge or line
    merged.rows_read, merged.rows_merged, merged.first_merge = rows_read, rows_merged, first_merge
    return merged


def _parse_table(
    table: Table, spec: FormatSpec, user_key: UserKey, notes: list[str], max_rows: int | None
) -> ParsedUsage:
    columns = Columns(table.header)
    _require(columns, spec, table.header_line)
    ctx = ReaderContext(columns, CachedUserKey(user_key))
    # islice costs nothing per row; the row after the last one allowed, if any, is the error
    rows = table.rows if max_rows is None else islice(table.rows, max_rows)
    merged = _merge_rows(replace(table, rows=rows), spec.make_reader(ctx))
    if max_rows is not None and (extra := next(table.rows, None)) is not None:
        raise too_many_rows(max_rows, line=extra[0])
    if merged.rows_read == 0:
        raise UsageImportError(
            "the header is not followed by any data rows", line=table.header_line
        )
    if merged.rows_merged:
        n = merged.rows_merged
        notes.append(
            f"{n} {'row was' if n == 1 else 'rows were'} added into a record an earlier row had "
            f"started, because {spec.merge_reason} (first at line {merged.first_merge})"
        )
    notes.extend(n for n in (late() for late in ctx.late_notes) if n)
    return ParsedUsage(
        format=spec.format_name(columns),
        records=merged.records(),
        rows_read=merged.rows_read,
        rows_merged=merged.rows_merged,
        notes=notes,
        product_labels=ctx.product_labels,
    )
