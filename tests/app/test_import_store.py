"""Bulk file imports through the staging table: all or nothing, exact counts, exact sums.

Every test runs on SQLite and, with TOKENCAST_TEST_POSTGRES_URL set, on PostgreSQL (COPY).
The staging table's chunk size is shrunk so a few dozen rows already cross many chunks, as a
million-row file does.
"""

from __future__ import annotations

import io
import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import usage_staging
from app.db.tables import UsageRow
from app.errors import UnprocessableError
from app.ingest import UsageImportError
from app.schemas.usage import UsageImportRead
from app.services.imports import import_file
from tests.app.helpers import assert_error, strict_json
from tests.conftest import Org

HEADER = "date,user,product,tokens\n"
Stored = dict[tuple[date, str, str], Decimal]


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(usage_staging, "CHUNK_ROWS", 7)


def grid(days: range, users: int, tokens: int = 7, product: str = "AutoCAD") -> str:
    """One row per day and user, in day order, on 2025-01-<day>."""
    return "".join(f"2025-01-{d:02d},u{u},{product},{tokens}\n" for d in days for u in range(users))


def run(session: Session, org: Org, text: str, name: str = "usage.csv") -> UsageImportRead:
    return import_file(
        session,
        organization_id=org.id,
        filename=name,
        content=text.encode(),
        user_key_secret=None,
    )


def stored(session: Session, org: Org) -> Stored:
    rows = session.execute(
        select(UsageRow.day, UsageRow.user_key, UsageRow.product, UsageRow.tokens).where(
            UsageRow.organization_id == org.id
        )
    )
    return {(d, u, p): Decimal(t) for d, u, p, t in rows}


def counts(reply: UsageImportRead) -> tuple[int, int, int, int]:
    return reply.rows_added, reply.rows_replaced, reply.rows_unchanged, reply.rows_merged


def test_a_bad_line_near_the_end_stores_nothing_and_loses_nothing(
    session: Session, org: Org
) -> None:
    first = run(session, org, HEADER + grid(range(1, 3), 5))
    assert counts(first) == (10, 0, 0, 0)
    session.commit()
    before = stored(session, org)
    # 60 good rows (8 chunks of 7 already streamed), some replacing stored ones, then a bad
    # tokens cell on the next-to-last line (line 62), then one more good row.
    rows = grid(range(1, 13), 5, tokens=9).splitlines(keepends=True)
    text = HEADER + "".join(rows[:60]) + "2025-01-13,u0,AutoCAD,lots\n" + rows[-1]
    with pytest.raises(UsageImportError) as caught:
        run(session, org, text)
    assert (caught.value.line, caught.value.field) == (62, "tokens")
    session.rollback()  # the request boundary's rollback after the error
    assert stored(session, org) == before
    # The same connection imports again at once: nothing of the failed attempt is left behind.
    again = run(session, org, HEADER + grid(range(1, 3), 5))
    assert counts(again) == (0, 0, 10, 0)


def test_bad_line_over_http_answers_422_with_line_and_field(client: TestClient, org: Org) -> None:
    files = {"file": ("a.csv", (HEADER + grid(range(1, 3), 4)).encode(), "text/csv")}
    assert client.post("/v1/usage/imports", headers=org.headers, files=files).status_code == 201
    before = strict_json(client.get("/v1/usage/daily", headers=org.headers))
    body = (
        HEADER
        + grid(range(1, 10), 4, tokens=5)
        + "2025-02-30,u1,Revit,3\n"
        + "2025-01-01,u9,Revit,1\n"
    )
    bad = {"file": ("b.csv", body.encode(), "text/csv")}
    reply = client.post("/v1/usage/imports", headers=org.headers, files=bad)
    error = assert_error(reply, 422, "line 38")
    assert "'date'" in error["detail"]
    assert strict_json(client.get("/v1/usage/daily", headers=org.headers)) == before


def test_reimport_and_overlap_count_added_replaced_unchanged(session: Session, org: Org) -> None:
    a = HEADER + grid(range(1, 5), 3)  # days 1-4, users 0-2: 12 rows of 7
    assert counts(run(session, org, a)) == (12, 0, 0, 0)
    assert counts(run(session, org, a)) == (0, 0, 12, 0)
    # Days 3-6: day 3 as stored, day 4 changed for u1 only, days 5-6 new.
    b = (
        HEADER
        + grid(range(3, 4), 3)
        + "2025-01-04,u0,AutoCAD,7\n2025-01-04,u1,AutoCAD,8\n2025-01-04,u2,AutoCAD,7\n"
        + grid(range(5, 7), 3)
    )
    reply = run(session, org, b)
    assert counts(reply) == (6, 1, 5, 0)
    assert (reply.rows_read, reply.first_day, reply.last_day) == (
        12,
        date(2025, 1, 3),
        date(2025, 1, 6),
    )
    now = stored(session, org)
    assert len(now) == 18
    assert now[(date(2025, 1, 4), "u1", "AutoCAD")] == Decimal(8)
    assert sum(now.values()) == Decimal(7 * 17 + 8)
    # Days 1-2 are not in b: an import replaces keys it names, never deletes others.
    assert now[(date(2025, 1, 1), "u0", "AutoCAD")] == Decimal(7)


