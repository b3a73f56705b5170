"""Issue 16: hostile workbooks through every door of both imports — `qcorner nnc import`, the NNC import page's
upload callback, `qcorner sync --import` and the admin's export upload (/admin/sync/upload).

The files are built in the test (tests/support/workbooks.py): the 4 KB workbook whose <dimension> claims
A1:XFD1048576 with one real cell (it used to allocate until MemoryError: 3.5 s and 130 MB per 1,000 claimed rows),
a sheet whose zip directory declares ~4 GB unpacked, and a sheet with more real rows than the import's limit.
Each is refused (the file as a whole, with the reason, nothing of it written) within a few seconds of CPU time and in
bounded traced memory; the bounds are generous — the point is that the cost no longer grows with the claim (the
dimension bomb alone used to cost about an hour of CPU; reading the rows bomb's 5,001 real rows up to the limit takes
0.5–1.3 s of CPU depending on how busy the shared machine is, so the bound is 3 s, not 1).
"""
from __future__ import annotations

import base64
import io
import json
import time
import tracemalloc

import pytest
from click.testing import CliRunner
from hypothesis import event, given, strategies as st
from sqlalchemy import select

from models import SyncRun, User
from portal.cli.main import main
from portal import spreadsheets
from portal.iqfast import mapping
from portal.services.accounts import current_user_from
from support import workbooks
from support.hostile import changes, fast_user, fuzz, login_as, ran, row_counts
from support.web import csrf_token

CPU_SECONDS = 3.0
PEAK_BYTES = 64 * 1024 * 1024
NNC_HEADER = ["Nomor NNC", "Tanggal NNC", "Arah"]
EXPORT_TABLE = "m_satuan"
EXPORT_ROWS_LIMIT = 1000  # the export's default (a million rows) is lowered so the file stays small
ROWS_OVER = 5001  # past the NNC import's default 5,000 rows and the lowered export limit


def bombs(kind: str) -> dict[str, bytes]:
    """The three hostile workbooks, shaped for one import (the export's sheet is named after its table)."""
    header = NNC_HEADER if kind == "nnc" else mapping.source_columns(EXPORT_TABLE)
    title = "NNC" if kind == "nnc" else EXPORT_TABLE
    return {"dimension": workbooks.dimension_bomb(header[0], title=title),
            "declared_size": workbooks.declared_size_bomb(header, title=title),
            "rows": workbooks.many_rows(header[:1], ROWS_OVER, title=title)}


# What each bomb is refused for: the message names the limit. The one cell at XFD1048576 is past every default
# row limit (the export's is a million); only the rows bomb runs with the export's limit lowered.
NNC_REFUSAL = {"dimension": "5000 baris data (batas baris)", "declared_size": "batas ukuran setelah dekompresi",
               "rows": "5000 baris data (batas baris)"}
EXPORT_REFUSAL = {"dimension": "1000000 baris data (batas baris)", "declared_size": "batas ukuran setelah dekompresi",
                  "rows": f"{EXPORT_ROWS_LIMIT} baris data (batas baris)"}


def measured(act):
    """act() twice: its CPU time untraced, then its peak traced memory; returns (last result, cpu, peak)."""
    started = time.process_time()
    act()
    cpu = time.process_time() - started
    tracemalloc.start()
    try:
        result = act()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, cpu, peak


@pytest.fixture
def operator(database):
    account = fast_user(database, "operator")
    with database.session() as s:
        return current_user_from(s.get(User, account["id"]), "test")


@pytest.mark.parametrize("bomb", ["dimension", "declared_size", "rows"])
def test_hostile_workbook_is_refused_cheaply_by_qcorner_nnc_import(database_url, database, operator, tmp_path, bomb):
    path = tmp_path / "nnc.xlsx"
    path.write_bytes(bombs("nnc")[bomb])
    before = row_counts(database)
    result, cpu, peak = measured(lambda: CliRunner().invoke(
        main, ["nnc", "import", str(path), "--user", operator.username, "--language", "id"],
        env={"QCORNER_DATABASE_URL": database_url}))
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert NNC_REFUSAL[bomb] in result.output, result.output
    assert changes(before, row_counts(database)) == {}
    print(f"{bomb}: {cpu:.3f} s CPU, {peak / 2**20:.1f} MB traced")
    assert cpu < CPU_SECONDS and peak < PEAK_BYTES, (cpu, peak)


