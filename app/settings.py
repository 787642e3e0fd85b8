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


def get_settings() -> Settings:
    return Settings()
