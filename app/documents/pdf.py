"""The recommendation document as PDF: the very HTML rendering, laid out for print by WeasyPrint.

WeasyPrint turns HTML and CSS into PDF in pure Python over Pango (text) and draws the inline SVG
charts as vectors; the page header and footer are the print stylesheet's margin boxes. The output
is deterministic: the creation date is the document's own (from the HTML's `dcterms.created`),
the file identifier is derived from the document id, and nothing is fetched (any URL is refused),
so the same HTML always gives the same bytes with the same library versions.

WeasyPrint needs Pango at run time (Debian: libpango-1.0-0, libpangoft2-1.0-0) and a font
(fonts-dejavu-core). It is imported on first use, so HTML and JSON work without them.
"""

from __future__ import annotations

import hashlib
import threading
from functools import cache
from typing import Any, NoReturn

PAPERS = {"a4": "A4", "letter": "letter"}
SYSTEM_PACKAGES = ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core")
_LOCK = threading.Lock()


class PdfUnavailableError(RuntimeError):
    """The PDF renderer (WeasyPrint) or the system libraries it needs cannot be loaded."""


class ExternalResourceError(ValueError):
    """The document asked for a resource outside itself; documents are self-contained."""


def render_pdf(html: bytes, *, paper: str, document_id: str) -> bytes:
    """The PDF of an HTML rendering on `paper` ("a4" or "letter")."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {sorted(PAPERS)}, not {paper!r}")
    weasyprint = _weasyprint()
    page = weasyprint.CSS(string=f"@page {{ size: {PAPERS[paper]}; }}")
    document = weasyprint.HTML(string=html.decode("utf-8"), url_fetcher=_refuse)
    identifier = hashlib.sha256(f"tokencast:{document_id}:{paper}".encode()).hexdigest()[:32]
    # WeasyPrint keeps per-process caches (fonts, Pango contexts) that are not thread-safe.
    with _LOCK:
        pdf = document.write_pdf(stylesheets=[page], pdf_identifier=identifier.encode())
    if not isinstance(pdf, bytes):
        raise PdfUnavailableError("the PDF renderer returned no bytes")
    return pdf


def renderer_version() -> str:
    return str(_weasyprint().__version__)


def _refuse(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ExternalResourceError(f"documents are self-contained: refused to fetch {url}")


@cache
def _weasyprint() -> Any:
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's shared libraries are missing
        packages = ", ".join(SYSTEM_PACKAGES)
        raise PdfUnavailableError(
            f"PDF rendering is not available on this server ({error}); it needs the Python "
            f"package weasyprint and the system packages {packages}"
        ) from error
    return weasyprint
