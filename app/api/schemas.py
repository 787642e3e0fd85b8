"""The published JSON Schemas of what the service writes."""

from __future__ import annotations

from fastapi import Response

from app.api.deps import PrincipalDep
from app.api.key_first import v1_router
from app.documents.schema import SCHEMA_MEDIA_TYPE, schema_bytes

router = v1_router("/v1/schemas", "documents")


@router.get(
    "/recommendation-document",
    summary="JSON Schema of the recommendation document",
    response_class=Response,
    responses={
        200: {
            "content": {SCHEMA_MEDIA_TYPE: {"schema": {"type": "object"}}},
            "description": "A JSON Schema (draft 2020-12).",
        }
    },
)
def recommendation_document_schema(principal: PrincipalDep) -> Response:
    """The JSON Schema (draft 2020-12) that every recommendation document's JSON rendering
    validates against; the documents name it in `schema` and `schema_url`. Any key may read it."""
    body = schema_bytes()
    return Response(body, media_type=SCHEMA_MEDIA_TYPE,
                    headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip
