"""The entry points: a usage file (bytes or a binary file) -> its rows or merged records,
whatever the format.

The format is recognised from the header (the first non-blank row of a CSV, or of the first sheet
of an XLSX workbook that has a recognisable one). Parsing stops at the first bad row: an import is
all or nothing, so one precise error (line, column, reason) is what the user needs to fix it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.ingest import account, enterprise, plain
from app.ingest.records import ParsedUsage, UsageImportError, UsageRecord
from app.ingest.spec import CachedUserKey, Columns, FormatSpec, ReaderContext, UserKey
from app.ingest.stream import ParsedRow, UsageStream
from app.ingest.tables import (
    EMPTY_FILE,
    ZIP_MAGIC,
    BinaryFile,
    Table,
    Workbook,
    csv_table,
    head,
    is_blank,
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
    filename: str, content: bytes | BinaryFile, *, user_key: UserKey, max_rows: int | None = None
) -> ParsedUsage:
    """Parse a usage file (CSV in any supported format, or XLSX) into merged records.

    `user_key` turns an e-mail (or other user identifier) into the key that is stored; it is
    called once per distinct user. Raises UsageImportError naming the line, column and reason.
    """
    with open_usage_file(filename, content, user_key=user_key, max_rows=max_rows) as stream:
        merged = _merge_rows(stream.rows())
        return ParsedUsage(
            format=stream.format,
            records=merged.records(),
            rows_read=stream.rows_read,
            rows_merged=merged.rows_merged,
            notes=stream.final_notes(merged.rows_merged, merged.first_merge),
            product_labels=stream.product_labels,
        )


@contextmanager
def open_usage_file(
    filename: str,
    content: bytes | BinaryFile,
    *,
    user_key: UserKey,
    max_rows: int | None = None,
) -> Iterator[UsageStream]:
    """Open a usage file for one streamed pass over its rows (see UsageStream).

    A binary file is read from its start and left open; the format is recognised here, so a
    file that is not a usage export is refused before any row is read.
    """
    file = io.BytesIO(content) if isinstance(content, bytes) else content
    first = head(file)
    if not first or (first.isspace() and is_blank(file)):
        raise UsageImportError(EMPTY_FILE)
    if looks_like_xlsx(filename, first):
        if not first.startswith(ZIP_MAGIC):
            raise UsageImportError("the file is named like an XLSX workbook but is not one")
        with Workbook(file) as book:
            stream = _open_workbook(book, user_key)
            stream.max_rows = max_rows
            yield stream
        return
    encoding, notes = text_encoding(file)
    table = csv_table(file, encoding)
    try:
        spec = detect_format(Columns(table.header))
        if spec is None:
            raise _unrecognised(table)
        stream = _open_table(table, spec, user_key, notes)
        stream.max_rows = max_rows
        yield stream
    finally:
        table.rows.close()


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


def _open_workbook(book: Workbook, user_key: UserKey) -> UsageStream:
    first: Table | None = None
    for table in book.tables():
        spec = detect_format(Columns(table.header))
        if spec is not None:
            return _open_table(table, spec, user_key, [f"read from {table.source}"])
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


def _open_table(table: Table, spec: FormatSpec, user_key: UserKey, notes: list[str]) -> UsageStream:
    columns = Columns(table.header)
    _require(columns, spec, table.header_line)
    ctx = ReaderContext(columns, CachedUserKey(user_key))
    return UsageStream(
        format=spec.format_name(columns),
        merge_reason=spec.merge_reason,
        table=table,
        read=spec.make_reader(ctx),
        notes=notes,
        product_labels=ctx.product_labels,
        late_notes=ctx.late_notes,
    )


@dataclass
class _Merged:
    """Rows summed per (day, user, product), with the line each record started on."""

    totals: dict[tuple[date, str, str], Decimal] = field(default_factory=dict)
    first_line: dict[tuple[date, str, str], int] = field(default_factory=dict)
    rows_merged: int = 0
    first_merge: int | None = None

    def records(self) -> list[UsageRecord]:
        lines = self.first_line
        return [UsageRecord(d, u, p, t, lines[(d, u, p)]) for (d, u, p), t in self.totals.items()]


def _merge_rows(rows: Iterator[ParsedRow]) -> _Merged:
    merged = _Merged()
    totals, first_line = merged.totals, merged.first_line
    rows_merged, first_merge = 0, None
    for line, day, user, product, tokens in rows:
        key = (day, user, product)
        previous = totals.get(key)
        if previous is None:
            totals[key] = tokens
            first_line[key] = line
        else:
            totals[key] = previous + tokens
            rows_merged += 1
            first_merge = first_merge or line
    merged.rows_merged, merged.first_merge = rows_merged, first_merge
    return merged
