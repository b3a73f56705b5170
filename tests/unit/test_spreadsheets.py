"""portal.spreadsheets: every import's reader refuses a file over a limit before the work, and names the limit.

CPU time (time.process_time) and traced memory (tracemalloc) are measured with generous bounds: the point is
that the cost stops at the limit instead of growing with what the file claims or holds.
"""
from __future__ import annotations

import time
import tracemalloc

import pytest

from portal import spreadsheets
from portal.i18n import t
from portal.settings import load_settings
from support import workbooks

LIMITS = spreadsheets.Limits(max_bytes=10 * 1024 * 1024, max_rows=100, max_columns=20, max_cells=1000,
                             max_sheets=3, max_unzipped_bytes=20 * 1024 * 1024, max_ratio=100)
CPU_SECONDS = 1.0
PEAK_BYTES = 32 * 1024 * 1024


def cost(read):
    """(what read() returned or raised, CPU seconds, peak traced bytes): the CPU without tracing, then traced."""
    started = time.process_time()
    try:
        read()
    except spreadsheets.SpreadsheetError:
        pass
    cpu = time.process_time() - started
    tracemalloc.start()
    try:
        try:
            outcome = read()
        except spreadsheets.SpreadsheetError as error:
            outcome = error
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return outcome, cpu, peak


def first_sheet(data: bytes, limits=LIMITS):
    return spreadsheets.read_xlsx(data, limits, pick=lambda worksheets: worksheets[:1])[0][1]


def test_a_dimension_claiming_a_million_rows_of_16384_columns_costs_what_its_one_cell_costs():
    outcome, cpu, peak = cost(lambda: first_sheet(workbooks.dimension_bomb("Nomor NNC", corner=False)))
    assert outcome == [(1, ["Nomor NNC"])]
    assert cpu < CPU_SECONDS and peak < PEAK_BYTES, (cpu, peak)


@pytest.mark.parametrize("kind", spreadsheets.KINDS)
def test_one_cell_at_xfd1048576_is_refused_before_the_rows_up_to_it_are_made_up(kind):
    """With the import's own limits (the export's allow a million rows): refused when its row tag is read."""
    limits = spreadsheets.limits_for(kind, load_settings())
    outcome, cpu, peak = cost(lambda: first_sheet(workbooks.dimension_bomb("Nomor NNC"), limits))
    assert isinstance(outcome, spreadsheets.OverLimit) and outcome.key == "spreadsheet.limit.rows", outcome
    assert outcome.params["limit"] == limits.max_rows
    assert cpu < CPU_SECONDS and peak < PEAK_BYTES, (cpu, peak)


def test_a_sheet_declaring_gigabytes_unpacked_is_refused_before_a_byte_is_unpacked():
    data = workbooks.declared_size_bomb(["Nomor NNC"])
    assert len(data) < 5000
    outcome, cpu, peak = cost(lambda: first_sheet(data))
    assert isinstance(outcome, spreadsheets.OverLimit) and outcome.key == "spreadsheet.limit.unzipped"
    assert outcome.params["limit"] == "20 MB" and outcome.params["size"].endswith("GB")
    assert cpu < CPU_SECONDS and peak < PEAK_BYTES, (cpu, peak)
    assert "20 MB" in t(outcome.key, "id", **outcome.params) and "batas" in t(outcome.key, "id", **outcome.params)


def test_a_sheet_that_packs_like_a_zip_bomb_is_refused_by_its_ratio():
    data = workbooks.packed_bomb(15, ["Nomor NNC"])  # 15 MB of blanks: under the unpacked limit, ~1000 times packed
    outcome, cpu, peak = cost(lambda: first_sheet(data))
    assert isinstance(outcome, spreadsheets.OverLimit) and outcome.key == "spreadsheet.limit.ratio", outcome
    assert outcome.params["member"] == workbooks.SHEET_PATH and outcome.params["ratio"] > 100
    assert cpu < CPU_SECONDS and peak < PEAK_BYTES, (cpu, peak)


def test_rows_past_the_limit_stop_the_reading_at_the_limit():
    data = workbooks.many_rows(["a", "b"], 50_000)
    outcome, cpu, peak = cost(lambda: first_sheet(data))
    assert isinstance(outcome, spreadsheets.OverLimit) and outcome.key == "spreadsheet.limit.rows"
    assert outcome.params["limit"] == 100
    assert cpu < CPU_SECONDS and peak < PEAK_BYTES, (cpu, peak)
    assert len(first_sheet(workbooks.many_rows(["a", "b"], 100))) == 101  # the header and exactly the limit: read


def test_a_row_far_below_missing_rows_is_not_cut_off_silently():
    data = workbooks.xlsx(workbooks.row_xml(1, ["a"]) + workbooks.row_xml(1_048_576, ["hidden"]))
    with pytest.raises(spreadsheets.OverLimit) as refused:
        first_sheet(data)
    assert refused.value.key == "spreadsheet.limit.rows"


