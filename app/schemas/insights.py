"""Insights replies: the summary, the findings (one shape per kind), the users and their segments.

`user` is always the stored user key: the normalized e-mail address the export carried, or a
keyed hash when the service runs with TOKENCAST_USER_KEY_SECRET. tokencast stores no names.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool, StringConstraints, model_validator

from app.schemas.changes import ChangeRead
from app.schemas.common import Day, MoneyOut, Name, StrictModel

StoredKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
ProductName = Annotated[
    Name, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]
SegmentName = Literal["power", "regular", "occasional", "inactive"]
FINDING_KINDS = (
    "migration_candidate",
    "inactive_user",
    "dormant_burn",
    "product_selection",
    "off_hours_burn",
    "short_launches",
)
FindingKind = Literal[
    "migration_candidate",
    "inactive_user",
    "dormant_burn",
    "product_selection",
    "off_hours_burn",
    "short_launches",
]
UserKey = Annotated[
    str,
    Field(description="The stored user key (normalized e-mail, or a keyed hash)."),
]
TokenCount = Annotated[float, Field(description="Tokens, rounded to 3 decimals.")]
MaybeMoney = Annotated[
    MoneyOut | None, Field(description="Tokens x the effective token price; null without a price.")
]


class WindowRead(BaseModel):
    first_day: date
    last_day: date = Field(description="The as-of day the insights are computed for.")
    days: int


class ThresholdsRead(BaseModel):
    power_days_per_week: float
    occasional_days_per_year: float
    inactive_after_days: int
    sustained_days_per_week: int
    window_days: int


class TokenPriceRead(BaseModel):
    unit_price: MoneyOut
    currency: str
    source: Literal["price_book", "latest_purchase"]
    explanation: str


class SegmentCounts(BaseModel):
    power: int
    regular: int
    occasional: int
    inactive: int


class BreakEvenRead(BaseModel):
    product: str
    named_user_price: MoneyOut
    tokens_per_day: float = Field(description="The window's median tokens per user-day used.")
    break_even_days_per_year: float = Field(
        description="Days of use a year above which the subscription costs less than Flex."
    )


class HolidayBurn(BaseModel):
    date: date
    tokens: TokenCount


class OffHoursRead(BaseModel):
    total_tokens: TokenCount = Field(description="All the window's tokens.")
    weekend_tokens: TokenCount
    holiday_tokens: TokenCount = Field(description="Public holidays on Monday to Friday.")
    off_hours_tokens: TokenCount
    share: float = Field(description="Off-hours tokens over all tokens, 0 to 1.")
    value: MaybeMoney
    holidays: list[HolidayBurn] = Field(description="Each weekday public holiday in the window.")


class InsightSummary(BaseModel):
    users: int = Field(description="Users with at least one row in the window.")
    segments: SegmentCounts
    tokens: TokenCount = Field(description="All tokens in the window, with or without a user.")
    migration_candidates: int = Field(description="User x product pairs cheaper on named user.")
    migration_users: int
    annual_flex_cost_of_candidates: MaybeMoney
    annual_named_user_cost: MaybeMoney
    annual_saving_if_moved: MaybeMoney
    break_evens: list[BreakEvenRead]
    inactive_users: int
    dormant_users: int
    dormant_tokens: TokenCount
    dormant_value: MaybeMoney
    product_selection_users: int
    product_selection_excess_tokens: TokenCount
    product_selection_value: MaybeMoney
    short_launches: int = Field(description="Rows of 0 tokens (launches under five minutes).")
    users_with_short_launches: int
    off_hours: OffHoursRead


class MigrationCandidate(BaseModel):
    kind: Literal["migration_candidate"] = "migration_candidate"
    user: UserKey
    product: str
    segment: SegmentName
    days_used: int = Field(description="Days used on the product in the window.")
    annual_days: float = Field(description="Days used scaled to a year.")
    tokens: TokenCount
    annual_flex_cost: MoneyOut
    named_user_price: MoneyOut
    break_even_days_per_year: float
    annual_saving: MoneyOut


class InactiveUser(BaseModel):
    kind: Literal["inactive_user"] = "inactive_user"
    user: UserKey
    last_use: date | None = Field(description="Last day used in the window; null if none.")
    days_since_last_use: int | None
    days_used: int
    tokens: TokenCount


class DormantBurnFinding(BaseModel):
    kind: Literal["dormant_burn"] = "dormant_burn"
    user: UserKey
    segment: SegmentName
    last_real_use: date
    days_since_real_use: int
    burn_days: int = Field(description="Days used after the last real use.")
    tokens: TokenCount
    value: MaybeMoney


class ProductSelectionFinding(BaseModel):
    kind: Literal["product_selection"] = "product_selection"
    user: UserKey
    product: str
    product_rate: float
    cheaper_product: str
    cheaper_rate: float
    days: int = Field(description="Days on `product` without `cheaper_product` the same day.")
    tokens: TokenCount
    excess_tokens: TokenCount = Field(description="Tokens above the cheaper product's rate.")
    value: MaybeMoney = Field(description="The excess tokens' value.")


class OffHoursFinding(BaseModel):
    kind: Literal["off_hours_burn"] = "off_hours_burn"
    user: UserKey
    segment: SegmentName
    weekend_tokens: TokenCount
    holiday_tokens: TokenCount
    off_days: int = Field(description="Days used that were a weekend or a weekday holiday.")
    value: MaybeMoney


class ShortLaunchesFinding(BaseModel):
    kind: Literal["short_launches"] = "short_launches"
    user: UserKey
    product: str
    short_launches: int
    days_used: int


Finding = Annotated[
    MigrationCandidate
    | InactiveUser
    | DormantBurnFinding
    | ProductSelectionFinding
    | OffHoursFinding
    | ShortLaunchesFinding,
    Field(discriminator="kind"),
]


class InsightsRead(BaseModel):
    as_of: date
    window: WindowRead
    thresholds: ThresholdsRead
    country: str | None = Field(description="Whose public holidays count as off-hours.")
    token_price: TokenPriceRead | None
    summary: InsightSummary
    findings: list[Finding] = Field(
        description="In the order of `kind` (migration candidates first), then by money or "
        "tokens, largest first."
    )
    total: int = Field(description="Findings in all (after the `kind` filter).")
    limit: int
    offset: int
    notes: list[str]


class UserInsightRead(BaseModel):
    user: UserKey
    segment: SegmentName
    days_used: int
    days_per_week: float
    last_use: date | None
    days_since_last_use: int | None
    tokens: TokenCount
    short_launches: int
    products: list[str] = Field(description="Products used (charged) in the window.")


class UserInsightsRead(BaseModel):
    as_of: date
    window: WindowRead
    users: list[UserInsightRead]
    total: int
    limit: int
    offset: int


class InsightsApply(StrictModel):
    """Which migration candidates move to named-user subscriptions."""

    users: list[StoredKey] | None = Field(
        default=None,
        min_length=1,
        max_length=10_000,
        description="Stored user keys, as GET /v1/insights shows them; each must be a "
        "migration candidate. Give this or all_candidates.",
    )
    all_candidates: StrictBool = Field(default=False, description="Move every migration candidate.")
    products: list[ProductName] | None = Field(
        default=None,
        min_length=1,
        max_length=50,
        description="Only candidates on these products (default: every product).",
    )
    start: Day | None = Field(
        default=None, description="When the subscriptions start; default: the day after as_of."
    )
    as_of: Day | None = Field(
        default=None, description="The insights' as-of day; default: the last day with usage."
    )

    @model_validator(mode="after")
    def _one_choice(self) -> InsightsApply:
        if (self.users is None) == (not self.all_candidates):
            raise ValueError("give users, or all_candidates: true (not both)")
        return self


class MoveRead(BaseModel):
    user: UserKey
    product: str
    annual_flex_cost: MoneyOut
    named_user_price: MoneyOut
    annual_saving: MoneyOut


class InsightsApplied(BaseModel):
    changes: list[ChangeRead] = Field(description="The licence-mix changes made, one a product.")
    moves: list[MoveRead]
    already_covered: int = Field(
        description="Chosen pairs a live licence-mix change already moved; left alone."
    )
    currency: str
    annual_flex_cost: MoneyOut
    annual_named_user_cost: MoneyOut
    annual_saving: MoneyOut
    start: date
