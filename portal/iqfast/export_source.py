"""Reading IQFast export files (CSV or XLSX) into the same typed rows the SQL reader gives.

Layout (docs/sync.md): one IQFast table per file or per sheet. The header row holds IQFast's column
names (any order, extra columns ignored, every column of the table present); the table is the sheet's
name, or else the start of the file name (``riwayat_ptk.csv``, ``ptk_2026-03-01.xlsx``). Row numbers
are the ones a spreadsheet shows: the header is row 1, the first data row is row 2.

Values are checked against IQFast's column types (``simulator_schema``): numbers, dates and times
(``2026-03-01 13:45:00``, ``01/03/2026 13:45``…), lengths, and required columns. A bad value rejects its
row with a reason (a portal.i18n.Phrase: Indonesian text that keeps its keys, so the upload page says it in its
reader's language); the file as a whole is refused only when it cannot be read at all.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import BigInteger, Date, DateTime, Integer, Numeric, SmallInteger, String, Text

from portal import spreadsheets
from portal.i18n import Phrase, t
from portal.iqfast import mapping

log = logging.getLogger("qcorner.sync")

EXPORT_SUFFIXES = (".csv", ".xlsx")
DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M:%S",
                    "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%Y-%m-%d %H:%M:%S.%f")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")
FIRST_YEAR, LAST_YEAR = 1900, 2200  # the dates a row may carry


class ExportFileError(ValueError):
    """The file as a whole cannot be used; the message says why and what to do (in Indonesian, for the run's record).

    ``key`` and ``params``, when set, are the message's translation key (portal.spreadsheets' refusals), so a page
    can say it in its reader's language."""

    def __init__(self, message: str, key: str | None = None, params: dict | None = None):
        super().__init__(message)
        self.key, self.params = key, dict(params or {})


@dataclass
class Sheet:
    """The rows of one IQFast table from an export file."""

    table: str
    columns: list[str]                                                  # mapping.source_columns(table)
    rows: list[tuple[int, tuple]] = field(default_factory=list)         # (row number, typed row)
    errors: list[tuple[int, Phrase]] = field(default_factory=list)      # (row number, reason)


def table_for_filename(filename: str) -> str | None:
    """The IQFast table a file name starts with (the longest match: ``ptk_komoditas`` before ``ptk``)."""
    stem = Path(filename).stem.lower()
    for name in sorted(mapping.SOURCE_TABLES, key=len, reverse=True):
        if stem == name or (stem.startswith(name) and not stem[len(name)].isalpha()):
            return name
    return None


def read_export_file(path: str, filename: str, limits: spreadsheets.Limits | None = None) -> list[Sheet]:
    """Every IQFast table in the file, with its rows typed and its bad rows explained.

    Read through portal.spreadsheets with the export import's limits (QCORNER_EXPORT_IMPORT_MAX_…): a file over
    one is refused as a whole, with a message naming the limit, before the rows past it are read.
    """
    limits = limits or spreadsheets.limits_for("export_import")
    suffix = Path(filename).suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise _refused("sync.export.error.suffix", filename=filename)
    try:
        if suffix == ".csv":
            table = table_for_filename(filename)
            if table is None:
                raise _unknown_table(filename)
            return [_sheet(table, spreadsheets.read_csv(path, limits))]
        return _xlsx_sheets(path, filename, limits)
    except spreadsheets.SpreadsheetError as error:
        raise ExportFileError(t(error.key, language="id", **error.params), error.key, error.params) from None
    except OSError as error:
        log.warning("export file %s unreadable: %s", filename, error)  # the system's words stay in the log
        raise _refused("sync.export.error.unreadable", filename=filename) from error


def _refused(key: str, **params) -> ExportFileError:
    """A refusal in the run's record (Indonesian) that a page says again in its reader's language (its key)."""
    return ExportFileError(t(key, language="id", **params), key, params)


def _unknown_table(name: str | None) -> ExportFileError:
    """`name`: the file's, or None for a workbook of several sheets none of which is named after a table."""
    tables = ", ".join(mapping.SOURCE_TABLES)
    if name is None:
        return _refused("sync.export.error.unknown_sheets", tables=tables)
    return _refused("sync.export.error.unknown_table", name=name, tables=tables)


def _xlsx_sheets(path: str, filename: str, limits: spreadsheets.Limits) -> list[Sheet]:
    tables: list[str] = []

    def pick(worksheets):
        """The sheets named after a table, or the only sheet when the file's name says its table."""
        named = [ws for ws in worksheets if ws.title.strip().lower() in mapping.SOURCE_TABLES]
        if named:
            tables.extend(ws.title.strip().lower() for ws in named)
            return named
        table = table_for_filename(filename)
        if table is None or len(worksheets) != 1:
            raise _unknown_table(filename if len(worksheets) == 1 else None)
        tables.append(table)
        return worksheets

    sheets = spreadsheets.read_xlsx(path, limits, pick=pick)
    return [_sheet(table, rows) for table, (_title, rows) in zip(tables, sheets)]


