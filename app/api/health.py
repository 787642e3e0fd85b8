"""Liveness and readiness."""

from __future__ import annotations

import logging
from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.db.migrate import current_revision, head_revision
from app.schemas.common import ErrorRead

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


class LiveRead(BaseModel):
    status: str


class ReadyRead(BaseModel):
    status: str
    revision: str | None


@lru_cache(maxsize=8)
def _head(database_url: str) -> str | None:
    # The migration scripts ship with the code: read them once, not on every probe.
    return head_revision(database_url)


@router.get("/healthz", response_model=LiveRead, summary="Liveness")
async def healthz() -> LiveRead:
    """The process answers; says nothing about the database (that is /readyz). Answered on the
    event loop, without a thread: alive even while every thread is busy."""
    return LiveRead(status="ok")


@router.get(
    "/readyz",
    response_model=ReadyRead,
    responses={503: {"model": ErrorRead, "description": "Not ready; the detail says why"}},
    summary="Readiness: database reachable and migrations at head",
)
def readyz(request: Request) -> JSONResponse:
    """200 when the database answers and its schema is at the migrations' head; 503 naming the
    reason otherwise (unreachable, or the revision in the database and the head)."""
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = current_revision(engine)
    except Exception as exc:  # any driver error means not ready
        return _not_ready(f"database unreachable: {type(exc).__name__}")
    head = _head(request.app.state.settings.database_url)
    if current != head:
        at = f"revision {current}" if current else "no revision (empty database)"
        return _not_ready(f"migrations not at head: the database is at {at}, the head is {head}")
    return JSONResponse({"status": "ready", "revision": current})


def _not_ready(detail: str) -> JSONResponse:
    log.warning("not ready: %s", detail)
    return JSONResponse({"error": "not_ready", "detail": detail}, status_code=503)
