"""The imports under hostile files: the NNC import (service, Dash upload, `qcorner nnc import`) and the IQFast
export import (portal.services.sync.export_files.import_export_file and the admin upload route).

Files start valid and are damaged at random: cells replaced by hostile text, numbers and dates, columns added,
dropped and swapped, ragged and duplicated rows, the bytes truncated, flipped, re-encoded or replaced by garbage.
Properties: never an unhandled exception or a 500; a file that cannot be read writes nothing and says why; every
data row is either loaded whole or reported with its row number and reason and writes nothing of its own.
(There is no complaint import in the portal: complaints arrive one by one through the forms.)
"""
from __future__ import annotations

import base64
import io
import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import event, given, strategies as st
from sqlalchemy import create_engine, select

from support.web import csrf_token
from support.factories import gen_service_user
from support.hostile import (changes, csv_bytes, fast_user, fuzz, hostile_text, login_as, mutate_bytes, mutate_table, ran,
                     row_counts, xlsx_bytes)
from models import Nnc, User
from portal.services.nnc import imports as nnc_import
from portal.services.sync import export_files as sync_exports
from portal.services.accounts import current_user_from
from portal.validation import InvalidInput

# ------------------------------------------------------------------------------------------------ NNC import
HEADERS = ["Nomor NNC", "Tanggal NNC", "Tanggal diterima", "Arah", "Otoritas pemberi notifikasi",
           "Negara pemberi notifikasi", "Otoritas penerima notifikasi", "Negara penerima notifikasi", "NPWP",
           "Pengguna jasa", "Negara pihak", "Bidang", "Komoditas", "Kategori", "Subkategori", "Organisme", "Tindakan",
           "Status", "Alasan batal", "Hasil investigasi", "Uraian"]


def _nnc_rows(prefix: str) -> list[list]:
    def row(n, **cells):
        base = {"number": f"{prefix}/{n}", "notice": "14/05/2024", "received": "16/05/2024", "flow": "Diterima",
                "tax_id": "01.234.567.8-901.000", "party": "", "country": "", "section": "KT", "commodity": "Manggis",
                "category": "OPT", "sub": "", "organism": "Bactrocera dorsalis", "action": "Pemusnahan",
                "status": "", "void": "", "findings": "", "description": "Larva"}
        base.update(cells)
        return [base["number"], base["notice"], base["received"], base["flow"], "GACC", "Tiongkok", "Barantin",
                "Indonesia", base["tax_id"], base["party"], base["country"], base["section"], base["commodity"],
                base["category"], base["sub"], base["organism"], base["action"], base["status"], base["void"],
                base["findings"], base["description"]]
    return [HEADERS, row(1), row(2, tax_id="", party="CV Baru", country="Indonesia", status="Selesai",
                                 findings="Kebun A"), row(3, category="Dokumen", sub="palsu", organism=""),
            row(4, flow="Diterbitkan", status="batal", void="Salah catat")]


@st.composite
def nnc_files(draw):
    """(file name, bytes, rows before damage to the bytes or None when the bytes were damaged)."""
    rows = mutate_table(_nnc_rows(uuid.uuid4().hex[:8]), draw)
    kind = draw(st.sampled_from(("xlsx", "csv", "csv;", "csv-cp1252")))
    if kind == "xlsx":
        data, name = xlsx_bytes(rows), "nnc.xlsx"
    elif kind == "csv-cp1252":
        data, name = csv_bytes(rows).decode("utf-8").encode("cp1252", errors="replace"), "nnc.csv"
    else:
        data, name = csv_bytes(rows, ";" if kind == "csv;" else ","), "nnc.csv"
    if draw(st.integers(0, 3)) == 0:
        data = mutate_bytes(data, draw)
    name = draw(st.one_of(st.just(name), st.just(name), st.just(name),  # no NUL: neither a path nor a request has one
                          st.sampled_from(("nnc.xls", "nnc", "NNC.XLSX", "nnc.txt")), hostile_text(nul=False, long=False)))
    return name, data


@pytest.fixture
def importer(database):
    """An operator recording NNCs, and the company the base rows name by NPWP."""
    account = fast_user(database, "operator")
    with database.session() as s:
        gen_service_user(s, name="PT Walet Jaya", tax_id="01.234.567.8-901.000")
        return current_user_from(s.get(User, account["id"]), "test")


