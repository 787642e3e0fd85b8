"""Usage-file parsing (app/ingest): pure, no database.

Expected values are computed by hand (fixtures in tests/data) or, for the real Enterprise export,
by a separate csv.reader loop over the raw file, never taken from the parser's output.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.ingest import ParsedUsage, UsageImportError, UsageRecord, parse_usage_file

ROOT = Path(__file__).resolve().parents[2]
REAL_ENTERPRISE = ROOT / "data/real/autodesk-tokenflex/RomeoAgree0_myYear1DesktopCloudUsage.csv"
DATA = Path(__file__).resolve().parents[1] / "data"


def hashed(text: str) -> str:
    return hashlib.sha256(b"test-key:" + text.encode()).hexdigest()


def plain_key(text: str) -> str:
    return text


def parse(text: str | bytes, filename: str = "usage.csv") -> ParsedUsage:
    content = text.encode() if isinstance(text, str) else text
    return parse_usage_file(filename, content, user_key=plain_key)


def import_error(text: str | bytes, filename: str = "usage.csv") -> UsageImportError:
    with pytest.raises(UsageImportError) as info:
        parse(text, filename)
    return info.value


def by_day(records: list[UsageRecord]) -> dict[date, Decimal]:
    out: dict[date, Decimal] = defaultdict(Decimal)
    for r in records:
        out[r.day] += r.tokens
    return dict(out)


def by_user(records: list[UsageRecord]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for r in records:
        out[r.user_key] += r.tokens
    return dict(out)


# --- the real Enterprise Token Flex export ---------------------------------------------------


def test_real_enterprise_export_matches_an_independent_reading() -> None:
    raw = REAL_ENTERPRISE.read_bytes()
    with REAL_ENTERPRISE.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    total = sum(Decimal(r[6]) for r in rows)
    days = {r[3][:10] for r in rows}
    codes = {r[4] for r in rows}
    pairs = {(r[3][:10], r[4]) for r in rows}

    parsed = parse_usage_file(REAL_ENTERPRISE.name, raw, user_key=hashed)

    assert parsed.format == "autodesk-enterprise-tokenflex"
    assert parsed.rows_read == len(rows)
    assert sum(r.tokens for r in parsed.records) == total
    assert {r.day.isoformat() for r in parsed.records} == days
    assert {r.product for r in parsed.records} == codes
    assert min(r.day for r in parsed.records) == date.fromisoformat(min(days))
    assert max(r.day for r in parsed.records) == date.fromisoformat(max(days))
    assert len(parsed.records) == len(pairs)
    assert parsed.rows_merged == len(rows) - len(pairs)
    assert all(r.user_key == "" for r in parsed.records)
    first = rows[0]
    assert parsed.product_labels[first[4]] == first[5]


def test_enterprise_rows_of_one_product_day_in_two_pools_are_summed() -> None:
    text = (
        "contractYear,tokenPool,usageCategory,usageDate,productLineCode,productName,tokensConsumed,\n"
        '1,"CY","DESKTOP_PRODUCT",2011-01-03 00:00:00,"ACD","AutoCAD",45.0,\n'
        '1,"MY","DESKTOP_PRODUCT",2011-01-03 00:00:00,"ACD","AutoCAD",12.5,\n'
        '1,"CY","CLOUD_PRODUCT",2011-01-03 00:00:00,"ACD","AutoCAD",0.5,\n'
        '1,"CY","DESKTOP_PRODUCT",2011-01-04 00:00:00,"RVT","Revit",30.0,\n'
    )
    parsed = parse(text)
    assert [(r.day, r.product, r.tokens, r.line) for r in parsed.records] == [
        (date(2011, 1, 3), "ACD", Decimal("58.0"), 2),
        (date(2011, 1, 4), "RVT", Decimal("30.0"), 5),
    ]
    assert (parsed.rows_read, parsed.rows_merged) == (4, 2)
    assert any(n.startswith("2 rows were") and "token pool" in n for n in parsed.notes)
    assert parsed.product_labels == {"ACD": "AutoCAD", "RVT": "Revit"}


def test_enterprise_bad_date_names_the_line_the_user_sees() -> None:
    header = (
        "contractYear,tokenPool,usageCategory,usageDate,productLineCode,productName,tokensConsumed,"
    )
    good = [
        f'1,"CY","DESKTOP_PRODUCT",2011-01-{d:02d} 00:00:00,"ACD","AutoCAD",7.0,'
        for d in range(1, 16)
    ]
    bad = '1,"CY","DESKTOP_PRODUCT",2011-13-01,"ACD","AutoCAD",7.0,'
    err = import_error("\n".join([header, *good, bad, *good]) + "\n")
    # header is line 1, 15 good rows are lines 2..16, so the bad one is line 17
    assert (err.line, err.field) == (17, "usageDate")
    assert str(err).startswith(
        "line 17, field 'usageDate': '2011-13-01' is not a date (expected YYYY-MM-DD"
    )


# --- Autodesk Account export ------------------------------------------------------------------

ANN, BEN, CARA, DAN = (
    f"{n}@example.com" for n in ("ann.archer", "ben.baker", "cara.cole", "dan.dale")
)
PERSONAL_2026 = ["Ann", "Archer", "Ben", "Baker", "Cara", "Cole", "Dan", "Dale", "example", "@"]


def test_account_2026_csv_sums_duplicates_and_keeps_short_launches() -> None:
    parsed = parse_usage_file(
        "usage.csv", (DATA / "account_usage_2026.csv").read_bytes(), user_key=hashed
    )
    assert parsed.format == "autodesk-account-2026"
    assert (parsed.rows_read, parsed.rows_merged, len(parsed.records)) == (12, 1, 11)
    assert by_user(parsed.records) == {
        hashed(ANN): 31,
        hashed(BEN): 23,
        hashed(CARA): 16,
        hashed(DAN): 11,
    }
    assert by_day(parsed.records) == {
        date(2025, 1, 6): 31,
        date(2025, 1, 7): 22,
        date(2025, 1, 8): 21,
        date(2025, 1, 9): 7,
    }
    ben_acad = [r for r in parsed.records if r.user_key == hashed(BEN) and r.product == "AutoCAD"]
    assert [(r.day, r.tokens, r.line) for r in ben_acad] == [(date(2025, 1, 6), Decimal(14), 4)]
    short = [r for r in parsed.records if r.product == "3ds Max" and r.day == date(2025, 1, 6)]
    assert [(r.user_key, r.tokens) for r in short] == [(hashed(CARA), Decimal(0))]
    assert any(
        n.startswith("1 row was") and "same user, product and day" in n for n in parsed.notes
    )
    dump = repr(parsed)
    assert not [p for p in PERSONAL_2026 if p in dump]


def test_account_user_key_sees_only_normalized_emails() -> None:
    seen: list[str] = []

    def record(email: str) -> str:
        seen.append(email)
        return f"user-{len(seen)}"

    parse_usage_file("u.csv", (DATA / "account_usage_2026.csv").read_bytes(), user_key=record)
    assert sorted(seen) == sorted([ANN, BEN, CARA, DAN])


def test_account_legacy_csv_with_masked_emails_and_offset_timestamps() -> None:
    parsed = parse_usage_file(
        "usage.csv", (DATA / "account_usage_legacy.csv").read_bytes(), user_key=hashed
    )
    eve, fay, gus = (f"{n}@example.com" for n in ("eve.evans", "fay.ford", "gus.gray"))
    assert parsed.format == "autodesk-account-legacy"
    assert (parsed.rows_read, parsed.rows_merged, len(parsed.records)) == (12, 1, 11)
    # the masked rows (e-mail "*****") fall back to hashed_autodesk_id
    assert by_user(parsed.records) == {
        hashed(eve): 31,
        hashed(fay): 31,
        hashed(gus): 6,
        hashed("h55aa"): 18,
    }
    assert by_day(parsed.records) == {
        date(2025, 2, 3): 24,
        date(2025, 2, 4): 17,
        date(2025, 2, 5): 15,
        date(2025, 2, 6): 23,
        date(2025, 2, 7): 7,
    }
    offset_row = [r for r in parsed.records if r.line == 10]
    assert [(r.day, r.user_key, r.product) for r in offset_row] == [
        (date(2025, 2, 4), hashed(eve), "AutoCAD")
    ]
    dump = repr(parsed)
    for personal in ("Eve", "Evans", "Fay", "Ford", "Gus", "Gray", "EVEID123", "example", "@"):
        assert personal not in dump


def test_account_masked_email_without_hashed_id_keeps_tokens_without_a_user() -> None:
    text = (
        "Email,Product,Day used,Tokens used\n"
        "*****,AutoCAD,2025-01-06,7\n"
        ",AutoCAD,2025-01-06,7\n"
        "x@example.com,AutoCAD,2025-01-06,7\n"
    )
    parsed = parse(text)
    assert by_user(parsed.records) == {"": 14, "x@example.com": 7}
    assert any(n.startswith("2 row(s) have no usable e-mail") for n in parsed.notes)


def test_account_header_tolerates_bom_case_spacing_extra_columns_and_semicolons() -> None:
    text = (
        "\ufeff  EMAIL ;Cost centre; product ;DAY  USED;tokens used  \n"
        "A@B.example;42;Revit;2025-03-03;10\n"
    )
    parsed = parse(text.encode("utf-8"))
    assert parsed.format == "autodesk-account-2026"
    assert [(r.user_key, r.product, r.day, r.tokens) for r in parsed.records] == [
        ("a@b.example", "Revit", date(2025, 3, 3), Decimal(10))
    ]


def write_xlsx(path: Path) -> None:
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append(["Report", "Generated"])
    summary.append(["Token usage", "2025-03-10"])
    usage = book.create_sheet("Usage")
    usage.append(
        [
            "Team",
            "Email",
            "First name",
            "Last name",
            "Product",
            "Feature",
            "Day used",
            "Tokens used",
        ]
    )
    usage.append(
        [
            "T",
            "ann.archer@example.com",
            "Ann",
            "Archer",
            "AutoCAD",
            "",
            datetime(2025, 3, 3, 9, 15),
            7,
        ]
    )
    usage.append(
        ["T", "Ann.Archer@example.com", "Ann", "Archer", "AutoCAD", "", date(2025, 3, 3), 7.0]
    )
    usage.append([None] * 8)
    usage.append(["T", "ben.baker@example.com", "Ben", "Baker", "Revit", "", "2025-03-04", "10"])
    usage.append(["T", "ben.baker@example.com", "Ben", "Baker", "3ds Max", "", date(2025, 3, 4), 0])
    book.save(path)


def test_account_xlsx_reads_real_date_cells_and_finds_the_usage_sheet(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    write_xlsx(path)
    parsed = parse_usage_file("export.xlsx", path.read_bytes(), user_key=hashed)
    assert parsed.format == "autodesk-account-2026"
    assert (parsed.rows_read, parsed.rows_merged) == (4, 1)
    assert [(r.day, r.user_key, r.product, r.tokens, r.line) for r in parsed.records] == [
        (date(2025, 3, 3), hashed(ANN), "AutoCAD", Decimal(14), 2),
        # row 4 is blank: still counted, so Excel's row numbers come out
        (date(2025, 3, 4), hashed(BEN), "Revit", Decimal(10), 5),
        (date(2025, 3, 4), hashed(BEN), "3ds Max", Decimal(0), 6),
    ]
    assert "read from XLSX sheet 'Usage'" in parsed.notes
    dump = repr(parsed)
    assert not [p for p in PERSONAL_2026 if p in dump]


def test_xlsx_bad_cell_names_the_spreadsheet_row(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["date", "tokens"])
    sheet.append([date(2025, 1, 1), 5])
    sheet.append([None, None])
    sheet.append([date(2025, 1, 2), -3])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    err = import_error(path.read_bytes(), "bad.xlsx")
    assert (err.line, err.field) == (4, "tokens")
    assert "negative" in err.reason


def _xlsx_with_sheet_xml(tmp_path: Path, rows_xml: str) -> bytes:
    """A workbook made by openpyxl whose first sheet's XML is replaced by `rows_xml`."""
    book = Workbook()
    book.active.append(["date", "tokens"])
    made = tmp_path / "made.xlsx"
    book.save(made)
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows_xml}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            dst.writestr(item, data)
    return out.getvalue()


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_xlsx_rows_claimed_past_the_sheets_last_row_are_refused_at_once(tmp_path: Path) -> None:
    # A few hundred bytes claiming row 2,000,000,000: read-only openpyxl would yield every row of
    # the gap (hours, the import holding its lock); refused at Excel's last row instead.
    header = f'<row r="1">{_cell("A1", "date")}{_cell("B1", "tokens")}</row>'
    far = f'<row r="2000000000">{_cell("A2000000000", "2025-01-01")}</row>'
    err = import_error(_xlsx_with_sheet_xml(tmp_path, header + far), "far.xlsx")
    assert err.line == 2_000_000_000 and "past row 1,048,576" in err.reason


