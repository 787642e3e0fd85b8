"""The recommendation document as a self-contained HTML5 page: a Report in, UTF-8 bytes out."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from app.documents.context import build_context
from app.documents.report import Report

TEMPLATE = "recommendation.html"


def render_html(report: Report, *, document_id: str, facts_sha256: str | None = None) -> bytes:
    """Render the document; the same Report and id always give the same bytes.

    `facts_sha256`, the hash of the JSON rendering, is printed in the footer so a filed copy of
    the HTML can be checked against the facts of record.
    """
    context = build_context(report, document_id=document_id, facts_sha256=facts_sha256)
    page = _environment().get_template(TEMPLATE).render(context)
    return page.encode("utf-8")


@cache
def _environment() -> Environment:
    # The context is built in Python with every value present, so an unknown name in the template
    # is a bug in the template: StrictUndefined makes it fail loudly instead of printing nothing.
    return Environment(
        loader=PackageLoader("app.documents", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
