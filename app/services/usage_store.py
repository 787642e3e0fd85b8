"""Storing usage: any number of parsed rows, all or nothing, idempotently.

The rows stream into the database's staging table (app.db.usage_staging) as they are parsed, so
memory stays flat however long the file; rows for the same (day, user, product) are summed there,
and a stored row with the same key is replaced only when its tokens differ, so importing the same
data twice changes nothing. Everything runs inside the caller's transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.usage_staging import StagedRow, UsageStaging
from app.errors import ConflictError, UnprocessableError
from app.ingest.records import UsageRecord
from app.ingest.stream import ParsedRow
from app.limits import MAX_NAME, MAX_TOKENS_PER_ROW, has_control_characters

USER_KEY_LENGTH = 320
_MILLI_LIMIT = int(MAX_TOKENS_PER_ROW) * 1000
_CHECKED_CACHE_LIMIT = 10_000


@dataclass(frozen=True)
class StoreResult:
    added: int
    replaced: int
    unchanged: int
    merged: int
    first_day: date
    last_day: date
    first_merged_line: int | None = None


def store_records(
    session: Session, *, organization_id: uuid.UUID, records: Sequence[UsageRecord], source: str
) -> StoreResult:
    """Upsert records by (day, user, product) (see store_rows)."""
    rows = ((r.line, r.day, r.user_key, r.product, r.tokens) for r in records)
    return store_rows(session, organization_id=organization_id, rows=rows, source=source)


def store_rows(
    session: Session, *, organization_id: uuid.UUID, rows: Iterable[ParsedRow], source: str
) -> StoreResult:
    """Upsert rows by (day, user, product), summing rows that share a key.

    `rows` is consumed once, as it comes; an error it raises (a bad line of a file) propagates
    before anything is stored.
    """
    staging = UsageStaging(session.connection())
    guard = _Guard()
    n_rows = staging.load(guard.rows(rows))
    if n_rows == 0:
        raise UnprocessableError("no usage records to store")
    if guard.maybe_repeated:
        staging.merge_duplicates()
    totals = staging.totals()
    if totals.max_milli > _MILLI_LIMIT:
        line = staging.first_line_above(_MILLI_LIMIT)
        raise UnprocessableError(
            f"{_where(line or 0)}: tokens above {MAX_TOKENS_PER_ROW:,} once the rows for the "
            "same day, user and product are summed"
        )
    merged = n_rows - totals.records
    first_merged = staging.first_merged_line() if merged else None
    replaced = staging.replace_changed(organization_id, source)
    try:
        added = staging.insert_new(organization_id, source)
    except IntegrityError:
        raise ConflictError(
            "another import stored usage for the same days while this one ran; nothing from "
            "this one was stored: send it again"
        ) from None
    staging.drop()
    return StoreResult(
        added=added,
        replaced=replaced,
        unchanged=totals.records - added - replaced,
        merged=merged,
        first_day=totals.first_day,
        last_day=totals.last_day,
        first_merged_line=first_merged,
    )


class _Guard:
    """The last guard before the columns (every import path ends here), on the way to staging.

    Per row: user and product fit their columns, tokens become exact thousandths. It also
    watches whether two rows may share a key, so the summing pass runs only when it can matter:
    a set of the keys' hashes, where distinct hashes prove distinct keys and a repeat (a real
    duplicate or, rarely, a collision) asks the database to sum. About 70 bytes a row, dropped
    at the first repeat.
    """

    def __init__(self) -> None:
        self.maybe_repeated = False

    def rows(self, rows: Iterable[ParsedRow]) -> Iterator[StagedRow]:
        products: set[str] = set()
        milli_of: dict[Decimal, int] = {}
        seen: set[int] = set()
        repeated = False
        for line, day, user, product, tokens in rows:
            if len(user) > USER_KEY_LENGTH:
                raise UnprocessableError(
                    f"{_where(line)}: user is longer than {USER_KEY_LENGTH} characters"
                )
            if product not in products:
                _check_product(product, line)
                _bounded_add(products, product)
            milli = milli_of.get(tokens)
            if milli is None:
                milli = milli_of[tokens] = _milli(tokens, line)
            if not repeated:
                key_hash = hash((day, user, product))
                if key_hash in seen:
                    repeated = self.maybe_repeated = True
                    seen.clear()
                else:
                    seen.add(key_hash)
            yield line, day, user, product, milli


def _check_product(product: str, line: int) -> None:
    if len(product) > MAX_NAME or has_control_characters(product):
        raise UnprocessableError(
            f"{_where(line)}: product must be at most {MAX_NAME} characters, without control "
            "characters"
        )


def _milli(tokens: Decimal, line: int) -> int:
    milli = tokens * 1000
    as_int = int(milli)
    if as_int != milli or not 0 <= as_int <= _MILLI_LIMIT:
        raise UnprocessableError(
            f"{_where(line)}: tokens must be from 0 to {MAX_TOKENS_PER_ROW:,} with at most 3 "
            "decimals"
        )
    return as_int


def _bounded_add(known: set[str], value: str) -> None:
    if len(known) >= _CHECKED_CACHE_LIMIT:
        known.clear()
    known.add(value)


def _where(line: int) -> str:
    return f"record at line {line}" if line else "record"