def _sheet(table: str, rows: list[tuple[int, list]]) -> Sheet:
    columns = mapping.source_columns(table)
    sheet = Sheet(table, columns)
    if not rows:
        raise _refused("sync.export.error.empty", table=table)
    # The header is row 1 (docs/sync.md); the reader keeps only rows with something in them.
    header = [str(value).strip().lower() if value is not None else "" for value in rows[0][1]] \
        if rows[0][0] == 1 else []
    missing = [name for name in columns if name not in header]
    if missing:
        raise _refused("sync.export.error.missing_columns", table=table, columns=", ".join(missing))
    positions = [header.index(name) for name in columns]
    source = mapping.source_table(table)
    parsers = [_parser(source.c[name]) for name in columns]
    for number, values in rows[1:]:
        if not any(value not in (None, "") for value in values):
            continue  # blank lines at the end of a sheet
        typed, problems = [], []
        for name, position, parse in zip(columns, positions, parsers):
            value = values[position] if position < len(values) else None
            try:
                typed.append(parse(value))
            except BadValue as error:
                problems.append((error.key, {**error.params, "column": name}))
            except ValueError as error:  # none of ours: the row is still refused, not the whole file
                problems.append(("sync.row.value.other", {"column": name, "problem": str(error)[:200]}))
        if problems:
            sheet.errors.append((number, Phrase(problems)))
        else:
            sheet.rows.append((number, tuple(typed)))
    return sheet


class BadValue(ValueError):
    """A cell its column cannot take: the reason's key (``sync.row.value.*``; its column is added by the sheet)."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key, self.params = key, params


def _parser(column):
    """A function from a cell to a typed value, raising BadValue with a reason."""
    kind, required = column.type, not column.nullable

    def empty():
        if required:
            raise BadValue("sync.row.value.required")
        return None

    if isinstance(kind, (Integer, SmallInteger, BigInteger)):
        # The column's range in IQFast: a larger number cannot be one of its values (and would fail the whole
        # file's transaction on our side instead of this one row).
        bits = 16 if isinstance(kind, SmallInteger) else 64 if isinstance(kind, BigInteger) else 32

        def parse(value):
            if value is None or (isinstance(value, str) and not value.strip()):
                return empty()
            if isinstance(value, bool):
                raise BadValue("sync.row.value.not_integer", value=repr(value))
            if isinstance(value, int):
                return _in_range(value, bits)
            if isinstance(value, float) and value.is_integer():
                return _in_range(int(value), bits)
            text = str(value).strip()
            try:
                return _in_range(int(text), bits)
            except ValueError:
                try:
                    number = Decimal(text.replace(",", "."))
                except InvalidOperation:
                    raise BadValue("sync.row.value.not_integer", value=repr(text[:40])) from None
                if not number.is_finite() or number != number.to_integral_value():
                    raise BadValue("sync.row.value.not_integer", value=repr(text[:40])) from None
                return _in_range(int(number), bits)
        return parse
    if isinstance(kind, Numeric):
        def parse(value):
            if value is None or (isinstance(value, str) and not value.strip()):
                return empty()
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return _fits(Decimal(str(value)), kind)
            text = str(value).strip().replace(" ", "")
            if "," in text and "." in text:  # 1.234,5 (Indonesian) or 1,234.5 (English)
                text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
            elif "," in text:
                text = text.replace(",", ".")
            try:
                return _fits(Decimal(text), kind)
            except InvalidOperation:
                raise BadValue("sync.row.value.not_number", value=repr(value)) from None
        return parse
    if isinstance(kind, DateTime):
        def parse(value):
            if value is None or (isinstance(value, str) and not value.strip()):
                return empty()
            if isinstance(value, datetime):
                return _plausible(value.replace(tzinfo=None, microsecond=0))
            if isinstance(value, date):
                return _plausible(datetime(value.year, value.month, value.day))
            return _plausible(_parse_text(str(value).strip(), DATETIME_FORMATS, "sync.row.value.not_datetime"))
        return parse
    if isinstance(kind, Date):
        def parse(value):
            if value is None or (isinstance(value, str) and not value.strip()):
                return empty()
            if isinstance(value, datetime):
                return _plausible(value).date()
            if isinstance(value, date):
                return _plausible(datetime(value.year, value.month, value.day)).date()
            return _plausible(_parse_text(str(value).strip(), DATE_FORMATS, "sync.row.value.not_date")).date()
        return parse
    length = getattr(kind, "length", None) if isinstance(kind, (String, Text)) else None

    def parse(value):
        if value is None:
            return empty()
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a code Excel turned into a number
        text = str(value).strip()
        if not text:
            return empty()
        if "\x00" in text:  # PostgreSQL cannot store it: this row is refused, not the whole file
            raise BadValue("sync.row.value.nul")
        if length and len(text) > length:
            raise BadValue("sync.row.value.too_long", length=len(text), limit=length)
        return text
    return parse


class OutOfRange(BadValue):
    """A number too large for its column: the row's reason, not a different spelling to try."""


def _in_range(number: int, bits: int) -> int:
    if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
        raise OutOfRange("sync.row.value.integer_range", bits=bits)
    return number


def _fits(number: Decimal, kind) -> Decimal:
    """A finite number with no more integer digits than the column holds (Numeric(14, 3): 11)."""
    if not number.is_finite():
        raise BadValue("sync.row.value.not_number", value=str(number))
    if kind.precision is not None and abs(number) >= Decimal(10) ** (kind.precision - (kind.scale or 0)):
        raise BadValue("sync.row.value.digits_range", digits=kind.precision - (kind.scale or 0))
    return number


def _plausible(moment: datetime) -> datetime:
    """A date IQFast could have recorded; year 0001 or 9999 is a typo, and would not survive the time zones."""
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise BadValue("sync.row.value.year_range", year=moment.year, first=FIRST_YEAR, last=LAST_YEAR)
    return moment


def _parse_text(text: str, formats: tuple[str, ...], refusal: str) -> datetime:
    for pattern in formats:
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    raise BadValue(refusal, value=repr(text))
