"""Reading stored forecasts for polling: the ETag alone, or the stored JSON text as it is.

Dashboards poll `GET /v1/forecasts/latest` all day. A forecast's row also holds its sample
paths (a compressed array of megabytes), which a poll never needs; and its body is stored as
JSON text, which a poll can send as stored instead of parsing it into objects and writing it out
again. The ETag is stored with the row, so a conditional poll reads nothing else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from app.db.tables import Forecast
from app.errors import NotFoundError

NO_FORECAST = "no forecast yet: create one with POST /v1/forecasts"


@dataclass(frozen=True)
class StoredForecast:
    etag: str
    json_text: str


def latest_etag(session: Session, organization_id: uuid.UUID) -> str:
    query = (
        select(Forecast.etag)
        .where(Forecast.organization_id == organization_id)
        .order_by(Forecast.created_at.desc())
        .limit(1)
    )
    etag = session.execute(query).scalar()
    if etag is None:
        raise NotFoundError(NO_FORECAST)
    return etag


def latest_json(session: Session, organization_id: uuid.UUID) -> StoredForecast:
    query = (
        select(Forecast.etag, cast(Forecast.body, Text))
        .where(Forecast.organization_id == organization_id)
        .order_by(Forecast.created_at.desc())
        .limit(1)
    )
    row = session.execute(query).first()
    if row is None:
        raise NotFoundError(NO_FORECAST)
    return StoredForecast(row[0], row[1])


def forecast_json(
    session: Session, organization_id: uuid.UUID, forecast_id: uuid.UUID
) -> StoredForecast:
    query = select(Forecast.etag, cast(Forecast.body, Text)).where(
        Forecast.id == forecast_id, Forecast.organization_id == organization_id
    )
    row = session.execute(query).first()
    if row is None:
        raise NotFoundError(f"forecast {forecast_id} not found")
    return StoredForecast(row[0], row[1])
