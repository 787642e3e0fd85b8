"""Usage routes: JSON records, file imports, daily totals."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Annotated

from fastapi import Query, UploadFile

from app.api.deps import (
    ReadKey,
    SessionDep,
    SettingsDep,
    UsageWriteKey,
)
from app.api.key_first import v1_router
from app.errors import PayloadTooLargeError, UnprocessableError
from app.ingest.records import ParsedUsage
from app.schemas.common import Day
from app.schemas.usage import DailyTokensRead, DailyUsageRead, UsageCreate, UsageImportRead
from app.services import usage as svc
from app.services.imports import check_record_count, import_file, import_parsed

router = v1_router("/v1/usage", "usage")
MAX_DAILY_PAGE = 3660
# Routes taking a file (multipart): their body limit is TOKENCAST_MAX_UPLOAD_BYTES.
UPLOAD_PATHS = frozenset({"/v1/usage/imports"})


@router.post("", status_code=201, response_model=UsageImportRead, summary="Add usage records")
def post_usage(
    body: UsageCreate, session: SessionDep, principal: UsageWriteKey, settings: SettingsDep
) -> UsageImportRead:
    """Store JSON records all or nothing. A record without user and product is a daily total.

    Records for the same day, user and product are summed; a stored row with the same key is
    replaced, so sending the same records twice changes nothing.
    """
    check_record_count(len(body.records), settings.max_import_rows, field="records")
    records = svc.records_from_json(body.records, svc.user_key_function(settings.user_key_secret))
    parsed = ParsedUsage(
        format="json", records=records, rows_read=len(records), rows_merged=0, notes=[]
    )
    return import_parsed(session, organization_id=principal.organization_id, parsed=parsed)


@router.post(
    "/imports", status_code=201, response_model=UsageImportRead, summary="Import a usage file"
)
def post_import(
    file: UploadFile, session: SessionDep, principal: UsageWriteKey, settings: SettingsDep
) -> UsageImportRead:
    """Import a CSV or XLSX export in any supported format (detected from its header).

    Formats: Autodesk Enterprise Token Flex usage export; Autodesk Account token usage export
    (2026 column names or the older snake_case set); plain `date,tokens` or
    `date,user,product,tokens` CSV. A bad row answers 422 with its line number and nothing from
    the file is stored. 413 past TOKENCAST_MAX_UPLOAD_BYTES bytes or TOKENCAST_MAX_IMPORT_ROWS
    data rows.
    """
    # The upload is spooled to a temporary file; it is read from there, never copied whole.
    size = file.file.seek(0, io.SEEK_END)
    if size > settings.max_upload_bytes:
        raise PayloadTooLargeError(f"file: larger than {settings.max_upload_bytes} bytes")
    return import_file(
        session,
        organization_id=principal.organization_id,
        filename=file.filename or "upload",
        content=file.file,
        user_key_secret=settings.user_key_secret,
        max_rows=settings.max_import_rows,
    )


@router.get("/daily", response_model=DailyUsageRead, summary="Daily token totals")
def get_daily(
    session: SessionDep,
    principal: ReadKey,
    from_: Annotated[Day | None, Query(alias="from", description="First day (inclusive).")] = None,
    to: Annotated[Day | None, Query(description="Last day (inclusive).")] = None,
    product: Annotated[str | None, Query(description="Only this product.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_DAILY_PAGE, description="Days per page.")] = 366,
) -> DailyUsageRead:
    """Tokens per day over the organization's covered period; days without rows are 0."""
    covered = svc.covered_range(session, principal.organization_id)
    if covered is None:
        return DailyUsageRead.model_validate(
            {"daily": [], "from": from_, "to": to, "product": product, "total_tokens": 0, "days": 0}
        )
    start = max(from_ or covered[0], covered[0])
    end = min(to or covered[1], covered[1])
    if from_ and to and from_ > to:
        raise UnprocessableError("from: must be on or before 'to'")
    page_end = min(end, start + timedelta(days=limit - 1))
    rows = svc.daily_totals(
        session, principal.organization_id, start=start, end=page_end, product=product
    )
    return DailyUsageRead.model_validate(
        {
            "daily": [DailyTokensRead(date=d, tokens=t) for d, t in rows],
            "from": start if rows else None,
            "to": page_end if rows else None,
            "product": product,
            "total_tokens": sum((t for _, t in rows), Decimal(0)),
            "days": len(rows),
            "next_from": page_end + timedelta(days=1) if page_end < end else None,
        }
    )
