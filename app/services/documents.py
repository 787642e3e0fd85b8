"""Documents: render a report once, store it immutably, serve it by format.

The JSON (the facts of record) and the HTML are rendered and stored when the document is
created. A PDF is rendered from the stored HTML the first time one is asked for on a paper size,
and stored: the first writer wins and every later request serves those stored bytes, so a
document never changes once a rendering of it has been served.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, load_only

from app.db.tables import Document, DocumentRendering
from app.documents import render_html, render_json
from app.documents.pdf import render_pdf, renderer_version
from app.documents.report import Report
from app.errors import NotFoundError
from app.services.keys import now

FORMATS = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}
PAPERS = ("a4", "letter")
SCHEMA_ROUTE = "/v1/schemas/recommendation-document"


@dataclass(frozen=True)
class Rendered:
    body: bytes
    media_type: str
    sha256: str
    filename: str


def store_document(
    session: Session,
    *,
    organization_id: uuid.UUID,
    report: Report,
    kind: str,
    title: str,
    created_at: datetime | None = None,
) -> Document:
    doc_id = uuid.uuid4()
    json_bytes = render_json(report, document_id=str(doc_id))
    json_sha256 = hashlib.sha256(json_bytes).hexdigest()
    html_bytes = render_html(report, document_id=str(doc_id), facts_sha256=json_sha256)
    row = Document(
        id=doc_id,
        organization_id=organization_id,
        created_at=created_at or now(),
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


def list_documents(
    session: Session, organization_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[Document], int]:
    """The organization's documents, newest first, without their bodies."""
    mine = Document.organization_id == organization_id
    total = session.scalar(select(func.count()).select_from(Document).where(mine)) or 0
    rows = session.scalars(
        select(Document)
        .options(
            load_only(
                Document.id, Document.kind, Document.title, Document.created_at, Document.sha256
            )
        )
        .where(mine)
        .order_by(Document.created_at.desc(), Document.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), int(total)


def pdf_rendering(session: Session, row: Document, paper: str) -> DocumentRendering:
    """The document's PDF on `paper`: the stored one, or rendered now and stored (first wins)."""
    key = {"document_id": row.id, "rendering": f"pdf-{paper}"}
    stored = _stored_rendering(session, key)
    if stored is not None:
        return stored
    pdf = render_pdf(row.html_body, paper=paper, document_id=str(row.id))
    values = {
        **key,
        "created_at": now(),
        "renderer": renderer_version(),
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "body": pdf,
    }
    # Another request may be storing the same rendering: the first insert wins, this one does
    # nothing (PostgreSQL waits for the other transaction to end), and both serve the stored row.
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(DocumentRendering)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["document_id", "rendering"])
    )
    winner = _stored_rendering(session, key)
    if winner is None:
        raise RuntimeError(f"the {key['rendering']} rendering of document {row.id} was not stored")
    return winner


def _stored_rendering(session: Session, key: dict[str, Any]) -> DocumentRendering | None:
    return session.scalars(
        select(DocumentRendering)
        .where(DocumentRendering.document_id == key["document_id"])
        .where(DocumentRendering.rendering == key["rendering"])
        .execution_options(populate_existing=True)
    ).first()


def rendered(
    session: Session, row: Document, fmt: str, organization_slug: str, paper: str = "a4"
) -> Rendered:
    day = row.created_at.date().isoformat()
    stem = f"tokencast-{organization_slug}-{day}-{row.kind}"
    if fmt == "pdf":
        pdf = pdf_rendering(session, row, paper)
        return Rendered(pdf.body, FORMATS["pdf"], pdf.sha256, f"{stem}-{paper}.pdf")
    body = row.html_body if fmt == "html" else row.json_body
    return Rendered(
        body=body,
        media_type=FORMATS[fmt],
        sha256=hashlib.sha256(body).hexdigest(),
        filename=f"{stem}.{fmt}",
    )


def links(document_id: uuid.UUID) -> dict[str, str | None]:
    base = f"/v1/documents/{document_id}"
    return {
        "html": f"{base}?format=html",
        "json": f"{base}?format=json",
        "pdf": f"{base}?format=pdf",
        "pdf_letter": f"{base}?format=pdf&paper=letter",
        "schema": SCHEMA_ROUTE,
    }
