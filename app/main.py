"""create_app(): the FastAPI application. Importing this module starts nothing."""

from __future__ import annotations

import logging
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
    organizations,
    plan,
    price_books,
    purchases,
    recommendations,
    usage,
)
from app.db.session import build_engine, session_factory
from app.errors import install_error_handlers
from app.services.forecast_polls import ForecastPolls
from app.settings import Settings
from models.forecasting.prophet_model import warm_up

DESCRIPTION = """
tokencast tells an organization how many licence tokens to buy, and proves it.

Every `/v1` route needs `Authorization: Bearer <api key>`; a key belongs to one organization and
only ever sees that organization's data. Money is a decimal string with its currency; dates are
ISO `YYYY-MM-DD`. Errors share one shape: `{"error": "<code>", "detail": "<what and where>"}`.
"""


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)


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
    )
    app.state.settings = settings
    app.state.forecast_polls = ForecastPolls(settings.poll_cache_seconds)
    install_error_handlers(app)
    routers = (
        health,
        organizations,
        balance,
        usage,
        price_books,
        purchases,
        changes,
        plan,
        forecasts,
        recommendations,
        documents,
        backtests,
    )
    for module in routers:
        app.include_router(module.router)
    return app