@pytest.mark.parametrize("bomb", ["dimension", "declared_size", "rows"])
def test_hostile_workbook_is_refused_cheaply_by_the_nnc_import_page(app, client, database, operator, bomb):
    login_as(client, operator.username)
    contents = "data:application/octet-stream;base64," + base64.b64encode(bombs("nnc")[bomb]).decode()
    key = next(k for k in app.callback_map if "nnc-import-result.children" in k)
    body = json.dumps({"output": key, "outputs": [{"id": "nnc-import-result", "property": "children"},
                                                  {"id": "nnc-import-upload", "property": "contents"}],
                       "inputs": [{"id": "nnc-import-upload", "property": "contents", "value": contents}],
                       "state": [{"id": "nnc-import-upload", "property": "filename", "value": "nnc.xlsx"}],
                       "changedPropIds": ["nnc-import-upload.contents"]})
    before = row_counts(database)
    response, cpu, peak = measured(lambda: client.post("/_dash-update-component", data=body,
                                                       content_type="application/json"))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    answer = response.get_data(as_text=True)
    assert NNC_REFUSAL[bomb] in answer and "danger" in answer
    assert changes(before, row_counts(database)) == {}
    print(f"{bomb}: {cpu:.3f} s CPU, {peak / 2**20:.1f} MB traced")
    assert cpu < CPU_SECONDS and peak < PEAK_BYTES, (cpu, peak)


def _written_by_a_refused_export(delta: dict) -> bool:
    """A refused export file leaves its run's record (and the upload's audit row), nothing else."""
    return set(delta) <= {"sync_runs", "audit_log"}


@pytest.mark.parametrize("bomb", ["dimension", "declared_size", "rows"])
def test_hostile_workbook_is_refused_cheaply_by_qcorner_sync_import(database_url, database, tmp_path, bomb):
    path = tmp_path / f"{EXPORT_TABLE}.xlsx"
    path.write_bytes(bombs("export")[bomb])
    before = row_counts(database)
    result, cpu, peak = measured(lambda: CliRunner().invoke(
        main, ["sync", "--import", str(path)],
        env={"QCORNER_DATABASE_URL": database_url,
             "QCORNER_EXPORT_IMPORT_MAX_ROWS": str(EXPORT_ROWS_LIMIT if bomb == "rows" else 1_000_000)}))
    assert result.exit_code == 1 and ": failed" in result.output, (result.output, result.exception)
    assert "baris 0: " in result.output and EXPORT_REFUSAL[bomb] in result.output, result.output
    delta = changes(before, row_counts(database))
    assert _written_by_a_refused_export(delta) and delta.get("sync_runs") == 2, delta  # two runs: two measurements
    print(f"{bomb}: {cpu:.3f} s CPU, {peak / 2**20:.1f} MB traced")
    assert cpu < CPU_SECONDS and peak < PEAK_BYTES, (cpu, peak)


@pytest.mark.parametrize("bomb", ["dimension", "declared_size", "rows"])
def test_hostile_workbook_is_refused_cheaply_by_the_admin_export_upload(app, client, database, settings, monkeypatch,
                                                                        bomb):
    if bomb == "rows":
        monkeypatch.setattr(settings, "export_import_max_rows", EXPORT_ROWS_LIMIT)
    admin = fast_user(database, "admin")
    login_as(client, admin["username"])
    token = csrf_token(client, "/pengaduan")
    content = bombs("export")[bomb]
    before = row_counts(database)
    response, cpu, peak = measured(lambda: client.post(
        "/admin/sync/upload", data={"csrf_token": token, "file": (io.BytesIO(content), f"{EXPORT_TABLE}.xlsx")},
        content_type="multipart/form-data"))
    answer = response.get_data(as_text=True)
    assert response.status_code == 200 and EXPORT_REFUSAL[bomb] in answer, answer[-1500:]
    delta = changes(before, row_counts(database))
    assert _written_by_a_refused_export(delta) and delta.get("sync_runs") == 2, delta
    with database.session() as s:
        runs = s.scalars(select(SyncRun).order_by(SyncRun.id.desc()).limit(2)).all()
        assert {run.status for run in runs} == {"failed"}
    print(f"{bomb}: {cpu:.3f} s CPU, {peak / 2**20:.1f} MB traced")
    assert cpu < CPU_SECONDS and peak < PEAK_BYTES, (cpu, peak)


