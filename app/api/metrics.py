"""GET /metrics: Prometheus exposition (registered only when TOKENCAST_METRICS_ENABLED)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from app.observability.metrics import CONTENT_TYPE, render

router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
def get_metrics() -> Response:
    """Requests by method, route template and status (count and latency histogram); forecast
    and optimizer durations; usage rows imported. No key needed, and no organization, user or
    id in any label: serve it on the internal network only, or turn it off with
    TOKENCAST_METRICS_ENABLED=false."""
    return Response(render(), media_type=CONTENT_TYPE)
