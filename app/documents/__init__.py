"""Rendering: a Report in, document bytes out (HTML for reading, JSON for systems)."""

from app.documents.html import render_html
from app.documents.json_doc import SCHEMA, render_json

__all__ = ["SCHEMA", "render_html", "render_json"]
