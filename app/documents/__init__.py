"""Rendering: a Report in, document bytes out (HTML for reading, PDF for filing, JSON for
systems)."""

from app.documents.html import render_html
from app.documents.json_doc import render_json
from app.documents.pdf import render_pdf
from app.documents.schema import SCHEMA

__all__ = ["SCHEMA", "render_html", "render_json", "render_pdf"]