def test_a_cell_past_the_column_limit_is_refused_not_dropped():
    data = workbooks.xlsx('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>')
    with pytest.raises(spreadsheets.OverLimit) as refused:
        first_sheet(data)
    assert refused.value.key == "spreadsheet.limit.columns" and refused.value.params["row"] == 1


def test_one_row_of_400000_cells_is_refused_before_openpyxl_builds_it():
    """openpyxl parses a whole <row> before yielding it: this 5 MB file took 12 s and 290 MB unguarded."""
    data = workbooks.one_wide_row(400_000)
    limits = spreadsheets.Limits(**{**LIMITS.__dict__, "max_unzipped_bytes": 100 * 1024 * 1024})
    outcome, cpu, peak = cost(lambda: first_sheet(data, limits))
    assert isinstance(outcome, spreadsheets.OverLimit) and outcome.key == "spreadsheet.limit.columns", outcome
    assert cpu < CPU_SECONDS and peak < PEAK_BYTES, (cpu, peak)


def test_filled_cells_past_the_limit_are_refused():
    data = workbooks.many_rows([f"c{i}" for i in range(20)], 60)  # 1,220 cells; the limit is 1,000
    with pytest.raises(spreadsheets.OverLimit) as refused:
        first_sheet(data)
    assert refused.value.key == "spreadsheet.limit.cells" and refused.value.params["row"] == 51  # 1,020 cells


def test_more_shared_strings_than_the_cell_limit_are_refused_before_openpyxl_reads_them():
    assert first_sheet(workbooks.many_strings(1000)) == [(1, ["0"])]
    outcome, cpu, peak = cost(lambda: first_sheet(workbooks.many_strings(300_000)))
    assert isinstance(outcome, spreadsheets.OverLimit) and outcome.key == "spreadsheet.limit.strings", outcome
    assert outcome.params == {"limit": 1000}
    assert cpu < CPU_SECONDS and peak < PEAK_BYTES, (cpu, peak)


def test_too_many_sheets_are_refused_and_only_the_picked_sheets_are_read():
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook()
    for n in range(3):
        workbook.create_sheet(f"s{n}").append([n])
    buffer = BytesIO()
    workbook.save(buffer)
    with pytest.raises(spreadsheets.OverLimit) as refused:
        spreadsheets.read_xlsx(buffer.getvalue(), LIMITS)
    assert refused.value.key == "spreadsheet.limit.sheets" and refused.value.params == {"limit": 3, "count": 4}
    many = spreadsheets.Limits(**{**LIMITS.__dict__, "max_sheets": 4})
    picked = spreadsheets.read_xlsx(buffer.getvalue(), many, pick=lambda sheets: [s for s in sheets if s.title == "s1"])
    assert picked == [("s1", [(1, [1])])]


def test_a_file_over_the_byte_limit_is_refused_unread(tmp_path):
    small = spreadsheets.Limits(**{**LIMITS.__dict__, "max_bytes": 1000})
    path = tmp_path / "big.csv"
    path.write_bytes(b"a;b\n" * 1000)
    with pytest.raises(spreadsheets.OverLimit) as refused:
        spreadsheets.read_csv(str(path), small)
    assert refused.value.params == {"limit": "1000 B", "size": "3.9 KB"}
    with pytest.raises(spreadsheets.OverLimit):
        spreadsheets.read_xlsx(b"PK\x03\x04" + b"\x00" * 2000, small)


def test_a_workbook_that_is_no_zip_or_whose_sheet_cannot_be_parsed_is_unreadable():
    with pytest.raises(spreadsheets.Unreadable) as refused:
        first_sheet(b"PK\x03\x04 not really a zip")
    assert refused.value.key == "spreadsheet.error.xlsx"
    damaged = bytearray(workbooks.many_strings(2000))
    start = damaged.find(b"xl/sharedStrings.xml") + len("xl/sharedStrings.xml")  # its packed bytes follow the name
    damaged[start + 40:start + 60] = b"\xff" * 20
    for broken in (workbooks.xlsx('<row r="1"><c r="A1" t="s"><v>7</v></c></row>'),  # no shared string 7
                   workbooks.xlsx('<row r="1"><c r="A1"><v>1</v></c>'),  # the XML stops short
                   bytes(damaged)):  # the shared strings' packed bytes damaged
        with pytest.raises(spreadsheets.Unreadable) as refused:
            first_sheet(broken)
        assert refused.value.key == "spreadsheet.error.xlsx" and refused.value.params["detail"]


