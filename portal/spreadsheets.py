"""Reading the spreadsheets (XLSX) and CSV files of every import, with the limits checked before the work.

An uploaded file is hostile until read: a 4.7 KB XLSX whose ``<dimension>`` claims ``A1:XFD1048576`` made openpyxl
pad every row to 16,384 cells for a million rows, and a zip member can unpack to gigabytes. So, in this order:

- the file's size (``max_bytes``) before anything is read;
- for XLSX, the zip's own directory before a byte is unpacked: the declared unpacked size of all members together
  (``max_unzipped_bytes``) and each member's compression ratio (``max_ratio``). Python's zipfile never unpacks
  more than a member declares (it stops there and fails the CRC), so the declared sizes bound the work; then the
  shared strings, which openpyxl reads whole, are counted as a stream (no more than ``max_cells``);
- the number of sheets (``max_sheets``);
- then the rows, streamed by openpyxl in read-only mode with the sheet's own dimension claim dropped
  (``reset_dimensions``) and ``max_row``/``max_col`` bounds, stopping at the first row past ``max_rows``;
  a cell past ``max_columns``, a row with more tags than that many cells have, or more than ``max_cells`` filled
  cells stop it too;
- CSV the same way: decoded as a stream, line by line with a bounded line length, stopping at the limit.

A file over a limit raises ``OverLimit`` whose message key names the limit; a file that is no workbook or no text
raises ``Unreadable``. Every import (portal/services/nnc/imports.py, portal/iqfast/export_source.py) reads through
here with the limits of its kind (``limits_for``, from the settings), so none can forget a check.
"""
from __future__ import annotations

import codecs
import csv
import io
import logging
import os
import re
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO, Callable

from openpyxl import load_workbook

from portal.settings import Settings, load_settings

log = logging.getLogger(__name__)

Row = tuple[int, list[Any]]  # (the row number a spreadsheet shows, the cells)
Source = bytes | str | os.PathLike
# A member smaller than this may compress as well as it likes: the ratio rule is for what could grow large.
RATIO_FLOOR = 1024 * 1024
# A CSV line longer than this is not a record a person or IQFast exported (the csv module's own field limit is
# 128 KiB); reading stops there instead of holding a gigabyte-long line.
MAX_CSV_LINE = 1024 * 1024
KINDS = ("nnc_import", "export_import")


@dataclass(frozen=True)
class Limits:
    """What one import may read from one file."""

    max_bytes: int
    max_rows: int           # data rows after the header row, per sheet
    max_columns: int
    max_cells: int          # filled cells in the whole file
    max_sheets: int
    max_unzipped_bytes: int  # the XLSX zip's members together, unpacked
    max_ratio: int          # unpacked / packed size of one member


def limits_for(kind: str, settings: Settings | None = None) -> Limits:
    """The limits of one import kind (``nnc_import``, ``export_import``) from the settings (QCORNER_<KIND>_MAX_…)."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    settings = settings or load_settings()
    return Limits(max_bytes=getattr(settings, f"{kind}_max_bytes"), max_rows=getattr(settings, f"{kind}_max_rows"),
                  max_columns=getattr(settings, f"{kind}_max_columns"),
                  max_cells=getattr(settings, f"{kind}_max_cells"),
                  max_sheets=settings.spreadsheet_max_sheets,
                  max_unzipped_bytes=getattr(settings, f"{kind}_max_unzipped_bytes"),
                  max_ratio=settings.spreadsheet_max_compression_ratio)


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read; ``key`` and ``params`` make the message (translations: spreadsheet)."""

    def __init__(self, key: str, **params):
        super().__init__(key, params)
        self.key, self.params = key, params


class OverLimit(SpreadsheetError):
    """The file is over one of the limits; the message names it (and the row, when a row tipped it over)."""


class Unreadable(SpreadsheetError):
    """Not a workbook, or not text: ``key`` is spreadsheet.error.xlsx, .encoding or .csv; ``params["detail"]``.

    The detail is the parser's own words ("File is not a zip file"), in English and of no use to the person who
    uploaded the file: it goes to the log, and the XLSX message says what the file is and what to do instead."""


def size_text(count: int) -> str:
    """A byte count as people write a limit: 10 MB, 512 MB, 2 GB."""
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if count >= size:
            value = count / size
            return f"{value:.0f} {unit}" if value >= 10 or value == int(value) else f"{value:.1f} {unit}"
    return f"{count} B"