def test_xlsx_cells_far_to_the_right_are_refused(tmp_path: Path) -> None:
    header = f'<row r="1">{_cell("A1", "date")}{_cell("B1", "tokens")}</row>'
    wide = f'<row r="2">{_cell("A2", "2025-01-01")}{_cell("XFD2", "5")}</row>'
    err = import_error(_xlsx_with_sheet_xml(tmp_path, header + wide), "wide.xlsx")
    assert err.line == 2 and "column 16,384" in err.reason and "at most 256" in err.reason


HEADER = f'<row r="1">{_cell("A1", "date")}{_cell("B1", "tokens")}</row>'


def _data_row(n: int, tokens: str = "5") -> str:
    return f'<row r="{n}">{_cell(f"A{n}", "2025-01-01")}{_cell(f"B{n}", tokens)}</row>'


@pytest.mark.parametrize("order", [[5, 3], [2, 2]])
def test_xlsx_rows_out_of_order_are_refused_not_dropped(tmp_path: Path, order: list[int]) -> None:
    rows = HEADER + "".join(_data_row(n) for n in order)
    err = import_error(_xlsx_with_sheet_xml(tmp_path, rows), "order.xlsx")
    assert "out of order" in err.reason and err.line == order[-1]


def test_a_row_numbered_zero_is_refused(tmp_path: Path) -> None:
    err = import_error(_xlsx_with_sheet_xml(tmp_path, HEADER + _data_row(0)), "zero.xlsx")
    assert "numbered 0 (rows start at 1)" in err.reason and err.line == 2


