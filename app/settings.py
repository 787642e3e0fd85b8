"""Settings from the environment (prefix TOKENCAST_), read once and passed in."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOKENCAST_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./tokencast.db",
        description="SQLAlchemy URL. Default: a SQLite file in the working directory. "
        "PostgreSQL: postgresql+psycopg://user@host:5432/db",
    )
    forecast_paths: int = Field(default=1000, ge=100, le=20000)
    max_horizon_days: int = Field(default=730, ge=30, le=3650)
    max_upload_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    user_key_secret: str | None = Field(
        default=None,
        description="When set, user e-mails are stored as a keyed hash (HMAC-SHA256) "
        "instead of the normalized address.",
    )
    log_level: str = "INFO"
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


def get_settings() -> Settings:
    return Settings()
