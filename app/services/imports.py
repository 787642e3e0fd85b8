"""File imports: parse (app.ingest) while storing (app.services.usage_store), all or nothing.

A file's rows go from the parser to the database's staging table as they are read: a bad line
anywhere stops the import before anything is stored, and a million-row file never sits in
memory as Python objects.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.ingest.formats import open_usage_file
from app.ingest.records import ParsedUsage, TooManyRowsError
from app.ingest.tables import BinaryFile
from app.observability.metrics import IMPORT_ROWS
from app.schemas.usage import UsageImportRead
from app.services.usage import user_key_function
from app.services.usage_locks import lock_usage
from app.services.usage_store import StoreResult, store_records, store_rows


def import_file(
    session: Session,
    *,
    organization_id: uuid.UUID,
    filename: str,
    content: bytes | BinaryFile,
    user_key_secret: str | None,
    max_rows: int | None = None,
) -> UsageImportRead:
    """Import a usage file (its bytes, or a binary file read from its start and left open)."""
    user_key = user_key_function(user_key_secret)
    with open_usage_file(filename, content, user_key=user_key, max_rows=max_rows) as stream:
        # Before reading what is stored: concurrent imports of one organization take turns.
        lock_usage(session, organization_id, exclusive=True)
        result = store_rows(
            session, organization_id=organization_id, rows=stream.rows(), source=stream.format
        )
        notes = stream.final_notes(result.merged, result.first_merged_line)
        IMPORT_ROWS.labels(stream.format).inc(stream.rows_read)
        return _answer(stream.format, stream.rows_read, result, result.merged, notes)


def check_record_count(count: int, max_rows: int, *, field: str) -> None:
    """JSON records: the same limit as a file's rows, naming the first record over it."""
    if count > max_rows:
        raise TooManyRowsError(
            f"{field}.{max_rows}: more than {max_rows} records, the most one import takes "
            "(TOKENCAST_MAX_IMPORT_ROWS); send them in smaller batches"
        )


def import_parsed(
    session: Session, *, organization_id: uuid.UUID, parsed: ParsedUsage
) -> UsageImportRead:
    """Store records parsed already (JSON bodies); rows they merge are counted as merged."""
    # Before reading what is stored: concurrent imports of one organization take turns.
    lock_usage(session, organization_id, exclusive=True)
    result = store_records(
        session, organization_id=organization_id, records=parsed.records, source=parsed.format
    )
    IMPORT_ROWS.labels(parsed.format).inc(parsed.rows_read)
    merged = parsed.rows_merged + result.merged
    return _answer(parsed.format, parsed.rows_read, result, merged, parsed.notes)


def _answer(
    fmt: str, rows_read: int, result: StoreResult, merged: int, notes: list[str]
) -> UsageImportRead:
    return UsageImportRead(
        format=fmt,
        rows_read=rows_read,
        rows_added=result.added,
        rows_replaced=result.replaced,
        rows_unchanged=result.unchanged,
        rows_merged=merged,
        first_day=result.first_day,
        last_day=result.last_day,
        notes=notes,
    )
