"""The JSON rendering validates against the published schema, which really constrains it; the HTML
passes a strict HTML5 parse."""

from __future__ import annotations

import copy
import json
from typing import Any

import html5lib
import pytest
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from app.documents import render_html, render_json
from app.documents.schema import SCHEMA, SCHEMA_URL, schema
from tests.app.doc_fixtures import sample_report

DOC_ID = "0b6f5a8e-2c1d-4e3f-9a7b-6c5d4e3f2a1b"


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    published = schema()
    Draft202012Validator.check_schema(published)
    return Draft202012Validator(published, format_checker=FormatChecker())


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(render_json(sample_report(), document_id=DOC_ID))
    return loaded


def test_the_document_validates_and_names_its_schema(
    validator: Draft202012Validator, document: dict[str, Any]
) -> None:
    validator.validate(document)
    assert (document["schema"], document["schema_url"]) == (SCHEMA, SCHEMA_URL)
    assert schema()["properties"]["schema"] == {"const": SCHEMA}


def _broken(document: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    copied = copy.deepcopy(document)
    target = copied
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copied


@pytest.mark.parametrize(
    ("path", "value", "complaint"),
    [
        (["decision", "total_price"], 139612.5, "is not of type 'string'"),  # money as a float
        (["decision", "unit_price"], "2,55", "does not match"),
        (["decision", "alternatives", 0, "expected_cost"], "1e5", "does not match"),
        (["decision", "purchase_date"], "01/01/2025", "is not a .date."),
        (["decision", "shortfall_probability"], 1.5, "is greater than the maximum"),
        (["decision", "quantity"], KeyError, "'quantity' is a required property"),
        (["forecast", "surprise"], 1, "Additional properties are not allowed"),
        (["reproducibility", "inputs_sha256"], "abc", "does not match"),
        (["schema"], "tokencast.recommendation-document/2", "was expected"),
        (["usage", "weekdays", 0, "weekday"], "Monday", "is not one of"),
    ],
)
def test_the_schema_refuses_what_a_document_must_not_be(
    validator: Draft202012Validator,
    document: dict[str, Any],
    path: list[str | int],
    value: Any,
    complaint: str,
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        validator.validate(_broken(document, path, value))


def test_the_schema_holds_no_secrets_and_no_remote_references() -> None:
    text = json.dumps(schema())
    assert '"$ref": "#/' in text
    assert all(ref.startswith("#/") for ref in _refs(schema()))
    for word in ("api_key", "password", "secret", "tc_"):
        assert word not in text.lower()


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_html_passes_a_strict_html5_parse() -> None:
    page = render_html(sample_report(), document_id=DOC_ID)
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    tree = parser.parse(page)  # raises on the first parse error
    assert parser.errors == []
    assert len(tree.findall(".//section")) == 7