def check_size(size: int, limits: Limits) -> None:
    """Refuse a file larger than ``max_bytes`` before any of it is read."""
    if size > limits.max_bytes:
        raise OverLimit("spreadsheet.limit.bytes", limit=size_text(limits.max_bytes), size=size_text(size))


def _size_of(source: Source) -> int:
    return len(source) if isinstance(source, (bytes, bytearray)) else os.path.getsize(source)


def _binary(source: Source) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else open(source, "rb")  # noqa: SIM115


# ------------------------------------------------------------------------------------------------------ XLSX


def read_xlsx(source: Source, limits: Limits, pick: Callable[[list], list] | None = None) -> list[tuple[str, list[Row]]]:
    """(sheet title, rows) of the sheets ``pick`` chooses from the workbook's worksheets (default: all).

    ``pick`` sees the worksheets before any row is read and may raise its own error (e.g. no sheet named after a
    table). Row numbers are the spreadsheet's; a row's cells end at its last filled one (None where empty).
    """
    check_size(_size_of(source), limits)
    with _binary(source) as stream:
        _check_zip(stream, limits)
        stream.seek(0)
        try:
            workbook = load_workbook(stream, read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 - any broken workbook is the same problem for the user
            raise _unreadable_xlsx(error) from error
        try:
            worksheets = workbook.worksheets
            if len(workbook.sheetnames) > limits.max_sheets:
                raise OverLimit("spreadsheet.limit.sheets", limit=limits.max_sheets, count=len(workbook.sheetnames))
            chosen = pick(worksheets) if pick else worksheets
            cells = _CellCount(limits)
            try:
                return [(sheet.title, _sheet_rows(sheet, limits, cells)) for sheet in chosen]
            except SpreadsheetError:
                raise
            except Exception as error:  # noqa: BLE001 - a sheet openpyxl cannot parse (bad XML, a CRC, a cell
                # pointing at a shared string that is not there) is a broken file, not a crash of the import
                raise _unreadable_xlsx(error) from error
        finally:
            workbook.close()


def _check_zip(stream: BinaryIO, limits: Limits) -> None:
    """The zip directory's declared sizes, before a byte is unpacked."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise _unreadable_xlsx(error) from error
    with archive:
        total = 0
        for member in archive.infolist():
            total += member.file_size
            if total > limits.max_unzipped_bytes:
                raise OverLimit("spreadsheet.limit.unzipped", limit=size_text(limits.max_unzipped_bytes),
                                size=size_text(sum(m.file_size for m in archive.infolist())))
            if member.file_size > RATIO_FLOOR and member.file_size > limits.max_ratio * max(member.compress_size, 1):
                raise OverLimit("spreadsheet.limit.ratio", member=member.filename[:100], limit=limits.max_ratio,
                                ratio=member.file_size // max(member.compress_size, 1))
        for member in archive.infolist():
            if member.filename.lower().endswith("sharedstrings.xml"):
                try:
                    _count_shared_strings(archive, member, limits)
                except SpreadsheetError:
                    raise
                except Exception as error:  # noqa: BLE001 - a damaged or encrypted member: a broken file
                    raise _unreadable_xlsx(error) from error


SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.\-]{0,31}:)?si[\s/>]")


def _count_shared_strings(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> None:
    """openpyxl reads the shared strings whole, before any sheet: more of them than ``max_cells`` is refused first.

    Streamed (a megabyte at a time) and counted with one regular expression: cheap next to what it prevents
    (millions of tiny strings, each a Python object, from a few packed megabytes).
    """
    count, tail = 0, b""
    with archive.open(member) as stream:
        while chunk := stream.read(1024 * 1024):
            buffer = tail + chunk
            # A tag split between two chunks is counted once: matches lying wholly in the tail were counted before.
            count += len(SHARED_STRING.findall(buffer)) - len(SHARED_STRING.findall(tail))
            if count > limits.max_cells:
                raise OverLimit("spreadsheet.limit.strings", limit=limits.max_cells)
            tail = buffer[-48:]


class _CellCount:
    """Filled cells read so far in one file, against ``max_cells``."""

    def __init__(self, limits: Limits):
        self.limit, self.count = limits.max_cells, 0

    def add(self, cells, row: int) -> None:
        self.count += sum(1 for value in cells if value is not None and value != "")
        if self.count > self.limit:
            raise OverLimit("spreadsheet.limit.cells", limit=self.limit, row=row)


def _sheet_rows(sheet, limits: Limits, cells: _CellCount) -> list[Row]:
    """The sheet's non-empty rows, streamed; stops at the first row, column or cell past the limits."""
    # The sheet's <dimension> is the file's claim, not its content: dropped, every bound below is ours.
    sheet.reset_dimensions()
    _guard(sheet, limits)
    last_row = limits.max_rows + 1  # the header and max_rows data rows
    rows: list[Row] = []
    # One row past the limit is read so that a file over it is refused, not cut short: openpyxl yields a row at
    # last_row + 1 (empty when the rows there are missing) whenever the sheet has any row beyond last_row.
    for number, values in enumerate(sheet.iter_rows(min_row=1, max_row=last_row + 1, min_col=1,
                                                    max_col=limits.max_columns, values_only=True), start=1):
        if number > last_row:
            raise OverLimit("spreadsheet.limit.rows", limit=limits.max_rows, sheet=sheet.title)
        if values.count(None) == len(values):
            continue  # an empty row (or one openpyxl made up for a missing row number): nothing to keep
        width = len(values)
        while values[width - 1] is None:
            width -= 1  # openpyxl pads every row to max_col: an IQFast row of 28 columns would hold 200
        row = list(values[:width])
        cells.add(row, number)
        rows.append((number, row))
    return rows


def _guard(sheet, limits: Limits) -> None:
    """Bound what openpyxl parses of one sheet: the tags of each row, and the columns of its cells.

    openpyxl's read-only parser builds a whole <row> element, and a list of every cell in it, before it yields the
    row (a 5 MB file holding one row of 400,000 cells took 12 s and 290 MB), and then drops the cells past max_col
    without a word. Two hooks on this worksheet object (openpyxl 3.1, pinned; the tests fail if they stop being
    called): its sheet stream is read through _SheetGuard, and each parsed row is checked for a column past the
    limit before openpyxl shapes it.
    """
    open_source, shape_row = sheet._get_source, sheet._get_row  # noqa: SLF001 - see above

    def guarded_source():
        return _SheetGuard(open_source(), limits, sheet.title)

    def checked_row(row, min_col=1, max_col=None, values_only=False):
        for cell in row:  # an empty cell out there is formatting, not data: openpyxl drops it, so may we
            if cell["column"] > limits.max_columns and cell["value"] not in (None, ""):
                raise OverLimit("spreadsheet.limit.columns", limit=limits.max_columns, row=cell.get("row") or "?",
                                sheet=sheet.title)
        return shape_row(row, min_col, max_col, values_only)

    sheet._get_source, sheet._get_row = guarded_source, checked_row  # noqa: SLF001


class _SheetGuard:
    """The sheet XML as openpyxl reads it, counted on the way: at most TAGS_PER_COLUMN × max_columns tags from one
    <row> to the next (a cell is 4, a rich-text cell a few dozen), so no row, and nothing between rows, can make
    the parser hold more than that; and no row numbered past the row limit, refused as soon as its tag is read —
    before openpyxl makes up the missing rows up to it (a lone cell at XFD1048576 would be a million of them).
    Counting is bytes.count and one regular expression per row: cheap."""

    TAGS_PER_COLUMN = 64
    ROW = re.compile(rb'<(?:[A-Za-z_][\w.\-]{0,31}:)?row(?=[\s/>])(?:[^<>]{0,300}?\br="(\d{1,9})")?')
    END = re.compile(rb"</(?:[A-Za-z_][\w.\-]{0,31}:)?sheetData\s*>")
    KEEP = 512  # bytes held back for the next read, so a row tag split between two reads is still seen whole

    def __init__(self, raw: BinaryIO, limits: Limits, title: str):
        self.raw, self.title, self.max_columns = raw, title, limits.max_columns
        self.budget = self.TAGS_PER_COLUMN * limits.max_columns + 64
        self.max_rows, self.last_row = limits.max_rows, limits.max_rows + 1
        self.tail, self.tags, self.rows, self.row_number, self.in_rows, self.done = b"", 0, 0, None, False, False

    def read(self, size: int = -1) -> bytes:
        """What the sheet holds, handed on only once counted: the last KEEP bytes wait for the next read."""
        while True:
            data = self.raw.read(size if size and size > 0 else 64 * 1024)
            buffer, final = self.tail + data, not data
            safe = len(buffer) if final else max(len(buffer) - self.KEEP, 0)
            if not self.done:
                self._scan(buffer, safe)
            handed, self.tail = buffer[:safe], buffer[safe:]
            if handed or final:
                return handed

    def _scan(self, buffer: bytes, safe: int) -> None:
        end = self.END.search(buffer)
        if end is not None and end.start() < safe:
            safe, self.done = end.start(), True
        position = 0
        for match in self.ROW.finditer(buffer):
            if match.start() >= safe:
                break
            self._count(buffer, position, match.start())
            self.in_rows, self.tags, position = True, 0, match.start() + 1
            self.rows += 1
            self.row_number = int(match.group(1)) if match.group(1) else self.rows
            if self.row_number > self.last_row:
                raise OverLimit("spreadsheet.limit.rows", limit=self.max_rows, sheet=self.title)
        self._count(buffer, position, safe)

    def _count(self, buffer: bytes, start: int, end: int) -> None:
        if self.in_rows and end > start:
            self.tags += buffer.count(b"<", start, end)
            if self.tags > self.budget:
                raise OverLimit("spreadsheet.limit.columns", limit=self.max_columns, row=self.row_number,
                                sheet=self.title)

    def close(self) -> None:
        self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


# ------------------------------------------------------------------------------------------------------- CSV


def read_csv(source: Source, limits: Limits) -> list[Row]:
    """(record number, cells) of every record of a CSV file (UTF-8, else Windows-1252; ``;``, ``,`` or tab).

    Records are numbered as a spreadsheet numbers rows (a cell with a line break is one row); a record ends at its
    last filled cell.
    """
    check_size(_size_of(source), limits)
    with _binary(source) as stream:
        encoding = _encoding(stream)
        stream.seek(0)
        text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        try:
            # Excel with Indonesian regional settings separates with ";" (the comma is the decimal mark): the one
            # found most often before the first line feed (a bounded look, then back to the start).
            head = text.read(MAX_CSV_LINE)
            delimiter = max((";", ",", "\t"), key=head.split("\n", 1)[0].count)
            text.seek(0)
            lines = iter(lambda: _line(text), "")
            # newline="": the csv module splits the lines itself, so a line break inside a quoted cell (or a lone
            # \r from an old Mac export) is data, not an error.
            rows: list[Row] = []
            cells = _CellCount(limits)
            last_row = limits.max_rows + 1
            for number, record in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
                if number > last_row:
                    raise OverLimit("spreadsheet.limit.rows", limit=limits.max_rows, sheet="")
                width = len(record)
                while width and record[width - 1] == "":
                    width -= 1  # empty cells at the end of a line are no columns (Excel writes ;;; after a table)
                if width > limits.max_columns:
                    raise OverLimit("spreadsheet.limit.columns", limit=limits.max_columns, row=number, sheet="")
                # Kept without them too: a 512 MB export of lines like ";;;;…" would otherwise hold 500 million "".
                record = record[:width]
                cells.add(record, number)
                rows.append((number, record))
            return rows
        except UnicodeDecodeError as error:
            raise Unreadable("spreadsheet.error.encoding", detail=_detail(error)) from error
        except csv.Error as error:  # e.g. a cell past the csv module's field size limit (128 KiB)
            # The parser's English ("field larger than field limit") goes to the log; the reader gets words.
            log.info("unreadable CSV: %s", _detail(error))
            raise Unreadable("spreadsheet.error.csv", detail=_detail(error)) from error
        finally:
            text.detach()


def _encoding(stream: BinaryIO) -> str:
    """UTF-8 (with or without BOM) when every byte decodes as UTF-8, else Windows-1252; read in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1024 * 1024):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"  # Excel on Windows saves CSV as cp1252 unless told otherwise
    return "utf-8-sig"


def _line(text: io.TextIOWrapper) -> str:
    """One physical line, refused past MAX_CSV_LINE characters instead of read whole."""
    line = text.readline(MAX_CSV_LINE + 1)
    if len(line) > MAX_CSV_LINE:
        raise OverLimit("spreadsheet.limit.line", limit=MAX_CSV_LINE)
    return line


def _unreadable_xlsx(error: BaseException) -> Unreadable:
    """A file that is no workbook (a CSV or an old .xls renamed .xlsx, a damaged copy): one message for all of them."""
    detail = _detail(error)
    log.info("unreadable XLSX: %s", detail)
    return Unreadable("spreadsheet.error.xlsx", detail=detail)


def _detail(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]

