"""Settings from the environment (prefix TOKENCAST_), read once and passed in."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOKENCAST_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./tokencast.db",
        description="SQLAlchemy URL. Default: a SQLite file in the working directory. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/db",
    )
    forecast_paths: int = Field(default=1000, ge=100, le=20000)
    max_forecast_paths: int = Field(
        default=5000,
        ge=100,
        le=20000,
        description="Most sample paths a request may ask for (a forecast's n_paths, a backtest's).",
    )
    max_horizon_days: int = Field(default=730, ge=30, le=3650)
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    max_body_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="Largest request body of any route but file uploads (which take "
        "max_upload_bytes); checked against Content-Length and against the bytes streamed.",
    )
    max_import_rows: int = Field(
        default=1_000_000,
        ge=1,
        description="Most data rows one import takes: a file's rows, or the records of one "
        "JSON request.",
    )
    metrics_enabled: bool = Field(
        default=True,
        description="Serve Prometheus metrics at GET /metrics (unauthenticated: keep it off the "
        "public network).",
    )
    user_key_secret: str | None = Field(
        default=None,
        description="When set, user e-mails are stored as a keyed hash (HMAC-SHA256) "
        "instead of the normalized address.",
    )
    idempotency_ttl_seconds: int = Field(
        default=24 * 3600,
        ge=60,
        le=30 * 24 * 3600,
        description="How long the reply to a write sent with an Idempotency-Key is kept.",
    )
    log_level: str = "INFO"
    segment_power_days_per_week: float = Field(
        default=4.0,
        gt=0,
        le=7,
        description="Insights: a power user uses a product on at least this many days a week "
        "on average over the window.",
    )
    segment_occasional_days_per_year: float = Field(
        default=40.0,
        gt=0,
        le=366,
        description="Insights: an occasional user uses products on fewer days a year than this.",
    )
    segment_inactive_after_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Insights: a user with no day used in this many days up to as_of is "
        "inactive; burn this long after a user's last real use is dormant burn.",
    )
    insights_window_days: int = Field(
        default=365,
        ge=28,
        le=1095,
        description="Insights: the trailing window (days, ending on as_of) users are judged on.",
    )
    insights_sustained_days_per_week: int = Field(
        default=2,
        ge=1,
        le=7,
        description="Insights: real use is a day used inside a week with at least this many "
        "days used (isolated days after the last one are dormant burn).",
    )
    access_log: bool = Field(
        default=True,
        description="One INFO line per request (method, route template, status, duration); "
        "off when a proxy in front logs requests already.",
    )
    log_format: Literal["json", "text"] = Field(
        default="json", description="json: one JSON object per line; text: for a terminal."
    )

    @model_validator(mode="after")
    def _paths_within_limit(self) -> Settings:
        if self.forecast_paths > self.max_forecast_paths:
            raise ValueError(
                f"forecast_paths ({self.forecast_paths}) exceeds max_forecast_paths "
                f"({self.max_forecast_paths})"
            )
        return self

    poll_cache_seconds: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description="How long GET /v1/forecasts/latest may reuse a key lookup and the latest "
        "forecast in memory (per worker process); 0: never.",
    )
    workers: int = Field(
        default=1, ge=1, le=64, description="uvicorn worker processes for `tokencast serve`"
    )
    switch_interval_ms: float = Field(
        default=0.2,
        gt=0,
        le=100,
        description="How long, in milliseconds, one thread of a serving process may run before "
        "another waiting for the interpreter lock gets it (Python's default is 5). An import "
        "parsing in one thread otherwise holds up every request in flight for about that long "
        "at each step of the event loop: behind 100,000-row imports, polls' p99 was 306 ms at 5, "
        "60 ms at 0.5 and 15 ms at 0.2.",
    )


def get_settings() -> Settings:
    return Settings()
