"""Documents: immutable, served as HTML, PDF or JSON with their SHA-256; and their listing."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Literal

from fastapi import Header, Query, Response

from app.api.deps import (
    DocumentsReadKey,
    SessionDep,
)
from app.api.etags import not_modified
from app.api.key_first import v1_router
from app.db.tables import Document, Organization
from app.errors import ServiceError
from app.schemas.common import ErrorRead, PageOffset
from app.schemas.documents import DocumentItem, DocumentList
from app.services import documents as svc

router = v1_router("/v1/documents", "documents")

MEDIA = {"text/html": "html", "application/pdf": "pdf", "application/json": "json"}
WILDCARDS = {"*/*": "json", "text/*": "html", "application/*": "json"}
JSON_BODY = (
    "The document's facts of record, valid against the JSON Schema at "
    f"{svc.SCHEMA_ROUTE} (named in its `schema_url`)."
)


class NotAcceptableError(ServiceError):
    status_code = 406
    code = "not_acceptable"


def negotiate(fmt: str | None, accept: str | None) -> str:
    """`?format=` first; else the Accept media range with the highest q (ties: the one named
    first); JSON, the facts of record, when nothing is asked for."""
    if fmt is not None:
        return fmt
    if not accept or not accept.strip():
        return "json"
    best: tuple[float, int, str] | None = None
    for index, part in enumerate(accept.lower().split(",")):
        media, _, params = part.strip().partition(";")
        q = _quality(params)
        choice = MEDIA.get(media.strip()) or WILDCARDS.get(media.strip())
        if choice is not None and q > 0 and (best is None or (q, -index) > best[:2]):
            best = (q, -index, choice)
    if best is None:
        raise NotAcceptableError(
            f"Accept: cannot serve '{accept}'; use text/html, application/pdf or "
            "application/json (or ?format=html|pdf|json)"
        )
    return best[2]


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "org"


def _ref(row: Document) -> DocumentItem:
    return DocumentItem.model_validate(
        {
            "id": row.id,
            "sha256": row.sha256,
            "links": svc.links(row.id),
            "kind": row.kind,
            "title": row.title,
            "created_at": row.created_at,
        }
    )


@router.get(
    "",
    response_model=DocumentList,
    summary="List documents",
    description="The organization's documents, newest first, `limit` at a time from `offset`.",
)
def list_documents(
    session: SessionDep,
    principal: DocumentsReadKey,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[PageOffset, Query()] = 0,
) -> DocumentList:
    rows, total = svc.list_documents(session, principal.organization_id, limit=limit, offset=offset)
    return DocumentList(documents=[_ref(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get(
    "/{document_id}",
    summary="A document (HTML, PDF or JSON)",
    response_class=Response,
    responses={
        200: {
            "content": {
                "text/html": {},
                "application/pdf": {},
                "application/json": {"schema": {"type": "object", "description": JSON_BODY}},
            },
            "description": "The document bytes; ETag and X-Content-SHA256 are their SHA-256.",
        },
        304: {"description": "Not modified: the If-None-Match ETag is the one served."},
        406: {"model": ErrorRead, "description": "No format this document is served in"},
    },
)
def get_document(
    document_id: uuid.UUID,
    session: SessionDep,
    principal: DocumentsReadKey,
    format: Annotated[
        Literal["html", "pdf", "json"] | None, Query(description="Overrides Accept.")
    ] = None,
    paper: Annotated[Literal["a4", "letter"], Query(description="PDF paper size.")] = "a4",
    accept: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Documents never change once written: the ETag is the SHA-256 of the bytes served, and
    `Content-Disposition` names the organization and the document's date. A PDF is rendered from
    the stored HTML the first time it is asked for on a paper size, then served as stored."""
    fmt = negotiate(format, accept)
    row = svc.get_document(session, principal.organization_id, document_id)
    org = session.get(Organization, principal.organization_id)
    out = svc.rendered(session, row, fmt, _slug(org.name if org else "org"), paper)
    etag = f'"{out.sha256}"'
    headers = {
        "ETag": etag,
        "X-Content-SHA256": out.sha256,
        "X-Document-SHA256": row.sha256,
        "Cache-Control": "private, max-age=31536000, immutable",
        "Content-Disposition": f'inline; filename="{out.filename}"',
        "Vary": "Accept",
    }
    if not_modified(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return Response(out.body, media_type=out.media_type, headers=headers)
