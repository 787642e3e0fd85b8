"""Document listings and links (the documents themselves are bytes: HTML, PDF or JSON)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class DocumentLinks(BaseModel):
    html: str
    json_: str = Field(alias="json")
    pdf: str | None = Field(default=None, description="The PDF on A4 paper.")
    pdf_letter: str | None = Field(default=None, description="The PDF on US Letter paper.")
    schema_: str | None = Field(
        default=None, alias="schema", description="The JSON Schema of the JSON rendering."
    )

    model_config = {"populate_by_name": True}


class DocumentRef(BaseModel):
    id: uuid.UUID
    sha256: str = Field(description="SHA-256 of the document's JSON rendering.")
    links: DocumentLinks


class DocumentItem(DocumentRef):
    kind: str = Field(description='What the document is about, e.g. "recommendation".')
    title: str
    created_at: datetime


class DocumentList(BaseModel):
    documents: list[DocumentItem] = Field(description="Newest first.")
    total: int
    limit: int
    offset: int
