"""Known changes: requests, stored bodies and replies, and their conversion to the core's types.

Three families, one per kind each:
- `ChangeCreate`: what `POST /v1/changes` (and `/v1/plan`) accept;
- `StoredChange`: what is kept in `known_changes.body` (licence-mix users as user keys, never
  e-mail addresses);
- `ChangeRead`: a stored change with its id and creation time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    TypeAdapter,
    field_validator,
    model_validator,
)

from app.schemas.common import Day, Name, StrictModel
from models.changes import (
    HeadcountChange,
    LicenceMixChange,
    ProjectChange,
    RateChange,
)

KINDS = ("headcount", "project", "licence_mix", "rate_change")
SegmentName = Literal["power", "regular", "occasional"]
Product = Annotated[Name, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
UserRef = Annotated[Name, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
Label = Annotated[
    Name,
    StringConstraints(strip_whitespace=True, max_length=200),
    Field(description="A short name for the change; default: a generated description."),
]
DaysPerWeek = Annotated[float, Field(gt=0, le=7, description="Days of use a week, above 0 to 7.")]


class HeadcountCreate(StrictModel):
    """From `start`, `users` people join (+N) or leave (-N), with a usage profile: a segment of
    the organization's own users, or explicit products and days a week."""

    kind: Literal["headcount"]
    label: Label = ""
    start: Day
    users: int = Field(ge=-100_000, le=100_000, description="+N join, -N leave; not 0.")
    profile: SegmentName | None = Field(
        default=None, description="Use like the organization's power, regular or occasional users."
    )
    products: list[Product] | None = Field(default=None, min_length=1, max_length=50)
    days_per_week: DaysPerWeek | None = None

    @field_validator("users")
    @classmethod
    def _not_zero(cls, users: int) -> int:
        if users == 0:
            raise ValueError("must not be 0: +N join, -N leave")
        return users

    @model_validator(mode="after")
    def _one_profile(self) -> HeadcountCreate:
        explicit = self.products is not None or self.days_per_week is not None
        if (self.profile is None) == (not explicit):
            raise ValueError("give either profile, or products with days_per_week (not both)")
        if explicit and (self.products is None or self.days_per_week is None):
            raise ValueError("products and days_per_week go together: give both")
        return self

    def to_core(self, change_id: str = "") -> HeadcountChange:
        return HeadcountChange(
            start=self.start,
            users=self.users,
            profile=self.profile,
            products=tuple(self.products or ()),
            days_per_week=self.days_per_week,
            label=self.label,
            change_id=change_id,
        )


