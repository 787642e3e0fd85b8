"""The recommendation document as canonical JSON: the report's facts, its id and its schema
(the schema's name and the route that serves it, see `app.documents.schema`).

Canonical means one byte sequence per content (sorted keys, no spaces, UTF-8), so the stored hash
identifies the document. Only JSON values are accepted, and a NaN or infinity is refused with the
place it was found rather than written as the non-JSON token `NaN`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from app.documents.report import Report
from app.documents.schema import SCHEMA, SCHEMA_URL

RESERVED = ("document_id", "schema", "schema_url")


class DocumentValueError(ValueError):
    """A fact cannot be written to the JSON document (NaN, infinity, or not a JSON type)."""


def render_json(report: Report, *, document_id: str) -> bytes:
    clashes = set(RESERVED) & set(report.facts)
    if clashes:
        raise DocumentValueError(f"facts must not define the reserved keys {sorted(clashes)}")
    _check(report.facts, "facts")
    document = {**report.facts, "document_id": document_id, "schema": SCHEMA,
                "schema_url": SCHEMA_URL}  # fmt: skip
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def _check(value: Any, where: str) -> None:
    """Walk the facts and name the first value JSON cannot hold exactly."""
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DocumentValueError(f"{where} is {value!r}: a document cannot hold NaN or inf")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise DocumentValueError(f"{where} has a key {key!r} that is not a string")
            _check(item, f"{where}[{key!r}]")
        return
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check(item, f"{where}[{index}]")
        return
    raise DocumentValueError(
        f"{where} is a {type(value).__name__}, not a JSON value (money as a decimal string, "
        "dates as ISO strings)"
    )
