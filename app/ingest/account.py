"""Autodesk Account token usage export: one row per user x product x day used.

Two spellings of the columns exist (the 2026 names and the older snake_case set); both go through
the same reader. Only the e-mail is read to identify a user, and it goes straight through the
caller's `user_key`: names and raw e-mails never reach a record. With the team's personal-data
setting off, the export masks e-mails (`*****`); the row is then keyed by `hashed_autodesk_id`
when the file has it, and kept without a user otherwise (its tokens still count for the day).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.ingest.spec import CachedUserKey, FormatSpec, Parsed, ReaderContext, RowReader
from app.ingest.values import parse_day, parse_tokens, required_text

_HASHED_ID = ("hashed_autodesk_id", "Hashed Autodesk ID")


def _usable(value: object) -> str:
    """The identifier in a cell, or "" when it is empty or masked."""
    text = "" if value is None else str(value).strip()
    return "" if not text.strip("*") else text


class _Identify:
    """Row -> user key: the e-mail, else the hashed Autodesk ID, else "" (counted)."""

    def __init__(self, user_key: CachedUserKey, i_email: int, i_hashed: int | None) -> None:
        self._user_key, self._i_email, self._i_hashed = user_key, i_email, i_hashed
        self._known: dict[object, str] = {}  # raw e-mail cell -> key: the per-row fast path
        self.anonymous = 0

    def __call__(self, row: Sequence[object]) -> str:
        raw = row[self._i_email]
        key = self._known.get(raw)
        if key is not None:
            return key
        ident = _usable(raw)
        if ident:
            key = self._known[raw] = self._user_key(ident)
            return key
        ident = _usable(row[self._i_hashed]) if self._i_hashed is not None else ""
        if ident:
            return self._user_key(ident)
        self.anonymous += 1
        return ""

    def note(self) -> str | None:
        if not self.anonymous:
            return None
        return (
            f"{self.anonymous} row(s) have no usable e-mail (empty or masked by the export's "
            "personal-data setting) and no hashed Autodesk ID; they were kept without a user"
        )


def _make_reader(
    email: str, product: str, day: str, tokens: str
) -> Callable[[ReaderContext], RowReader]:
    def make(ctx: ReaderContext) -> RowReader:
        cols = ctx.columns
        i_product, f_product = cols.index(product), cols.written(product)
        i_day, f_day = cols.index(day), cols.written(day)
        i_tokens, f_tokens = cols.index(tokens), cols.written(tokens)
        identify = _Identify(ctx.user_key, cols.index(email), cols.find(*_HASHED_ID))
        ctx.late_notes.append(identify.note)

        def read(row: Sequence[object], line: int) -> Parsed:
            when = parse_day(row[i_day], line=line, field=f_day)
            name = required_text(row[i_product], line=line, field=f_product)
            used = parse_tokens(row[i_tokens], line=line, field=f_tokens)
            return line, when, identify(row), name, used

        return read

    return make


_MERGE_REASON = "the same user, product and day appear on more than one row"

SPEC_2026 = FormatSpec(
    name="autodesk-account-2026",
    title="Autodesk Account token usage export (2026 columns)",
    required=("Email", "Product", "Day used", "Tokens used"),
    optional=("Team", "First name", "Last name", "Feature"),
    make_reader=_make_reader("Email", "Product", "Day used", "Tokens used"),
    merge_reason=_MERGE_REASON,
)

SPEC_LEGACY = FormatSpec(
    name="autodesk-account-legacy",
    title="Autodesk Account token usage export (snake_case columns)",
    required=("email", "product_name", "day_used", "tokens_used"),
    optional=(
        "team_alias",
        "first_name",
        "last_name",
        "autodesk_id",
        "hashed_autodesk_id",
        "offering_name",
        "version",
        "access_option",
        "usage_type",
        "account_status",
        "plan",
    ),
    make_reader=_make_reader("email", "product_name", "day_used", "tokens_used"),
    merge_reason=_MERGE_REASON,
)