class ProjectCreate(StrictModel):
    """A project in the pipeline: on each forecast path it happens with `win_probability`."""

    kind: Literal["project"]
    name: Annotated[Name, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    start: Day
    end: Day = Field(description="Last day of the project (inclusive).")
    team_size: int = Field(ge=1, le=100_000)
    products: list[Product] = Field(min_length=1, max_length=50)

    @field_validator("products")
    @classmethod
    def _distinct_products(cls, products: list[str]) -> list[str]:
        # The same product twice would price the team's days twice.
        return list(dict.fromkeys(products))

    days_per_week: DaysPerWeek
    win_probability: float = Field(ge=0, le=1, description="Chance the project happens, 0 to 1.")

    @model_validator(mode="after")
    def _ends_after_start(self) -> ProjectCreate:
        if self.end < self.start:
            raise ValueError("end must be on or after start")
        return self

    def to_core(self, change_id: str = "") -> ProjectChange:
        return ProjectChange(
            name=self.name,
            start=self.start,
            end=self.end,
            team_size=self.team_size,
            products=tuple(self.products),
            days_per_week=self.days_per_week,
            win_probability=self.win_probability,
            change_id=change_id,
        )


class SegmentUsers(StrictModel):
    segment: SegmentName
    users: int = Field(ge=1, le=100_000)


def _one_group(users: object, users_of_segment: object, field: str) -> None:
    if (users is None) == (users_of_segment is None):
        raise ValueError(f"give either {field} or users_of_segment (not both)")


MixProducts = Annotated[
    list[Product] | None,
    Field(
        default=None,
        min_length=1,
        max_length=50,
        description="With named users only: the subscriptions cover these products, and the "
        "users go on burning tokens on their others (a hybrid model). Default: all products.",
    ),
]


def _products_with_users(users: object, products: list[str] | None, field: str) -> None:
    if products is not None and users is None:
        raise ValueError(f"products go with {field}, not with users_of_segment")


class LicenceMixCreate(StrictModel):
    """From `start`, users move to named-user subscriptions and stop burning tokens: named
    `users` (as in the usage records: e-mail or id), or N typical users of a segment."""

    kind: Literal["licence_mix"]
    label: Label = ""
    start: Day
    users: list[UserRef] | None = Field(default=None, min_length=1, max_length=10_000)
    users_of_segment: SegmentUsers | None = None
    products: MixProducts = None

    @model_validator(mode="after")
    def _one_group(self) -> LicenceMixCreate:
        _one_group(self.users, self.users_of_segment, "users")
        _products_with_users(self.users, self.products, "users")
        return self

    def stored(self, user_key: Callable[[str], str]) -> LicenceMixStored:
        keys = None if self.users is None else sorted({user_key(u) for u in self.users})
        return LicenceMixStored(
            kind="licence_mix",
            label=self.label,
            start=self.start,
            user_keys=keys,
            users_of_segment=self.users_of_segment,
            products=None if self.products is None else list(dict.fromkeys(self.products)),
        )


class LicenceMixStored(StrictModel):
    kind: Literal["licence_mix"]
    label: Label = ""
    start: Day
    user_keys: list[str] | None = Field(
        default=None,
        description="The users' stable keys (a keyed hash where the organization "
        "asks for one), as the usage is stored.",
    )
    users_of_segment: SegmentUsers | None = None
    products: MixProducts = None

    @model_validator(mode="after")
    def _one_group(self) -> LicenceMixStored:
        _one_group(self.user_keys, self.users_of_segment, "user_keys")
        _products_with_users(self.user_keys, self.products, "user_keys")
        return self

    def to_core(self, change_id: str = "") -> LicenceMixChange:
        group = self.users_of_segment
        return LicenceMixChange(
            start=self.start,
            user_keys=None if self.user_keys is None else tuple(self.user_keys),
            users_of_segment=None if group is None else (group.segment, group.users),
            label=self.label,
            change_id=change_id,
            products=tuple(self.products or ()),
        )


class RateChangeCreate(StrictModel):
    """From `start`, `product` costs `tokens_per_day` per user per day of use."""

    kind: Literal["rate_change"]
    label: Label = ""
    start: Day
    product: Product
    tokens_per_day: float = Field(ge=0, le=10_000, description="The new daily rate, tokens.")

    def to_core(self, change_id: str = "") -> RateChange:
        return RateChange(
            start=self.start,
            product=self.product,
            tokens_per_day=self.tokens_per_day,
            label=self.label,
            change_id=change_id,
        )


def _kind(value: Any) -> str | None:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return kind if kind in KINDS else None


def _by_kind(custom_error_message: str) -> Discriminator:
    return Discriminator(
        _kind, custom_error_type="invalid_kind", custom_error_message=custom_error_message
    )


_KIND_ERROR = "kind: must be one of 'headcount', 'project', 'licence_mix', 'rate_change'"

ChangeCreate = Annotated[
    Annotated[HeadcountCreate, Tag("headcount")]
    | Annotated[ProjectCreate, Tag("project")]
    | Annotated[LicenceMixCreate, Tag("licence_mix")]
    | Annotated[RateChangeCreate, Tag("rate_change")],
    _by_kind(_KIND_ERROR),
]

StoredChange = Annotated[
    Annotated[HeadcountCreate, Tag("headcount")]
    | Annotated[ProjectCreate, Tag("project")]
    | Annotated[LicenceMixStored, Tag("licence_mix")]
    | Annotated[RateChangeCreate, Tag("rate_change")],
    _by_kind(_KIND_ERROR),
]

STORED_CHANGE: TypeAdapter[StoredChange] = TypeAdapter(StoredChange)


class _Saved(BaseModel):
    id: uuid.UUID
    created_at: datetime


class HeadcountRead(HeadcountCreate, _Saved):
    pass


class ProjectRead(ProjectCreate, _Saved):
    pass


class LicenceMixRead(LicenceMixStored, _Saved):
    pass


class RateChangeRead(RateChangeCreate, _Saved):
    pass


ChangeRead = Annotated[
    HeadcountRead | ProjectRead | LicenceMixRead | RateChangeRead, Field(discriminator="kind")
]


class ChangeList(BaseModel):
    changes: list[ChangeRead]
    total: int
    limit: int
    offset: int
