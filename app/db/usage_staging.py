"""Bulk upsert of usage rows through a temporary staging table.

Rows are streamed into a temporary table (PostgreSQL: COPY; SQLite: executemany in chunks) and
summed per (day, user, product) when the file may repeat a key. Then two set-wise statements do
the upsert: an UPDATE of the stored rows whose tokens differ, and an INSERT of the keys not stored
yet; their row counts are the rows replaced and added, the rest are unchanged. All of it runs in
the caller's transaction: until those two statements, nothing but the temporary table is written,
so a bad row anywhere in the stream leaves the stored data as it was.

Tokens travel as integer thousandths (`milli`): every token count has at most three decimals,
and integer sums are exact on both databases, where SQLite would sum floats.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Uuid, bindparam, text

# (line, day, user_key, product, milli-tokens)
StagedRow = tuple[int, date, str, str, int]

CHUNK_ROWS = 20_000
_COLUMNS = "line, day, user_key, product, milli"
# COPY's text format: these four characters are the only ones that need escaping.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_TEXT_CACHE_LIMIT = 100_000


@dataclass(frozen=True)
class StagedTotals:
    """The staged records: how many, their days, and the largest token count (thousandths)."""

    records: int
    first_day: date
    last_day: date
    max_milli: int


class UsageStaging:
    """The staging table of one import on one connection; `drop()` it when done."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._pg = conn.dialect.name == "postgresql"
        schema = "pg_temp" if self._pg else "temp"
        self._staged = f"{schema}.tmp_usage_staged"
        self._merged = f"{schema}.tmp_usage_merged"
        self._records = self._staged
        day, text_type = ("date", "text") if self._pg else ("TEXT", "TEXT")
        for table in (self._staged, self._merged):
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {self._staged} (line BIGINT NOT NULL, "
            f"day {day} NOT NULL, user_key {text_type} NOT NULL, "
            f"product {text_type} NOT NULL, milli BIGINT NOT NULL)"
        )

    def load(self, rows: Iterable[StagedRow]) -> int:
        """Stream the rows in; returns how many there were."""
        return self._copy(rows) if self._pg else self._insert(rows)

    def _copy(self, rows: Iterable[StagedRow]) -> int:
        driver: Any = self._conn.connection.driver_connection  # psycopg.Connection
        text_of: dict[object, str] = {}  # day or name -> its COPY text: the per-row fast path
        n = 0
        sql = f"COPY {self._staged} ({_COLUMNS}) FROM STDIN"
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            buffer: list[str] = []
            for line, day, user, product, milli in rows:
                d = text_of.get(day)
                if d is None:
                    d = _copy_text(text_of, day)
                u = text_of.get(user)
                if u is None:
                    u = _copy_text(text_of, user)
                p = text_of.get(product)
                if p is None:
                    p = _copy_text(text_of, product)
                buffer.append(f"{line}\t{d}\t{u}\t{p}\t{milli}\n")
                if len(buffer) >= CHUNK_ROWS:
                    copy.write("".join(buffer))
                    n += len(buffer)
                    buffer.clear()
            copy.write("".join(buffer))
            n += len(buffer)
        # Temporary tables are never analysed by autovacuum; the plans below need the row count.
        self._conn.exec_driver_sql(f"ANALYZE {self._staged}")
        return n

    def _insert(self, rows: Iterable[StagedRow]) -> int:
        sql = f"INSERT INTO {self._staged} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
        iso: dict[date, str] = {}
        n = 0
        source: Iterator[StagedRow] = iter(rows)
        while chunk := list(islice(source, CHUNK_ROWS)):
            params = []
            for line, day, user, product, milli in chunk:
                d = iso.get(day)
                if d is None:
                    d = iso[day] = day.isoformat()
                params.append((line, d, user, product, milli))
            self._conn.exec_driver_sql(sql, params)
            n += len(chunk)
        return n

    def merge_duplicates(self) -> None:
        """Sum the rows that share a key into one record (the rest of the import reads these)."""
        self._conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE {self._merged} AS "
            "SELECT day, user_key, product, SUM(milli) AS milli, MIN(line) AS line, "
            f"COUNT(*) AS n FROM {self._staged} GROUP BY day, user_key, product"
        )
        if self._pg:
            self._conn.exec_driver_sql(f"ANALYZE {self._merged}")
        self._records = self._merged

    def first_merged_line(self) -> int | None:
        """The earliest line whose key an earlier line already had (after merge_duplicates)."""
        if self._records is not self._merged:
            return None
        (line,) = self._conn.exec_driver_sql(
            f"SELECT MIN(s.line) FROM {self._staged} s JOIN {self._merged} m "
            "ON s.day = m.day AND s.user_key = m.user_key AND s.product = m.product "
            "WHERE m.n > 1 AND s.line > m.line"
        ).one()
        return None if line is None else int(line)

    def first_line_above(self, limit_milli: int) -> int | None:
        """The line of the first record whose summed tokens exceed the limit, if any."""
        (line,) = self._conn.execute(
            text(f"SELECT MIN(line) FROM {self._records} WHERE milli > :limit"),
            {"limit": limit_milli},
        ).one()
        return None if line is None else int(line)

    def totals(self) -> StagedTotals:
        n, first, last, top = self._conn.exec_driver_sql(
            f"SELECT COUNT(*), MIN(day), MAX(day), MAX(milli) FROM {self._records}"
        ).one()
        return StagedTotals(int(n), _day(first), _day(last), int(top or 0))

    def replace_changed(self, organization_id: uuid.UUID, source: str) -> int:
        """Update the stored rows whose tokens differ; returns how many."""
        sql = text(
            f"UPDATE usage_rows SET tokens = {self._tokens('m.milli')}, source = :source "
            f"FROM {self._records} m WHERE usage_rows.organization_id = :org "
            "AND usage_rows.day = m.day AND usage_rows.user_key = m.user_key "
            f"AND usage_rows.product = m.product AND usage_rows.tokens <> {self._tokens('m.milli')}"
        ).bindparams(bindparam("org", type_=Uuid()))
        return self._conn.execute(sql, {"org": organization_id, "source": source}).rowcount

    def insert_new(self, organization_id: uuid.UUID, source: str) -> int:
        """Insert the records with no stored row; returns how many.

        A plain INSERT, not ON CONFLICT: the speculative insertion an upsert makes for every
        row doubles the cost of a large import, and the rows it would resolve were just
        filtered out. A row another transaction stored meanwhile makes the import fail whole.
        """
        sql = text(
            "INSERT INTO usage_rows (organization_id, day, user_key, product, tokens, source) "
            f"SELECT :org, m.day, m.user_key, m.product, {self._tokens('m.milli')}, :source "
            f"FROM {self._records} m WHERE NOT EXISTS (SELECT 1 FROM usage_rows u "
            "WHERE u.organization_id = :org AND u.day = m.day AND u.user_key = m.user_key "
            "AND u.product = m.product)"
        ).bindparams(bindparam("org", type_=Uuid()))
        return self._conn.execute(sql, {"org": organization_id, "source": source}).rowcount

    def drop(self) -> None:
        for table in (self._staged, self._merged):
            self._conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")

    def _tokens(self, milli: str) -> str:
        # Exact on PostgreSQL (NUMERIC); on SQLite the float the ORM itself would store.
        return f"CAST({milli} AS NUMERIC) / 1000" if self._pg else f"{milli} / 1000.0"


def _copy_text(known: dict[object, str], value: date | str) -> str:
    """A day or a name as COPY's text format writes it (remembered, within a bound)."""
    if len(known) >= _TEXT_CACHE_LIMIT:
        known.clear()
    out = value.isoformat() if isinstance(value, date) else value.translate(_COPY_ESCAPES)
    known[value] = out
    return out


def _day(value: object) -> date:
    """A day as the driver returns it (SQLite gives the stored ISO text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value  # type: ignore[return-value]