def test_a_row_of_a_million_empty_cells_is_refused(tmp_path: Path) -> None:
    wide = '<row r="2">' + "<c/>" * 1_000_000 + "</row>"
    err = import_error(_xlsx_with_sheet_xml(tmp_path, HEADER + wide), "cells.xlsx")
    assert "1,000,000 cells in row 2" in err.reason and err.line == 2


def test_a_negative_shared_string_index_is_not_the_last_string(tmp_path: Path) -> None:
    # With no shared-strings part the table is empty; with one, -1 would have read its last.
    book = Workbook()
    book.active.append(["date", "tokens"])
    book.active.append([date(2025, 1, 1), "77"])  # "77" becomes a shared string
    made = tmp_path / "sst.xlsx"
    book.save(made)
    out = io.BytesIO()
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = text.replace("</sheetData>", '<row r="3"><c r="A3" t="n"><v>45659</v></c>'
                                    '<c r="B3" t="s"><v>-1</v></c></row></sheetData>')  # fmt: skip
                data = text.encode()
            dst.writestr(item, data)
    err = import_error(out.getvalue(), "sst.xlsx")
    assert "damaged" in err.reason and err.line == 3


def test_a_long_run_of_empty_rows_is_refused_quickly(tmp_path: Path) -> None:
    empty = "".join(f'<row r="{n}"><c r="IV{n}" s="1"/></row>' for n in range(2, 100_003))
    err = import_error(_xlsx_with_sheet_xml(tmp_path, HEADER + empty), "empty.xlsx")
    assert "more than 100,000 empty rows" in err.reason and err.line == 100_002


