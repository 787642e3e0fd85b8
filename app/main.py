"""create_app(): the FastAPI application. Importing this module starts nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api import (
    backtests,
    balance,
    changes,
    documents,
    forecasts,
    health,
    insights,
    keys,
    metrics,
    named_user_prices,
    organizations,
    plan,
    price_books,
    purchases,
    recommendations,
    reports,
    schemas,
    usage,
)
from app.api.body_limit import BodyLimitMiddleware
from app.api.idempotency import IdempotencyMiddleware, document_idempotency
from app.db.session import build_engine, session_factory
from app.errors import install_error_handlers
from app.observability import logs
from app.observability.middleware import ObservabilityMiddleware
from app.services.forecast_polls import ForecastPolls
from app.settings import Settings
from models.forecasting.prophet_model import warm_up

DESCRIPTION = """
tokencast tells an organization how many licence tokens to buy, and proves it.

Every `/v1` route needs `Authorization: Bearer <api key>`; a key belongs to one organization and
only ever sees that organization's data. Money is a decimal string with its currency; dates are
ISO `YYYY-MM-DD`. Errors share one shape: `{"error": "<code>", "detail": "<what and where>"}`.

Every write (POST, PUT, PATCH, DELETE) accepts an `Idempotency-Key` header, per API key: a
retry by the same API key with the same key, path and body gets the first successful reply again
(header `Idempotent-Replayed`); the key with another request, or while its first request still
runs, answers 409. A reply holding a secret (`POST /v1/keys`) is not kept: its retry answers 409.
"""


def configure_logging(level: str, fmt: str = "json") -> None:
    logs.configure_logging(level, "text" if fmt == "text" else "json")


def server_app() -> FastAPI:
    """The factory for servers that start the app themselves, once per worker process
    (`uvicorn --factory app.main:server_app --workers N`): settings, logging, then the app."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warm_up()
        engine = build_engine(settings.database_url)
        app.state.engine = engine
        app.state.session_factory = session_factory(engine)
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="tokencast",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # "/v1/forecasts/" is not "/v1/forecasts": a 404 naming nothing hidden, not a 307 the
        # schema does not list (and a redirect a POST body would not survive).
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.forecast_polls = ForecastPolls(settings.poll_cache_seconds)
    install_error_handlers(app)
    # Requests are matched against the routes in this order: the polled routes first (matching
    # the polling route last took a sixth of a poll's CPU).
    routers = (
        health,
        forecasts,
        organizations,
        balance,
        usage,
        price_books,
        purchases,
        changes,
        plan,
        recommendations,
        documents,
        schemas,
        backtests,
        named_user_prices,
        insights,
        reports,
        keys,
    )
    for module in routers:
        app.include_router(module.router)
    app.add_middleware(IdempotencyMiddleware)
    if settings.metrics_enabled:
        app.include_router(metrics.router)
    # The last added runs first: the request id must be set before the body limit can answer.
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        upload_paths=usage.UPLOAD_PATHS,
    )
    app.add_middleware(
        ObservabilityMiddleware,
        record_metrics=settings.metrics_enabled,
        access_log=settings.access_log,
    )
    document_idempotency(app)
    return app