def _data_rows(data: bytes, name: str) -> int | None:
    """How many non-empty data rows the importer sees, or None when it cannot read the file."""
    try:
        return len(nnc_import.read_rows(name, data)) - 1
    except nnc_import.UnreadableFile:
        return None


@fuzz(3)
@given(file=nnc_files())
def test_nnc_import_loads_good_rows_whole_and_reports_every_bad_row(database, importer, file):
    name, data = file
    before = row_counts(database)
    try:
        with database.session() as s:
            report = nnc_import.import_file(s, importer, name, data)
    except InvalidInput as refused:
        assert set(refused.errors) == {"file"}
        assert changes(before, row_counts(database)) == {}, "a refused file wrote something"
        event(f"file refused: {refused.errors['file'][0]}")
        ran("import NNC (service)")
        return
    delta = changes(before, row_counts(database))
    created, rejected = report["created"], report["rejected"]
    assert len(created) + len(rejected) == report["rows"] == _data_rows(data, name)
    assert delta.get("nncs", 0) == len(created) and delta.get("nnc_status_changes", 0) == len(created)
    assert delta.get("audit_log") == len(created) + 1  # one per NNC and the import's own summary
    numbers = sorted(r["row"] for r in created + rejected)
    assert len(set(numbers)) == len(numbers) and all(n > report["header_row"] for n in numbers)
    assert all(r["errors"] for r in rejected)
    event("rows loaded" if created else "every row refused" if rejected else "no data rows")
    with database.session() as s:
        for row in created:
            stored = s.get(Nnc, row["id"])
            assert stored.number == row["number"] and stored.number == stored.number.strip()
    ran("import NNC (service)")


@fuzz(1)
@given(file=nnc_files())
def test_nnc_import_page_answers_every_file_without_a_500(app, client, database, importer, file):
    name, data = file
    login_as(client, importer.username)
    contents = "data:application/octet-stream;base64," + base64.b64encode(data).decode()
    key = next(k for k in app.callback_map if "nnc-import-result.children" in k)
    body = {"output": key, "outputs": [{"id": "nnc-import-result", "property": "children"},
                                       {"id": "nnc-import-upload", "property": "contents"}],
            "inputs": [{"id": "nnc-import-upload", "property": "contents", "value": contents}],
            "state": [{"id": "nnc-import-upload", "property": "filename", "value": name}],
            "changedPropIds": ["nnc-import-upload.contents"]}
    before = row_counts(database)
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200 or (response.status_code == 400 and "\x00" in name), response.status_code
    delta = changes(before, row_counts(database))
    assert delta == {} or delta.get("audit_log", 0) >= 1  # nothing, or the import's summary with what it loaded
    ran("import NNC (Dash upload)")


@fuzz(0.5)
@given(file=nnc_files())
def test_nnc_import_command_exits_with_its_documented_codes(database_url, database, importer, tmp_path_factory,
                                                            file):
    from portal.cli.main import main

    name, data = file
    path = tmp_path_factory.mktemp("nnc-cli") / "import.xlsx"
    path.write_bytes(data)
    before = row_counts(database)
    result = CliRunner().invoke(main, ["nnc", "import", str(path), "--json", "--user", importer.username],
                                env={"QCORNER_DATABASE_URL": database_url})
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output, result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code == 2:
        assert changes(before, row_counts(database)) == {}
    ran("import NNC (qcorner nnc import)")


# ------------------------------------------------------------------------------------------------ IQFast export
PARENTS = ("m_upt", "m_jenis_permohonan", "m_status", "m_satuan", "m_negara", "m_pelabuhan", "m_komoditas",
           "m_jenis_dokumen", "pengguna_jasa", "ppjk", "ptk")
FUZZED = ("ptk", "riwayat_ptk", "ptk_komoditas", "pengguna_jasa", "billing", "sertifikat", "penahanan", "ppjk")
# What an export file's rows feed on our side; anything else changing is not the import's doing.
SYNC_TABLES = {"sync_runs", "sync_cursors", "applications", "application_commodities", "stage_events",
               "quarantine_actions", "bills", "certificates", "service_users", "handlers", "source_lookups",
               "commodities", "certificate_forms", "offices",
               # a record's company, by its NPWP (portal/services/companies/matching.py): a new NPWP makes a company,
               # a changed one moves the record to another, with its history row
               "companies", "company_link_changes",
               # what a run brings current before it reports success (sync/after_sync.bring_current)
               "compliance_monthly", "compliance_streaks", "compliance_scores", "compliance_tier_history",
               "kpi_application_times", "kpi_daily_facts", "kpi_daily"}