@pytest.mark.parametrize("index", ["99999", "99999999999999999999999"])
def test_a_shared_string_past_the_table_is_a_damaged_sheet(tmp_path: Path, index: str) -> None:
    bad = f'<row r="2">{_cell("A2", "2025-01-01")}<c r="B2" t="s"><v>{index}</v></c></row>'
    err = import_error(_xlsx_with_sheet_xml(tmp_path, HEADER + bad), "sst.xlsx")
    assert "damaged" in err.reason and err.line == 2


def test_an_error_cell_is_not_read_as_its_number(tmp_path: Path) -> None:
    bad = f'<row r="2">{_cell("A2", "2025-01-01")}<c r="B2" t="e"><v>10</v></c></row>'
    err = import_error(_xlsx_with_sheet_xml(tmp_path, HEADER + bad), "err.xlsx")
    assert (err.line, err.field) == (2, "tokens")


def test_xlsx_gaps_within_the_sheet_still_read(tmp_path: Path) -> None:
    header = f'<row r="1">{_cell("A1", "date")}{_cell("B1", "tokens")}</row>'
    low = f'<row r="900000">{_cell("A900000", "2025-01-01")}{_cell("B900000", "5")}</row>'
    parsed = parse(_xlsx_with_sheet_xml(tmp_path, header + low), "gap.xlsx")
    assert [(r.day, r.tokens) for r in parsed.records] == [(date(2025, 1, 1), Decimal(5))]


