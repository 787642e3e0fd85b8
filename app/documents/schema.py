"""The published JSON Schema of the recommendation document's JSON rendering."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

SCHEMA = "tokencast.recommendation-document/1"
SCHEMA_URL = "/v1/schemas/recommendation-document"
SCHEMA_FILE = "recommendation-document.schema.json"
SCHEMA_MEDIA_TYPE = "application/schema+json"


@cache
def schema_bytes() -> bytes:
    """The schema file as shipped in the package (draft 2020-12)."""
    return (resources.files("app.documents") / "schemas" / SCHEMA_FILE).read_bytes()


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_bytes())
    return loaded