# ------------------------------------------------------------------------------------------------ the reader itself
@st.composite
def sheets(draw):
    """(limits, the sheet's XML rows, what a reader must return, the limits the sheet passes)."""
    limits = spreadsheets.Limits(max_bytes=10 * 1024 * 1024, max_rows=draw(st.integers(1, 40)),
                                 max_columns=draw(st.integers(1, 8)), max_cells=draw(st.integers(1, 80)),
                                 max_sheets=5, max_unzipped_bytes=50 * 1024 * 1024, max_ratio=100)
    prefix = draw(st.sampled_from(("", "x:")))  # some writers spell every tag with a prefix
    explicit = draw(st.booleans())  # r="…" on rows and cells, or numbered by position
    number, parts, expected, passed = 0, [], [], set()
    filled = 0
    for _ in range(draw(st.integers(0, 16))):
        number += draw(st.integers(1, 3)) if explicit else 1
        # Now and then a row wider than the limit; mostly rows within it, so the reading is compared too.
        width = draw(st.integers(0, limits.max_columns + (2 if draw(st.integers(0, 5)) == 0 else 0)))
        values = [draw(st.one_of(st.none(), st.integers(-10**6, 10**6),
                                 st.text("abcXYZ019 -", min_size=1, max_size=3000).map(str.strip).filter(bool)))
                  for _ in range(width)]
        cells = []
        for column, value in enumerate(values, start=1):
            if value is None and explicit:
                continue
            reference = f' r="{workbooks.column(column)}{number}"' if explicit else ""
            if value is None:
                cells.append(f"<{prefix}c{reference}/>")
            elif isinstance(value, int):
                cells.append(f"<{prefix}c{reference}><{prefix}v>{value}</{prefix}v></{prefix}c>")
            else:
                cells.append(f'<{prefix}c{reference} t="inlineStr"><{prefix}is><{prefix}t>{value}</{prefix}t>'
                             f"</{prefix}is></{prefix}c>")
        row_reference = f' r="{number}"' if explicit else ""
        parts.append(f"<{prefix}row{row_reference}>{''.join(cells)}</{prefix}row>")
        if number > limits.max_rows + 1:
            passed.add("spreadsheet.limit.rows")
        if any(value is not None for value in values[limits.max_columns:]):
            passed.add("spreadsheet.limit.columns")
        filled += sum(value is not None for value in values)
        if any(value is not None for value in values):
            last = max(i for i, value in enumerate(values) if value is not None)
            expected.append((number, values[:last + 1]))
    if filled > limits.max_cells:
        passed.add("spreadsheet.limit.cells")
    body = "".join(parts)
    if prefix:
        sheet = (f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{workbooks.MAIN}">'
                 f'<x:dimension ref="A1:XFD1048576"/><x:sheetData>{body}</x:sheetData></x:worksheet>')
    else:
        sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{workbooks.MAIN}">'
                 f'<dimension ref="A1:XFD1048576"/><sheetData>{body}</sheetData></worksheet>')
    return limits, workbooks.package(sheet), expected, passed


@fuzz(4)
@given(case=sheets())
def test_the_reader_returns_every_row_of_a_file_within_its_limits_and_refuses_one_past_them(case):
    """Within the limits, exactly the rows openpyxl holds (the guard on the sheet's XML changes nothing, wherever
    its reads cut the rows); past any limit, refused with one of the limits passed — never another exception."""
    limits, data, expected, passed = case
    try:
        rows = spreadsheets.read_xlsx(data, limits)[0][1]
    except spreadsheets.OverLimit as refused:
        assert refused.key in passed, (refused.key, refused.params, passed)
        event(f"refused: {refused.key}")
    else:
        assert not passed, passed
        assert rows == expected
        event("read")
    ran("spreadsheet reader (limits)")


@fuzz(4)
@given(records=st.lists(st.lists(st.text(st.sampled_from('ab1 ;,"\t\r\n\u00e9'), max_size=12), max_size=6), max_size=14),
       delimiter=st.sampled_from((";", ",", "\t")), encoding=st.sampled_from(("utf-8", "utf-8-sig", "cp1252")),
       line_end=st.sampled_from(("\r\n", "\n", "\r")), max_rows=st.integers(1, 16), max_columns=st.integers(1, 7))
def test_the_csv_reader_reads_what_the_csv_module_reads_within_the_limits(records, delimiter, encoding, line_end,
                                                                          max_rows, max_columns):
    """Line by line with a bounded line length, the records are the csv module's own reading of the whole text."""
    import csv

    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter, lineterminator=line_end).writerows(records)
    data = buffer.getvalue().encode(encoding)
    limits = spreadsheets.Limits(max_bytes=1024 * 1024, max_rows=max_rows, max_columns=max_columns, max_cells=10**6,
                                 max_sheets=1, max_unzipped_bytes=1, max_ratio=1)
    text = data.decode("utf-8-sig" if encoding.startswith("utf-8") else "cp1252")
    sniffed = max((";", ",", "\t"), key=text.split("\n", 1)[0].count)
    expected = list(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=sniffed), start=1))

    def width(record):
        return max((i + 1 for i, cell in enumerate(record) if cell != ""), default=0)

    passed = {"spreadsheet.limit.rows"} if len(expected) > max_rows + 1 else set()
    passed |= {"spreadsheet.limit.columns"} if any(width(r) > max_columns for _n, r in expected) else set()
    try:
        rows = spreadsheets.read_csv(data, limits)
    except spreadsheets.OverLimit as refused:
        assert refused.key in passed, (refused.key, refused.params, passed)
        event(f"refused: {refused.key}")
    else:
        assert not passed and rows == [(n, record[:width(record)]) for n, record in expected]
        event("read")
    ran("spreadsheet reader (CSV limits)")