# --- plain CSV ----------------------------------------------------------------------------------


def test_plain_daily_totals_and_records() -> None:
    daily = parse("date,tokens\n2025-01-06,421\n2025-01-07,0.5\n2025-01-06,9\n")
    assert daily.format == "plain-daily"
    assert by_day(daily.records) == {
        date(2025, 1, 6): Decimal(430),
        date(2025, 1, 7): Decimal("0.5"),
    }
    assert all(r.user_key == r.product == "" for r in daily.records)
    records = parse("date,user,product,tokens\n2025-01-06,u17,AutoCAD,7\n2025-01-06,,,3\n")
    assert records.format == "plain-records"
    assert [(r.user_key, r.product, r.tokens) for r in records.records] == [
        ("u17", "AutoCAD", Decimal(7)),
        ("", "", Decimal(3)),
    ]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2025-01-06", date(2025, 1, 6)),
        ("2025-01-06 00:00:00", date(2025, 1, 6)),
        # 23:30 at UTC-5 is already the 7th in UTC: the written local day must win
        ("2025-01-06T23:30:00-05:00", date(2025, 1, 6)),
        ("2025-01-06T00:30:00+14:00", date(2025, 1, 6)),
        ("2025-01-06T23:59:59Z", date(2025, 1, 6)),
    ],
)
def test_dates_keep_the_local_calendar_day_as_written(written: str, expected: date) -> None:
    parsed = parse(f"date,tokens\n{written},1\n")
    assert [r.day for r in parsed.records] == [expected]


def test_line_numbers_count_blank_lines_and_multiline_fields() -> None:
    text = 'date,user,product,tokens\n\n2025-01-06,u1,"Auto\nCAD",7\n2025-01-07,u1,AutoCAD,oops\n'
    err = import_error(text)
    # line 1 header, line 2 blank, lines 3-4 one quoted record, line 5 the bad row
    assert (err.line, err.field) == (5, "tokens")
    assert err.reason == "'oops' is not a number"
    # a bad row that spans lines is reported where it starts
    err = import_error('date,user,product,tokens\n\n2025-01-06,u1,"Auto\nCAD",-7\n')
    assert (err.line, err.field) == (3, "tokens")


def test_cp1252_file_is_read_with_a_note() -> None:
    parsed = parse("date,user,product,tokens\n2025-01-06,u1,Caf\xe9 Suite,7\n".encode("cp1252"))
    assert [r.product for r in parsed.records] == ["Caf\u00e9 Suite"]
    assert any("cp1252" in n for n in parsed.notes)


def test_utf16_tab_separated_text_from_excel() -> None:
    parsed = parse("date\ttokens\r\n2025-01-06\t5\r\n2025-01-07\t2.5\r\n".encode("utf-16"))
    assert by_day(parsed.records) == {
        date(2025, 1, 6): Decimal(5),
        date(2025, 1, 7): Decimal("2.5"),
    }
    assert "read as UTF-16 text" in parsed.notes


def test_whitespace_only_lines_are_blank_but_still_counted() -> None:
    err = import_error("date,tokens\n   \n2025-01-06,1\n\t\n2025-01-07,x\n")
    assert (err.line, err.field) == (5, "tokens")


def test_xlsx_without_a_recognisable_sheet(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["Report", "Generated"])
    book.active.append(["Token usage", "2025-03-10"])
    book.create_sheet("Usage").append(["date", "tokens"])  # header only
    path = tmp_path / "odd.xlsx"
    book.save(path)
    err = import_error(path.read_bytes(), "odd.xlsx")
    # the Usage sheet is recognised, and found empty
    assert (err.line, err.reason) == (1, "the header is not followed by any data rows")
    del book["Usage"]
    book.save(path)
    err = import_error(path.read_bytes(), "odd.xlsx")
    assert err.line == 1
    assert err.reason.startswith("unrecognised header: 'Report', 'Generated' ... expected one of")


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("-3", "'-3' is negative"),
        ("NaN", "'NaN' is not a finite number"),
        ("inf", "'inf' is not a finite number"),
        ("", "is empty"),
        ("seven", "'seven' is not a number"),
        ("1e20", "implausibly large"),
    ],
)
def test_bad_tokens_name_line_field_and_reason(cell: str, reason: str) -> None:
    err = import_error(f"date,tokens\n2025-01-06,1\n2025-01-07,2\n2025-01-08,{cell}\n")
    assert (err.line, err.field) == (4, "tokens")
    assert err.reason.startswith(reason) or reason in err.reason


