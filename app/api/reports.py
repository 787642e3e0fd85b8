"""Reports for the organization's governance routine."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from app.api.deps import (
    ReadKey,
    SessionDep,
    SettingsDep,
)
from app.api.key_first import v1_router
from app.schemas.common import PageOffset
from app.schemas.reports import MONTH_PATTERN, MonthlyReportRead
from app.services.insights import InsightRules
from app.services.monthly_report import monthly_report

router = v1_router("/v1/reports", "insights")


@router.get("/monthly", response_model=MonthlyReportRead, summary="Monthly usage report")
def get_monthly(
    session: SessionDep,
    principal: ReadKey,
    settings: SettingsDep,
    month: Annotated[
        str, Query(pattern=MONTH_PATTERN, description="The month, YYYY-MM.", examples=["2025-11"])
    ],
    limit: Annotated[int, Query(ge=1, le=5000, description="User x product rows a page.")] = 500,
    offset: Annotated[PageOffset, Query()] = 0,
) -> MonthlyReportRead:
    """The whitepaper's monthly governance facts for one month: tokens by user and product
    (paged) and by product, with totals; users per segment at the month's end and last month's,
    and who moved between segments; the inactive users; the off-hours burn (weekends and the
    organization's weekday public holidays) and short launches. Money at the effective token
    price, as in `GET /v1/insights`."""
    return monthly_report(
        session,
        organization_id=principal.organization_id,
        month=month,
        rules=InsightRules.from_settings(settings),
        limit=limit,
        offset=offset,
    )
