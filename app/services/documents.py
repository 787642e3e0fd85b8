"""Documents: render a report once, store it immutably, serve it by format."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.db.tables import Document
from app.documents import render_html, render_json
from app.documents.report import Report
from app.errors import NotFoundError
from app.services.keys import now

FORMATS = {"html": "text/html; charset=utf-8", "json": "application/json"}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    sha256: str
    filename: str


def store_document(
    session: Session, *, organization_id: uuid.UUID, report: Report, kind: str, title: str
) -> Document:
    doc_id = uuid.uuid4()
    json_bytes = render_json(report, document_id=str(doc_id))
    json_sha256 = hashlib.sha256(json_bytes).hexdigest()
    html_bytes = render_html(report, document_id=str(doc_id), facts_sha256=json_sha256)
    row = Document(
        id=doc_id,
        organization_id=organization_id,
        created_at=now(),
        kind=kind,
        title=title,
        sha256=json_sha256,
        json_body=json_bytes,
        html_body=html_bytes,
    )
    session.add(row)
    session.flush()
    return row


def get_document(session: Session, organization_id: uuid.UUID, document_id: uuid.UUID) -> Document:
    row = session.get(Document, document_id)
    if row is None or row.organization_id != organization_id:
        raise NotFoundError(f"document {document_id} not found")
    return row


def rendered(row: Document, fmt: str, organization_slug: str) -> Rendered:
    body = row.html_body if fmt == "html" else row.json_body
    day = row.created_at.date().isoformat()
    return Rendered(
        body=body,
        media_type=FORMATS[fmt],
        sha256=hashlib.sha256(body).hexdigest(),
        filename=f"tokencast-{organization_slug}-{day}-{row.kind}.{fmt}",
    )


def links(document_id: uuid.UUID) -> dict[str, str | None]:
    base = f"/v1/documents/{document_id}"
    return {"html": f"{base}?format=html", "json": f"{base}?format=json", "pdf": None}
