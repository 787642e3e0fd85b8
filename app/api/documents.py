"""Documents: immutable, served as HTML or JSON with their SHA-256."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Response

from app.api.deps import PrincipalDep, SessionDep
from app.api.etags import not_modified
from app.db.tables import Organization
from app.errors import ServiceError
from app.schemas.common import ERROR_RESPONSES, ErrorRead
from app.services import documents as svc

router = APIRouter(prefix="/v1/documents", tags=["documents"], responses=ERROR_RESPONSES)


class NotAcceptableError(ServiceError):
    status_code = 406
    code = "not_acceptable"


PDF_LATER = "PDF rendering is not available yet; ask for text/html or application/json"


def _negotiate(fmt: str | None, accept: str | None) -> str:
    if fmt == "pdf":
        raise NotAcceptableError(PDF_LATER)
    if fmt is not None:
        return fmt
    accept = (accept or "").lower()
    if "application/pdf" in accept and "html" not in accept and "json" not in accept:
        raise NotAcceptableError(
            "PDF rendering is not available yet; ask for text/html or application/json"
        )
    if "text/html" in accept:
        return "html"
    if "application/json" in accept or "*/*" in accept or not accept:
        return "json"
    raise NotAcceptableError(f"cannot serve '{accept}'; use text/html or application/json")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "org"


@router.get(
    "/{document_id}",
    summary="A document (HTML or JSON)",
    responses={
        200: {
            "content": {"text/html": {}, "application/json": {}},
            "description": "The document bytes; header X-Content-SHA256 is their hash.",
        },
        406: {"model": ErrorRead, "description": "No format this document is served in"},
    },
)
def get_document(
    document_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    format: Annotated[
        Literal["html", "json", "pdf"] | None, Query(description="Overrides Accept.")
    ] = None,
    accept: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Documents never change once written: the ETag is the SHA-256 of the bytes served."""
    principal.require_any("documents:read", "read")
    fmt = _negotiate(format, accept)
    row = svc.get_document(session, principal.organization_id, document_id)
    org = session.get(Organization, principal.organization_id)
    out = svc.rendered(row, fmt, _slug(org.name if org else "org"))
    etag = f'"{out.sha256}"'
    headers = {
        "ETag": etag,
        "X-Content-SHA256": out.sha256,
        "X-Document-SHA256": row.sha256,
        "Cache-Control": "private, max-age=31536000, immutable",
        "Content-Disposition": f'inline; filename="{out.filename}"',
    }
    if not_modified(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(out.body, media_type=out.media_type, headers=headers)
