"""Exports for Indonesian spreadsheets: CSV with `;` and a decimal comma, file names in the office's date."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from portal.reports import exports

COLUMNS = [("name", "Nama"), ("score", "Skor"), ("count", "Konsinyasi"), ("day", "Tanggal")]


def test_csv_separates_fields_with_a_semicolon_and_writes_a_decimal_comma():
    rows = [{"name": "PT Maju; Jaya", "score": 61.7, "count": 2284, "day": date(2026, 6, 15)},
            {"name": "CV Sari", "score": Decimal("18.13"), "count": 0, "day": None},
            {"name": "UD Kecil", "score": 1e-7, "count": -3, "day": None}]
    lines = exports.csv_bytes(COLUMNS, rows).decode("utf-8-sig").splitlines()
    # A ; inside text is quoted; counts have no thousands separator (a spreadsheet would read 2.284 as 2,284).
    assert lines == ["Nama;Skor;Konsinyasi;Tanggal", '"PT Maju; Jaya";61,7;2284;2026-06-15', "CV Sari;18,13;0;",
                     "UD Kecil;0,0000001;-3;"]


def test_csv_starts_with_a_byte_order_mark_so_excel_reads_utf8():
    assert exports.csv_bytes([("a", "Ä")], []).startswith("\ufeff".encode("utf-8"))


def test_the_file_name_at_half_past_midnight_wib_has_jakartas_date_not_utcs():
    just_after_midnight = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)  # 4 Dec 00:30 WIB
    assert exports.filename("nnc", "xlsx", "Asia/Jakarta", just_after_midnight) == "nnc-2026-12-04.xlsx"
    assert exports.filename("nnc", "csv", "Asia/Jayapura", datetime(2026, 12, 3, 14, 59, tzinfo=UTC)) == \
        "nnc-2026-12-03.csv"  # 23:59 WIT: still the 3rd in Jayapura


def test_the_workbook_keeps_numbers_and_dates_typed_with_thousands_separators():
    import io

    from openpyxl import load_workbook

    rows = [{"name": "PT Maju", "score": 61.7, "count": 2284, "day": date(2026, 6, 15)}]
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(COLUMNS, rows))).active
    name, score, count, day = (cell for cell in next(sheet.iter_rows(min_row=2)))
    assert (score.value, count.value, count.number_format) == (61.7, 2284, "#,##0")
    assert day.value.date() == date(2026, 6, 15) and day.number_format == "yyyy-mm-dd"


def test_a_rankings_export_writes_every_npwp_alike_and_says_its_months():
    """The CSV mixed "01.234.567.8-901.000" with 16 bare digits ("0531060767343450", shown on the page as
    "0531.0607.6734.3450"), and "Sejak pelanggaran terakhir" held a bare "2"."""
    from layouts.compliance_common import export_columns, export_row
    from layouts.components.formatting import format_tax_id

    row = {"tax_id": "0531060767343450", "last_violation_at": None, "intervention": "normal",
           "sampling_percent": 25.0}
    assert export_row(row, "Asia/Jakarta")["tax_id"] == format_tax_id("0531060767343450") != "0531060767343450"
    assert export_row({**row, "tax_id": None}, "Asia/Jakarta")["tax_id"] is None
    assert dict(export_columns())["months_since_last_violation"] == "Bulan sejak pelanggaran terakhir"
