"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.db.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    """Answered on the event loop, without a thread: alive even while every thread is busy."""
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database reachable and migrations at head")
def readyz(request: Request) -> JSONResponse:
    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = current_revision(engine)
    except Exception as exc:  # any driver error means not ready
        return JSONResponse(
            {"error": "not_ready", "detail": f"database unreachable: {type(exc).__name__}"},
            status_code=503,
        )
    head = head_revision(request.app.state.settings.database_url)
    if current != head:
        return JSONResponse(
            {"error": "not_ready", "detail": f"migrations at {current}, head is {head}"},
            status_code=503,
        )
    return JSONResponse({"status": "ready", "revision": current})
