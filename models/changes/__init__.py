"""Known changes (hiring, leavers, projects, licence mix, rate changes) as scenarios on paths.

Entry points: `build_user_profiles` / `default_profiles` (what the organization's users burn),
`apply_changes` (the adjusted paths and each change's effect).
"""

from models.changes.apply import apply_changes, licence_mix_tokens_per_day
from models.changes.defaults import (
    DEFAULT_DAYS_PER_WEEK,
    PUBLISHED_RATES_TOKENS_PER_DAY,
    day_fractions,
    normalize_product,
)
from models.changes.profiles import (
    SegmentProfile,
    UserProfiles,
    build_user_profiles,
    default_profiles,
)
from models.changes.types import (
    SEGMENTS,
    Change,
    ChangeEffect,
    ChangeResult,
    HeadcountChange,
    LicenceMixChange,
    ProjectChange,
    RateChange,
    Segment,
    describe,
)
from models.changes.usage import UserDailyUsage, usage_from_rows

__all__ = [
    "DEFAULT_DAYS_PER_WEEK",
    "PUBLISHED_RATES_TOKENS_PER_DAY",
    "SEGMENTS",
    "Change",
    "ChangeEffect",
    "ChangeResult",
    "HeadcountChange",
    "LicenceMixChange",
    "ProjectChange",
    "RateChange",
    "Segment",
    "SegmentProfile",
    "UserDailyUsage",
    "UserProfiles",
    "apply_changes",
    "build_user_profiles",
    "day_fractions",
    "default_profiles",
    "describe",
    "licence_mix_tokens_per_day",
    "normalize_product",
    "usage_from_rows",
]