def test_duplicate_rows_are_summed_counted_and_noted(session: Session, org: Org) -> None:
    text = (
        HEADER
        + grid(range(1, 3), 4)  # lines 2-9
        + "2025-01-02,u3,AutoCAD,0.2\n"  # line 10: adds into line 9's record
        + "2025-01-01,u0,AutoCAD,0.1\n"  # line 11: adds into line 2's record
        + "2025-01-02,u3,AutoCAD,0.1\n"  # line 12: the same record again
    )
    reply = run(session, org, text)
    assert (reply.rows_read, *counts(reply)) == (11, 8, 0, 0, 3)
    assert any("3 rows were added" in n and "first at line 10" in n for n in reply.notes)
    now = stored(session, org)
    assert now[(date(2025, 1, 2), "u3", "AutoCAD")] == Decimal("7.3")
    assert now[(date(2025, 1, 1), "u0", "AutoCAD")] == Decimal("7.1")
    assert sum(now.values()) == Decimal("56.4")
    # Sums of decimals are exact: the same file again changes nothing.
    assert counts(run(session, org, text)) == (0, 0, 8, 3)


def test_rows_summing_past_the_column_limit_are_refused(session: Session, org: Org) -> None:
    big = "999999999.5"
    text = HEADER + grid(range(1, 4), 3) + f"2025-01-02,u1,Revit,{big}\n2025-01-02,u1,Revit,{big}\n"
    with pytest.raises(UnprocessableError) as caught:
        run(session, org, text)
    assert "line 11" in caught.value.detail and "1,000,000,000" in caught.value.detail
    session.rollback()
    assert stored(session, org) == {}


def test_a_user_too_long_to_store_stops_the_stream_with_its_line(
    session: Session, org: Org
) -> None:
    long_email = "x" * 330 + "@example.com"
    text = (
        "Email,Product,Day used,Tokens used\n"
        + "".join(f"u{i}@example.com,Revit,2025-01-06,1\n" for i in range(20))
        + f"{long_email},Revit,2025-01-06,1\n"
    )
    with pytest.raises(UnprocessableError) as caught:
        run(session, org, text)
    assert "record at line 22: user is longer than 320 characters" in caught.value.detail
    assert long_email not in caught.value.detail
    session.rollback()
    assert stored(session, org) == {}


def test_names_with_copy_special_characters_round_trip(session: Session, org: Org) -> None:
    # COPY's text format gives backslash and tab a meaning; the stored values must not change.
    text = (
        "Email,Product,Day used,Tokens used\n"
        '"a\tb@example.com",Suite\\Pro,2025-01-06,3\n'
        "c@example.com,N\\A,2025-01-06,4\n"
    )
    reply = run(session, org, text)
    assert counts(reply) == (2, 0, 0, 0)
    assert stored(session, org) == {
        (date(2025, 1, 6), "a\tb@example.com", "Suite\\Pro"): Decimal(3),
        (date(2025, 1, 6), "c@example.com", "N\\A"): Decimal(4),
    }
    assert counts(run(session, org, text)) == (0, 0, 2, 0)


def test_a_spooled_file_is_read_in_place_and_left_open(session: Session, org: Org) -> None:
    with tempfile.SpooledTemporaryFile(max_size=64) as spooled:
        spooled.write(("\ufeff" + HEADER + grid(range(1, 11), 4)).encode())
        reply = import_file(
            session,
            organization_id=org.id,
            filename="big.csv",
            content=spooled,
            user_key_secret=None,
        )
        assert not spooled.closed
    assert counts(reply) == (40, 0, 0, 0)
    assert reply.format == "plain-records"
    assert sum(stored(session, org).values()) == Decimal(280)


def test_daily_totals_file_and_json_records_share_the_upsert(
    client: TestClient, session: Session, org: Org
) -> None:
    daily = io.BytesIO(b"date,tokens\n2025-01-06,100\n2025-01-07,50.125\n")
    assert counts(run(session, org, daily.getvalue().decode())) == (2, 0, 0, 0)
    session.commit()
    records = [
        {"date": "2025-01-07", "tokens": 50.125},
        {"date": "2025-01-08", "tokens": 1},
        {"date": "2025-01-08", "tokens": 2},
    ]
    reply = strict_json(client.post("/v1/usage", headers=org.headers, json={"records": records}))
    assert (reply["rows_added"], reply["rows_unchanged"], reply["rows_merged"]) == (1, 1, 1)
    assert stored(session, org)[(date(2025, 1, 8), "", "")] == Decimal(3)


def test_xlsx_workbook_from_a_file_is_stored_with_its_notes(
    session: Session, org: Org, tmp_path: Path
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Email", "Product", "Day used", "Tokens used"])
    sheet.append(["a@example.com", "Revit", date(2025, 3, 3), 10])
    sheet.append([None] * 4)
    sheet.append(["a@example.com", "Revit", datetime(2025, 3, 3, 17, 5), 2.5])
    sheet.append(["b@example.com", "AutoCAD", "2025-03-04", "7"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    with path.open("rb") as fh:
        reply = import_file(
            session, organization_id=org.id, filename=path.name, content=fh, user_key_secret=None
        )
    assert (reply.rows_read, *counts(reply)) == (3, 2, 0, 0, 1)
    assert reply.notes[0] == "read from XLSX sheet 'Sheet'"
    assert "first at line 4" in reply.notes[1]
    assert stored(session, org) == {
        (date(2025, 3, 3), "a@example.com", "Revit"): Decimal("12.5"),
        (date(2025, 3, 4), "b@example.com", "AutoCAD"): Decimal(7),
    }