@pytest.fixture(scope="module")
def export_source(tmp_path_factory):
    """One day of one small station, as the rows of each IQFast table."""
    from portal.iqfast import schema as iq
    from support.sync_helpers import small_simulator

    path = tmp_path_factory.mktemp("hostile-export") / "iqfast.db"
    small_simulator(f"sqlite:///{path}", days=1, seed=11)
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as c:
        tables = {t.name: [[col.name for col in t.columns]] + [list(row) for row in c.execute(select(t))]
                  for t in iq.metadata.sorted_tables if t.name != "sim_state"}
    engine.dispose()
    return tables


@pytest.fixture
def parents_loaded(database, export_source, tmp_path):
    """The code lists, parties and PTKs loaded, so damaged child rows meet real parents."""
    for table in PARENTS:
        path = tmp_path / f"{table}.csv"
        path.write_bytes(csv_bytes(export_source[table]))
        result = sync_exports.import_export_file(database, str(path), path.name, "setup")
        assert result["status"] == "success", result
    return export_source


@st.composite
def export_files(draw, tables):
    table = draw(st.sampled_from(FUZZED))
    rows = tables[table]
    rows = [rows[0]] + rows[1:][:draw(st.integers(1, 8))]
    rows = mutate_table(rows, draw)
    kind = draw(st.sampled_from(("csv", "csv;", "xlsx", "xlsx-sheet")))
    if kind.startswith("xlsx"):
        data, name = xlsx_bytes(rows, title=table if kind == "xlsx-sheet" else None), f"{table}.xlsx"
    else:
        data, name = csv_bytes(rows, ";" if kind == "csv;" else ","), f"{table}.csv"
    if draw(st.integers(0, 3)) == 0:
        data = mutate_bytes(data, draw)
    name = draw(st.sampled_from((name,) * 4 + (f"{table}_2026-03-01{name[name.rindex('.'):]}", "ekspor.csv", "ptk.txt",
                                              "riwayat_ptk.XLSX")))
    return name, data, len(rows)


@fuzz(2)
@given(data=st.data())
def test_export_import_loads_whole_rows_and_reports_the_rest_by_row(database, parents_loaded, tmp_path_factory,
                                                                    data):
    name, content, lines = data.draw(export_files(parents_loaded), label="file")
    path = tmp_path_factory.mktemp("export") / f"upload{Path(name).suffix.lower()}"  # as the upload route saves it
    path.write_bytes(content)
    before = row_counts(database)
    result = sync_exports.import_export_file(database, str(path), name, "fuzz")
    delta = changes(before, row_counts(database))
    assert result["status"] in ("success", "partial", "failed"), result
    event(f"status {result['status']}" + (", rows loaded" if result["rows_loaded"] else ""))
    event("first error: " + (result["errors"][0]["reason"][:45] if result["errors"] else "-"))
    assert delta.pop("sync_runs") == 1  # every import is recorded, whatever became of it
    assert set(delta) <= SYNC_TABLES, delta
    if result["rows_loaded"] == 0:
        assert delta == {}, ("nothing loaded, yet written", delta, result["errors"][:3])
    if result["status"] == "success":
        assert result["rows_rejected"] == 0 and result["errors"] == []
    else:
        assert result["errors"], result
        for error in result["errors"]:
            assert isinstance(error["row"], int) and 0 <= error["row"] <= max(lines, 1) + 1, error
            assert error["reason"].strip(), error
    ran("import IQFast export (service)")


@fuzz(1)
@given(data=st.data())
def test_export_upload_route_answers_every_file_without_a_500(client, database, parents_loaded, data):
    name, content, _lines = data.draw(export_files(parents_loaded), label="file")
    name = data.draw(st.one_of(st.just(name), hostile_text(nul=False, long=False)), label="name")
    admin = fast_user(database, "admin")
    login_as(client, admin["username"])
    token = csrf_token(client, "/pengaduan")
    before = row_counts(database)
    response = client.post("/admin/sync/upload", data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                           content_type="multipart/form-data")
    assert response.status_code in (200, 400), (response.status_code, response.get_data(as_text=True)[-800:])
    delta = changes(before, row_counts(database))
    if response.status_code == 400:
        assert delta == {}
    ran("import IQFast export (admin upload)")


