"""A binary file -> a header and a stream of rows with their line numbers, for CSV text and XLSX
sheets.

Rows are streamed (csv module over a decoding stream, openpyxl in read-only mode) from the file
as it lies (an upload is spooled to disk), never loaded whole or into a DataFrame, so a
million-row export costs one pass and little memory. Blank rows are dropped here; line numbers
still count them, so they match what the user sees in an editor or in Excel.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import IO
from xml.etree.ElementTree import ParseError

from app.ingest.records import UsageImportError

ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (Excel 97-2003)
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_DELIMITERS = (",", ";", "\t")
_NOT_TEXT = "the file is neither CSV text nor an XLSX workbook"
EMPTY_FILE = "the file is empty"
_CHUNK = 1 << 20

Row = Sequence[object]
BinaryFile = IO[bytes]


@dataclass
class Table:
    """One header row and the data rows below it; `rows` yields (line, cells), once."""

    header_line: int
    header: list[str]
    rows: Generator[tuple[int, Row], None, None]
    source: str  # "CSV" or "XLSX sheet 'Name'", for notes


def head(file: BinaryFile) -> bytes:
    """The first chunk of the file (the file is left at its start)."""
    file.seek(0)
    first = file.read(_CHUNK)
    file.seek(0)
    return first


def is_blank(file: BinaryFile) -> bool:
    """Whether the file holds nothing but whitespace."""
    file.seek(0)
    blank = all(block.isspace() for block in iter(lambda: file.read(_CHUNK), b""))
    file.seek(0)
    return blank


def looks_like_xlsx(filename: str, first: bytes) -> bool:
    return first.startswith(ZIP_MAGIC) or filename.lower().endswith(_XLSX_SUFFIXES)


def text_encoding(file: BinaryFile) -> tuple[str, list[str]]:
    """UTF-8 (BOM or not), UTF-16 with a BOM (Excel's "Unicode text"), else cp1252 with a note."""
    first = head(file)
    if first.startswith(_OLE_MAGIC):
        raise UsageImportError(
            "this is a legacy .xls workbook; save it as .xlsx or CSV and import that"
        )
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, notes = "utf-16", ["read as UTF-16 text"]
    elif b"\x00" in first:
        raise UsageImportError(_NOT_TEXT)
    elif _decodes(file, "utf-8"):
        return "utf-8-sig", []
    else:
        encoding = "cp1252"
        notes = ["the file is not valid UTF-8; it was read as Windows-1252 (cp1252)"]
    if not _decodes(file, encoding):
        raise UsageImportError(_NOT_TEXT)
    return encoding, notes


def _decodes(file: BinaryFile, encoding: str) -> bool:
    """Whether the whole file decodes, checked chunk by chunk (one pass, no full-size copy)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    file.seek(0)
    try:
        for block in iter(lambda: file.read(_CHUNK), b""):
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        file.seek(0)
    return True


def _delimiter(first: bytes, encoding: str) -> str:
    text = first.decode(encoding, errors="replace")
    first_line = text.lstrip("\ufeff\r\n").partition("\n")[0]
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(file: BinaryFile, encoding: str) -> Generator[tuple[int, Row], None, None]:
    delimiter = _delimiter(head(file), encoding)
    # The caller owns the file: detach the wrapper at the end so closing it leaves the file open.
    stream = io.TextIOWrapper(file, encoding=encoding, newline="")
    reader = csv.reader(stream, delimiter=delimiter)
    previous = 0
    try:
        for row in reader:
            start = previous + 1  # a quoted field may span lines: report where the row starts
            previous = reader.line_num
            # any() is the fast test; a lone whitespace cell is a stray blank line too
            if any(row) and (len(row) > 1 or row[0].strip()):
                yield start, row
    except csv.Error as exc:  # e.g. an unterminated quote running to the end of the file
        raise UsageImportError(f"not readable as CSV ({exc})", line=previous + 1) from None
    finally:
        stream.detach()


def csv_table(file: BinaryFile, encoding: str) -> Table:
    """The first non-blank row is the header."""
    rows = _csv_rows(file, encoding)
    first = next(rows, None)
    if first is None:
        raise UsageImportError(EMPTY_FILE)
    return Table(first[0], [str(h) for h in first[1]], rows, "CSV")


def _empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# What an XLSX sheet can hold (Excel's own limit), and how wide a usage export can be. A sheet's
# XML names each row's number and each cell's column, so a small file can claim a row two
# billion rows down, a cell in column XFD of every row, or a million rows of empty cells: bounded
# here, with the row named, instead of reading for minutes or hours.
XLSX_MAX_ROWS = 1_048_576
MAX_COLUMNS = 256
MAX_BLANK_RUN = 100_000

SheetCells = Iterator[tuple[int, list[dict[str, object]]]]


def _sheet_cells(sheet: object) -> SheetCells:
    """(row number, the row's cells) in the order the sheet's XML holds them.

    Read with openpyxl's sheet parser directly: read-only `iter_rows` pads every gap between row
    numbers with empty rows (a row numbered 2,000,000,000 means two billion of them) and drops,
    without a word, a row whose number is not above the one before.
    """
    from openpyxl.worksheet._reader import WorkSheetParser

    book = sheet.parent  # type: ignore[attr-defined]
    with sheet._get_source() as src:  # type: ignore[attr-defined]
        parser = WorkSheetParser(
            src,
            _SharedStrings(sheet._shared_strings),  # type: ignore[attr-defined]
            data_only=book.data_only,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        yield from parser.parse()


class _SharedStrings(list[object]):
    """The workbook's shared strings, where an index must be one of the table's: Python's list
    would read -1 as the last string, and the cell would silently hold another cell's text."""

    def __getitem__(self, index: object) -> object:  # type: ignore[override]
        if isinstance(index, int) and index < 0:
            raise IndexError(f"shared string {index}")
        return super().__getitem__(index)  # type: ignore[call-overload]


def _cell_value(cell: dict[str, object]) -> object:
    value = cell.get("value")
    if cell.get("data_type") == "e" and value is not None:
        text = str(value)  # an error cell (#N/A, #DIV/0!): never a number, whatever it holds
        return text if text.startswith("#") else f"#ERROR {text}"
    return value


def _sheet_rows(cells: SheetCells, title: str) -> Generator[tuple[int, Row], None, None]:
    number = previous = last_used = 0
    try:
        for number, row in cells:
            where = f"sheet {title!r}"
            if number < 1:
                raise UsageImportError(
                    f"{where} holds a row numbered {number} (rows start at 1): the workbook is "
                    "damaged (save it again from Excel, or as CSV)",
                    line=previous + 1,
                )
            if len(row) > MAX_COLUMNS:
                raise UsageImportError(
                    f"{where} has {len(row):,} cells in row {number:,}; a usage export has at "
                    f"most {MAX_COLUMNS} columns (save the sheet as CSV)",
                    line=number,
                )
            if number <= previous:
                raise UsageImportError(
                    f"{where} holds row {number:,} after row {previous:,}: its rows are out of "
                    "order, so the workbook is damaged (save it again from Excel, or as CSV)",
                    line=number,
                )
            if number > XLSX_MAX_ROWS:
                raise UsageImportError(
                    f"{where} has rows past row {XLSX_MAX_ROWS:,}, the last an XLSX sheet can "
                    "have: the workbook is damaged",
                    line=number,
                )
            previous = number
            used = [c for c in row if not _empty(_cell_value(c))]
            if not used:
                if number - last_used > MAX_BLANK_RUN:
                    raise UsageImportError(
                        f"{where} has more than {MAX_BLANK_RUN:,} empty rows in a row after "
                        f"row {last_used:,}; delete the empty rows below the data (or save the "
                        "sheet as CSV)",
                        line=number,
                    )
                continue
            width = max(int(str(c["column"])) for c in used)
            if width > MAX_COLUMNS:
                raise UsageImportError(
                    f"{where} has a cell in column {width:,}; a usage export has at most "
                    f"{MAX_COLUMNS} columns (delete the cells on the right, or save the sheet "
                    "as CSV)",
                    line=number,
                )
            values: list[object] = [None] * width
            for c in used:
                values[int(str(c["column"])) - 1] = _cell_value(c)
            last_used = number
            yield number, tuple(values)
    except (
        ParseError, zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, OverflowError,
        TypeError,
    ):  # fmt: skip
        # the sheet's XML is read lazily, so a damaged workbook can fail half-way through (a
        # shared-string index past the table, a cell that is not what its type says)
        reason = f"sheet {title!r} of the XLSX workbook is damaged and cannot be read"
        raise UsageImportError(reason, line=number + 1) from None


class Workbook:
    """An XLSX workbook opened read-only; use as a context manager so the zip gets closed."""

    def __init__(self, file: BinaryFile) -> None:
        from openpyxl import load_workbook  # imported lazily: CSV imports never pay for it
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            file.seek(0)
            self._book = load_workbook(file, read_only=True, data_only=True)
        except (
            zipfile.BadZipFile,
            InvalidFileException,
            KeyError,
            ValueError,
            OSError,
            ParseError,  # a damaged XML part: the workbook, its styles, relations or types
            TypeError,
            AttributeError,
        ):
            raise UsageImportError("not a readable XLSX workbook") from None

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self._book.close()

    def tables(self) -> Iterator[Table]:
        """One table per sheet that has any non-blank row, in workbook order."""
        for sheet in self._book.worksheets:
            rows = _sheet_rows(_sheet_cells(sheet), sheet.title)
            first = next(rows, None)
            if first is None:
                continue
            header = ["" if v is None else str(v) for v in first[1]]
            yield Table(first[0], header, rows, f"XLSX sheet {sheet.title!r}")