@pytest.mark.parametrize("cell", ["2025-02-30", "06/01/2025", "2025-01-06T25:00:00", "soon"])
def test_bad_dates_name_line_field_and_reason(cell: str) -> None:
    err = import_error(f"Email,Product,Day used,Tokens used\na@x.example,Revit,{cell},10\n")
    assert (err.line, err.field) == (2, "Day used")
    assert err.reason == f"{cell!r} is not a date (expected YYYY-MM-DD, optionally with a time)"


def test_error_messages_never_echo_an_email_address() -> None:
    # a shifted row puts an address where the day should be
    err = import_error("Email,Product,Day used,Tokens used\na@x.example,Revit,b@y.example,10\n")
    assert (err.line, err.field) == (2, "Day used")
    assert "@" not in str(err)
    assert "looks like an e-mail address" in err.reason


def test_unknown_header() -> None:
    err = import_error("when,how much\n2025-01-06,7\n")
    assert err.line == 1
    assert err.reason.startswith("unrecognised header: 'when', 'how much' ... expected one of: ")
    for expected in ("tokensConsumed", "Tokens used", "tokens_used", "date, tokens"):
        assert expected in err.reason


def test_missing_required_column_is_named() -> None:
    err = import_error(
        "Team,Email,First name,Last name,Product,Feature,Day used\n"
        "T,a@x.example,A,B,Revit,,2025-01-06\n"
    )
    assert err.line == 1
    assert "missing required column 'Tokens used'" in err.reason
    assert "Autodesk Account token usage export (2026 columns)" in err.reason


@pytest.mark.parametrize("content", [b"", b"\n\r\n  \n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\n\n"])
def test_empty_file(content: bytes) -> None:
    err = import_error(content)
    assert (err.line, err.reason) == (None, "the file is empty")


def test_header_only() -> None:
    err = import_error("date,tokens\n\n")
    assert (err.line, err.reason) == (1, "the header is not followed by any data rows")


@pytest.mark.parametrize(
    ("content", "filename", "reason"),
    [
        (bytes(range(256)) * 8, "usage.csv", "the file is neither CSV text nor an XLSX workbook"),
        (b"PK\x03\x04" + bytes(range(200)), "usage.csv", "not a readable XLSX workbook"),
        (
            b"date,tokens\n2025-01-06,1\n",
            "usage.xlsx",
            "named like an XLSX workbook but is not one",
        ),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "old.xls", "legacy .xls workbook"),
    ],
)
def test_garbage_bytes(content: bytes, filename: str, reason: str) -> None:
    err = import_error(content, filename)
    assert err.line is None
    assert reason in err.reason


def test_error_str_format() -> None:
    err = UsageImportError("'x' is not a date", line=17, field="usageDate")
    assert str(err) == "line 17, field 'usageDate': 'x' is not a date"
    assert str(UsageImportError("bad", line=1)) == "line 1: bad"
    assert str(UsageImportError("the file is empty")) == "the file is empty"


@pytest.mark.parametrize(
    "part",
    ["xl/workbook.xml", "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"],
)
@pytest.mark.parametrize("damage", ["cut in half", "not xml"])
def test_a_damaged_part_of_an_xlsx_is_an_unreadable_workbook(
    tmp_path: Path, part: str, damage: str
) -> None:
    book = Workbook()
    book.active.append(["date", "tokens"])
    book.active.append([date(2025, 1, 1), 5])
    made = tmp_path / "made.xlsx"
    book.save(made)
    out = io.BytesIO()
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == part:
                data = data[: len(data) // 2] if damage == "cut in half" else b"<x"
            dst.writestr(item, data)
    err = import_error(out.getvalue(), "damaged.xlsx")
    assert "XLSX" in err.reason
