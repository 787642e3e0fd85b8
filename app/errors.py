"""The one table from exception type to HTTP status, and the one error envelope.

Every error reply is `{"error": "<code>", "detail": "<what and where>"}`.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.ingest.records import TooManyRowsError, UsageImportError
from app.observability.context import REQUEST_ID_HEADER
from app.route_match import routes_for_path
from models.errors import (
    InsufficientHistoryError,
    InvalidInputError,
    InvalidPriceBookError,
)

log = logging.getLogger(__name__)


class ServiceError(Exception):
    """An error the service raises on purpose; subclasses fix the status and code."""

    status_code = 400
    code = "bad_request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(ServiceError):
    status_code = 404
    code = "not_found"


class UnauthorizedError(ServiceError):
    status_code = 401
    code = "unauthorized"


class ForbiddenError(ServiceError):
    status_code = 403
    code = "forbidden"


class ConflictError(ServiceError):
    status_code = 409
    code = "conflict"


class UnprocessableError(ServiceError):
    status_code = 422
    code = "unprocessable"


class PayloadTooLargeError(ServiceError):
    status_code = 413
    code = "payload_too_large"


# Domain errors from the core and the importers: (status, code).
DOMAIN_ERRORS: dict[type[Exception], tuple[int, str]] = {
    InsufficientHistoryError: (422, "insufficient_history"),
    InvalidPriceBookError: (422, "invalid_price_book"),
    InvalidInputError: (422, "invalid_input"),
    UsageImportError: (422, "invalid_usage_file"),
    TooManyRowsError: (413, "too_many_rows"),
}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
}


def envelope(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) if parts else "body"


# What a value checked by a regular expression should look like, in words (pydantic's message
# quotes the expression itself).
PATTERN_WORDS = {
    r"^\d{4}-(0[1-9]|1[0-2])$": "a month as YYYY-MM (month 01 to 12), e.g. 2025-11",
    r"^[A-Z]{3}$": "a three-letter ISO 4217 currency code in capitals, e.g. USD",
    r"^[A-Z]{2}$": "a two-letter ISO 3166 country code in capitals, e.g. US",
    r"^[!-~]+$": "visible ASCII characters, no spaces (a UUID, for instance)",
}


def _message(err: Any) -> str:
    msg = str(err.get("msg", "invalid"))
    if err.get("type") == "string_pattern_mismatch":
        words = PATTERN_WORDS.get(str((err.get("ctx") or {}).get("pattern", "")))
        if words is not None:
            got = err.get("input")
            shown = f", got {str(got)[:40]!r}" if isinstance(got, str) else ""
            return f"expected {words}{shown}"
    return msg


def describe_validation(exc: RequestValidationError) -> str:
    messages = []
    for err in exc.errors()[:10]:
        if err.get("type") == "json_invalid":
            # loc is ("body", character offset): say it is the body and what the parser saw
            where = [p for p in err.get("loc", ()) if isinstance(p, int)]
            at = f" at character {where[0]}" if where else ""
            why = (err.get("ctx") or {}).get("error")
            messages.append(f"body: not valid JSON{at}" + (f" ({why})" if why else ""))
            continue
        messages.append(f"{_location(tuple(err.get('loc', ())))}: {_message(err)}")
    return "; ".join(messages)


def _why_unparsed(cause: BaseException | None) -> str:
    """What FastAPI's "There was an error parsing the body" was, in words."""
    if isinstance(cause, UnicodeDecodeError):
        return f"body: not valid UTF-8 (byte {cause.start}); send JSON as UTF-8"
    if isinstance(cause, RecursionError):
        return "body: JSON nested too deeply to read"
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return "body: a number with more than 4,300 digits"
    return "body: could not be read as the content type says"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service(_: Request, exc: ServiceError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return envelope(exc.status_code, exc.code, exc.detail, headers)

    for exc_type, (status, code) in DOMAIN_ERRORS.items():

        async def _domain(
            _: Request, exc: Exception, status: int = status, code: str = code
        ) -> JSONResponse:
            return envelope(status, code, str(exc))

        app.add_exception_handler(exc_type, _domain)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return envelope(422, "validation_error", describe_validation(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "error")
        headers = getattr(exc, "headers", None)
        detail = str(exc.detail)
        if exc.status_code == 400 and detail == "There was an error parsing the body":
            detail = _why_unparsed(exc.__cause__)
        if exc.status_code == 405:
            # every route of the path counts (Starlette's Allow names the first route's only)
            methods = sorted({m for r in routes_for_path(request.scope)
                              for m in getattr(r, "methods", None) or ()} - {"HEAD"})  # fmt: skip
            if methods:
                headers = {**(headers or {}), "Allow": ", ".join(methods)}
                detail = (
                    f"{request.method} is not allowed on this path; it takes {', '.join(methods)}"
                )
        return envelope(exc.status_code, code, detail, headers)

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError) -> JSONResponse:
        # A lock held past LOCK_WAIT_SECONDS: SQLite's "database is locked", PostgreSQL's
        # lock_timeout (55P03). Nothing was written; the caller may retry.
        text = str(exc.orig)
        if "database is locked" in text or getattr(exc.orig, "sqlstate", None) == "55P03":
            detail = (
                "busy: another request holds the lock this one needs (most likely an import: "
                "on PostgreSQL one of this organization's, on SQLite any organization's, as "
                "SQLite has one writer at a time); nothing was changed, retry in a few seconds"
            )
            return envelope(503, "busy", detail, {"Retry-After": "5"})
        return await _unexpected(request, exc)

    @app.exception_handler(UnicodeEncodeError)
    async def _surrogate(request: Request, exc: UnicodeEncodeError) -> JSONResponse:
        # JSON may escape half of a UTF-16 pair ("\ud800") on its own: valid JSON, but not a
        # character, so it cannot be stored; the transaction was rolled back.
        if exc.reason == "surrogates not allowed":
            detail = (
                "body: a text value holds a lone UTF-16 surrogate escape (such as \\ud800), "
                "which is not a character; send the text as UTF-8 or as a complete pair"
            )
            return envelope(422, "validation_error", detail)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = getattr(request.state, "request_id", None) or uuid.uuid4().hex
        log.error(
            "unhandled %s, request_id=%s",
            type(exc).__name__,
            request_id,
            exc_info=exc,
            extra={"request_id": request_id},
        )
        detail = f"unexpected error; request id {request_id}"
        return envelope(500, "internal_error", detail, {REQUEST_ID_HEADER: request_id})
