"""File imports: parse (app.ingest) then store all or nothing."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.ingest.formats import parse_usage_file
from app.ingest.records import ParsedUsage
from app.schemas.usage import UsageImportRead
from app.services.usage import store_records, user_key_function
from app.services.usage_locks import lock_usage


def import_file(
    session: Session,
    *,
    organization_id: uuid.UUID,
    filename: str,
    content: bytes,
    user_key_secret: str | None,
) -> UsageImportRead:
    parsed = parse_usage_file(filename, content, user_key=user_key_function(user_key_secret))
    return import_parsed(session, organization_id=organization_id, parsed=parsed)


def import_parsed(
    session: Session, *, organization_id: uuid.UUID, parsed: ParsedUsage
) -> UsageImportRead:
    # Before reading what is stored: concurrent imports of one organization take turns.
    lock_usage(session, organization_id, exclusive=True)
    result = store_records(
        session, organization_id=organization_id, records=parsed.records, source=parsed.format
    )
    return UsageImportRead(
        format=parsed.format,
        rows_read=parsed.rows_read,
        rows_added=result.added,
        rows_replaced=result.replaced,
        rows_unchanged=result.unchanged,
        rows_merged=parsed.rows_merged + result.merged,
        first_day=result.first_day,
        last_day=result.last_day,
        notes=parsed.notes,
    )
