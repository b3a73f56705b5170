"""CSV and XLSX exports that a spreadsheet cannot turn into formulas, for Indonesian spreadsheets.

XLSX is the first choice (numbers and dates typed, whatever the PC's locale). The CSV is written the way a
spreadsheet set to Indonesian reads it: `;` between fields and a decimal comma (65,9 — with `,` between fields and
a decimal point, Excel in Indonesian puts each line in one cell or reads 65.9 as text).

A cell that starts with = + - @ (or a tab or carriage return) would run as a formula when the file
is opened in Excel or LibreOffice ("CSV injection"); such text gets a leading apostrophe. Numbers and
dates stay numbers and dates.

    columns = [("number", "Nomor"), ("notice_date", "Tanggal")]
    data = exports.csv_bytes(columns, rows)             # rows: dicts (or anything with .get)
    data = exports.xlsx_bytes(columns, rows, sheet="NNC")
    name = exports.filename("nnc", "xlsx", "Asia/Jakarta")   # nnc-2026-12-04.xlsx: the office's date
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.domain.periods import today_in

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_MIME = "text/csv"
CSV_DELIMITER = ";"
CSV_DECIMAL = ","
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Columns = Sequence[tuple[str, str]]  # (key in the row, header shown)


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell_text(value: Any, decimal: str = CSV_DECIMAL) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)  # no thousands separator: a spreadsheet reads 2284 as a number, "2.284" as 2,284
    if isinstance(value, (float, Decimal)):
        # The shortest text that reads back as the same number, never in exponent form (1e-07).
        return format(Decimal(repr(value)) if isinstance(value, float) else value, "f").replace(".", decimal)
    return neutralise(str(value))


def csv_bytes(columns: Columns, rows: Iterable[dict], delimiter: str = CSV_DELIMITER,
              decimal: str = CSV_DECIMAL) -> bytes:
    """UTF-8 CSV with a byte-order mark (so Excel reads Indonesian text right), headers first; `;` and a
    decimal comma unless told otherwise."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(header) for _key, header in columns])
    for row in rows:
        writer.writerow([_cell_text(row.get(key), decimal) for key, _header in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones: callers pass local times
    if isinstance(value, date):
        return value
    return neutralise(str(value))


def xlsx_bytes(columns: Columns, rows: Iterable[dict], sheet: str = "Data") -> bytes:
    """An XLSX workbook with one sheet: bold headers, frozen header row, sensible column widths."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet[:31] or "Data")
    widths = [min(max(len(header), 10), 60) for _key, header in columns]
    worksheet.freeze_panes = "A2"
    for index, width in enumerate(widths):
        worksheet.column_dimensions[_column_letter(index)].width = width + 2
    header_cells = []
    for _key, header in columns:
        cell = WriteOnlyCell(worksheet, value=neutralise(header))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    worksheet.append(header_cells)
    for row in rows:
        cells = []
        for key, _header in columns:
            value = _xlsx_value(row.get(key))
            cell = WriteOnlyCell(worksheet, value=value)
            if isinstance(value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, int) and not isinstance(value, bool):
                cell.number_format = "#,##0"  # 2.284 in a spreadsheet set to Indonesian, as on the page
            cells.append(cell)
        worksheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(stem: str, extension: str, zone: str, now: datetime | None = None) -> str:
    """`stem-YYYY-MM-DD.extension` with the office's date: at 00:30 WIB it is already the next day in Jakarta
    while UTC still has the day before."""
    return f"{stem}-{today_in(zone, now).isoformat()}.{extension}"


def _column_letter(index: int) -> str:
    return get_column_letter(index + 1)