def test_csv_rows_columns_lines_and_cells_stop_at_their_limits():
    assert spreadsheets.read_csv("a;b\n1;2\n".encode(), LIMITS) == [(1, ["a", "b"]), (2, ["1", "2"])]
    started = time.process_time()
    with pytest.raises(spreadsheets.OverLimit) as rows:
        spreadsheets.read_csv(b"a;b\n" + b"1;2\n" * 1_000_000, LIMITS)
    assert rows.value.key == "spreadsheet.limit.rows" and time.process_time() - started < CPU_SECONDS
    with pytest.raises(spreadsheets.OverLimit) as columns:
        spreadsheets.read_csv(b"a;b\n" + b";".join([b"x"] * 21) + b"\n", LIMITS)
    assert columns.value.key == "spreadsheet.limit.columns" and columns.value.params["row"] == 2
    # Empty cells after the last filled one are no columns: Excel writes ;;;; past a table.
    assert spreadsheets.read_csv(b"a;b" + b";" * 500 + b"\n", LIMITS) == [(1, ["a", "b"])]
    with pytest.raises(spreadsheets.OverLimit) as line:
        spreadsheets.read_csv(b"a;b\n" + b"x" * (spreadsheets.MAX_CSV_LINE + 10) + b"\n",
                              spreadsheets.Limits(**{**LIMITS.__dict__, "max_bytes": 4 * 1024 * 1024}))
    assert line.value.key == "spreadsheet.limit.line"
    with pytest.raises(spreadsheets.OverLimit) as cells:
        spreadsheets.read_csv(b"\n".join([b";".join([b"x"] * 20)] * 60), LIMITS)
    assert cells.value.key == "spreadsheet.limit.cells"


def test_csv_is_read_as_utf8_else_windows_1252_and_keeps_line_breaks_inside_cells():
    assert spreadsheets.read_csv("\ufeffnama;kota\nBéla;Médan\n".encode(), LIMITS)[1] == (2, ["Béla", "Médan"])
    assert spreadsheets.read_csv("nama,kota\nBéla,Médan\n".encode("cp1252"), LIMITS)[1] == (2, ["Béla", "Médan"])
    assert spreadsheets.read_csv(b'a,b\n"one\rtwo",3\n4,5\n', LIMITS) == [(1, ["a", "b"]), (2, ["one\rtwo", "3"]),
                                                                          (3, ["4", "5"])]
    with pytest.raises(spreadsheets.Unreadable) as refused:
        spreadsheets.read_csv(b"a,b\n\x81\x8d\x8f\n", LIMITS)
    assert refused.value.key == "spreadsheet.error.encoding"


def test_each_import_kind_has_its_own_limits_from_the_settings():
    settings = load_settings(nnc_import_max_rows=7, export_import_max_rows=9, spreadsheet_max_sheets=2)
    nnc, export = spreadsheets.limits_for("nnc_import", settings), spreadsheets.limits_for("export_import", settings)
    assert (nnc.max_rows, export.max_rows, nnc.max_sheets) == (7, 9, 2)
    defaults = load_settings()
    assert spreadsheets.limits_for("export_import", defaults).max_bytes == 512 * 1024 * 1024  # the admin's upload
    assert spreadsheets.limits_for("nnc_import", defaults).max_rows < spreadsheets.limits_for(
        "export_import", defaults).max_rows
    with pytest.raises(ValueError):
        spreadsheets.limits_for("complaints", settings)


def test_a_file_that_is_no_workbook_is_named_in_words_not_in_the_parsers_english():
    """"berkas XLSX tidak dapat dibuka: File is not a zip file" showed zipfile's English to the person uploading: the
    message says what the file is and what to do, in both languages; the parser's words stay in `detail` (the log)."""
    with pytest.raises(spreadsheets.Unreadable) as refused:
        first_sheet(b"id_ptk;no_ptk\n1;X\n")
    assert refused.value.params["detail"] == "File is not a zip file"
    indonesian = t(refused.value.key, language="id", **refused.value.params)
    english = t(refused.value.key, language="en", **refused.value.params)
    assert indonesian.startswith("Berkas ini bukan XLSX yang sah") and english.startswith("This file is not a valid")
    assert "zip" not in indonesian.lower() + english.lower()


def test_a_csv_the_parser_cannot_read_is_named_in_words_not_in_the_parsers_english():
    """"berkas CSV tidak dapat dibaca: field larger than field limit (131072)": the csv module's English showed."""
    with pytest.raises(spreadsheets.Unreadable) as refused:
        spreadsheets.read_csv(b'no_ptk;catatan\n1;"' + b"x" * 200_000 + b'"\n', LIMITS)
    assert "field larger than field limit" in refused.value.params["detail"]  # kept for the log
    indonesian = t(refused.value.key, language="id", **refused.value.params)
    english = t(refused.value.key, language="en", **refused.value.params)
    assert indonesian.startswith("Berkas CSV ini tidak dapat dibaca") and english.startswith("This CSV file")
    assert "field" not in indonesian and "limit" not in english