# ------------------------------------------------------------------------------------------------ regressions
# What the fuzzing above found, pinned as ordinary tests.
def test_export_rows_with_numbers_or_dates_out_of_range_are_refused_by_row(database, tmp_path):
    """A number past its column, a year 0001 or a NUL used to fail the whole file's transaction (every good row
    lost, no row named); now each such row is refused with its row number and the good ones load."""
    from portal.iqfast import mapping

    path = tmp_path / "m_satuan.csv"
    path.write_bytes(csv_bytes([mapping.source_columns("m_satuan"),
                                [1, "KG", "Kilogram", "2026-03-01 10:00:00"],
                                [10**30, "X", "Besar", "2026-03-01 10:00:00"],
                                [2, "T", "Ton", "0001-01-01 00:00:00"],
                                [3, "L", "Li\x00ter", "2026-03-01 10:00:00"]]))
    result = sync_exports.import_export_file(database, str(path), path.name, "test")
    assert (result["status"], result["rows_loaded"]) == ("partial", 1)
    reasons = {e["row"]: e["reason"] for e in result["errors"]}
    assert set(reasons) == {3, 4, 5}
    assert "jangkauan" in reasons[3] and "tahun 1" in reasons[4] and "NUL" in reasons[5]


def test_export_csv_that_is_not_text_or_has_a_giant_cell_is_refused_as_a_file(database, tmp_path):
    """Bytes undefined in cp1252 used to crash the importer (UnboundLocalError: a 500 on the upload page)."""
    for content in (b"id_satuan,kode_satuan\n\x81\x8d\x8f\n", b"id_satuan,kode_satuan\n" + b"x" * 200_000 + b"\n"):
        path = tmp_path / "m_satuan.csv"
        path.write_bytes(content)
        result = sync_exports.import_export_file(database, str(path), path.name, "test")
        assert result["status"] == "failed" and result["errors"][0]["row"] == 0, result


def test_export_file_the_database_refuses_says_why_and_writes_nothing(database, parents_loaded, tmp_path):
    """A conflict only the database sees (a new PTK id with an existing PTK number) rolls the file back; the
    report used to say "failed" with no reason at all, and the run recorded rows it had not written."""
    from models import SyncRun

    header, first = parents_loaded["ptk"][0], list(parents_loaded["ptk"][1])
    first[header.index("id_ptk")] = 99_999_999  # same no_ptk as the PTK already loaded
    path = tmp_path / "ptk.csv"
    path.write_bytes(csv_bytes([header, first]))
    before = row_counts(database)
    result = sync_exports.import_export_file(database, str(path), path.name, "test")
    assert result["status"] == "failed" and result["rows_loaded"] == 0
    assert result["errors"][0]["row"] == 0 and "tidak ada yang disimpan" in result["errors"][0]["reason"]
    assert changes(before, row_counts(database)) == {"sync_runs": 1}
    with database.session() as s:
        assert s.get(SyncRun, result["run_id"]).rows_written == {}


def test_nnc_csv_with_a_line_break_inside_a_cell_or_a_giant_cell(database, importer):
    """A lone carriage return in a cell used to raise csv.Error out of the import (a 500 on the import page)."""
    rows = _nnc_rows("CR")
    rows[1][-1] = "baris satu\rbaris dua"
    with database.session() as s:
        report = nnc_import.import_file(s, importer, "nnc.csv", csv_bytes(rows))
    assert sorted(r["row"] for r in report["created"] + report["rejected"]) == [2, 3, 4, 5]  # spreadsheet rows
    with database.session() as s:
        assert s.scalar(select(Nnc.description).where(Nnc.number == "CR/1")) == "baris satu\rbaris dua"
    giant = csv_bytes(_nnc_rows("BESAR")[:1]) + b"x" * 200_000 + b"\n"
    with pytest.raises(InvalidInput) as refused, database.session() as s:
        nnc_import.import_file(s, importer, "nnc.csv", giant)
    assert refused.value.errors["file"][0] == "nnc_import.error.format"


def test_nnc_rows_dated_in_year_one_are_refused_by_row(database, importer):
    """0001-01-01 passed as a date; the compliance refresh then overflowed and the whole import crashed."""
    rows = _nnc_rows("TAHUN")
    rows[1][1] = rows[1][2] = "0001-01-01"
    with database.session() as s:
        report = nnc_import.import_file(s, importer, "nnc.csv", csv_bytes(rows))
    refused = {r["row"]: r["errors"] for r in report["rejected"]}
    assert refused[2]["notice_date"][0] == "nnc.error.date_invalid"
    assert 2 not in [r["row"] for r in report["created"]]
