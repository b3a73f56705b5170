"""IQFast export files (CSV, XLSX): bad rows reported by row number and reason, good rows loaded."""
from __future__ import annotations

import csv
import os
import time
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import create_engine, select, text

from models import SyncRun
from portal.i18n import said
from portal.iqfast import schema as iq
from portal.services.sync import export_files
from support.sync_helpers import checksums, iqfast_rows, our_rows, small_simulator

PARENTS = ("m_upt", "m_jenis_permohonan", "m_status", "m_satuan", "m_negara", "m_pelabuhan", "m_komoditas",
           "m_jenis_dokumen", "pengguna_jasa", "ppjk")


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """One day of one station: the rows the export files are made of."""
    path = tmp_path_factory.mktemp("export-sim") / "iqfast.db"
    url = f"sqlite:///{path}"
    small_simulator(url, days=1, seed=5)
    engine = create_engine(url)
    with engine.connect() as c:
        tables = {t.name: ([col.name for col in t.columns], [list(row) for row in c.execute(select(t))])
                  for t in iq.metadata.sorted_tables if t.name != "sim_state"}
    engine.dispose()
    return url, tables


@pytest.fixture(scope="module")
def parents_xlsx(source, tmp_path_factory):
    """The code lists, parties and PTKs as one workbook, one sheet per table (written once: XLSX is slow)."""
    _url, tables = source
    path = tmp_path_factory.mktemp("export") / "iqfast_master.xlsx"
    write_xlsx(path, {name: tables[name] for name in PARENTS + ("ptk",)})
    return path


def write_csv(path: Path, columns, rows, delimiter=",") -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(columns)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def write_xlsx(path: Path, sheets: dict) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, (columns, rows) in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet.append(columns)
        for row in rows:
            sheet.append(row)
    workbook.save(path)


def test_parents_then_children_load_from_xlsx_and_csv_and_match_the_source(database, source, parents_xlsx,
                                                                           tmp_path):
    url, tables = source
    workbook = parents_xlsx
    first = export_files.import_export_file(database, str(workbook), workbook.name, "admin")
    assert (first["status"], first["rows_rejected"], first["errors"]) == ("success", 0, [])
    for name in ("ptk_komoditas", "riwayat_ptk", "penahanan", "penolakan", "pemusnahan", "billing", "sertifikat"):
        path = tmp_path / f"{name}.csv"
        write_csv(path, *tables[name], delimiter=";")
        result = export_files.import_export_file(database, str(path), path.name, "admin")
        assert result["status"] == "success", result
        assert result["rows_loaded"] == len(tables[name][1])
    assert checksums(our_rows(database)) == checksums(iqfast_rows(url))
    again = export_files.import_export_file(database, str(tmp_path / "riwayat_ptk.csv"), "riwayat_ptk.csv", "admin")
    assert again["status"] == "success"
    with database.sessionmaker() as session:
        run = session.get(SyncRun, again["run_id"])
        assert run.kind == "export" and sum(run.rows_written.values()) == 0  # the same file again writes nothing


def test_bad_csv_rows_are_reported_by_row_number_and_the_good_ones_load(database, source, parents_xlsx, tmp_path):
    url, tables = source
    parents = parents_xlsx
    assert export_files.import_export_file(database, str(parents), parents.name, None)["status"] == "success"
    columns, rows = tables["riwayat_ptk"]
    rows = [list(row) for row in rows[:40]]
    at = {name: i for i, name in enumerate(columns)}
    rows[2][at["kode_status"]] = 99                     # row 4: an unknown status code
    rows[5][at["waktu"]] = "31/02/2026 10:00"           # row 7: no such date
    rows[9][at["id_ptk"]] = 987654                      # row 11: a PTK IQFast never sent us
    rows[12][at["waktu"]] = None                        # row 14: a required time missing
    rows[20][at["id_riwayat"]] = "dua puluh"            # row 22: not a number
    path = tmp_path / "riwayat_ptk_2026-03-02.csv"
    write_csv(path, columns, rows)
    result = export_files.import_export_file(database, str(path), path.name, "admin")
    assert result["status"] == "partial"
    assert result["rows_loaded"] == 35 and result["rows_rejected"] == 5
    reasons = {error["row"]: error["reason"] for error in result["errors"]}
    assert sorted(reasons) == [4, 7, 11, 14, 22]
    assert "kode status 99 tidak dikenal" in reasons[4]
    assert "waktu" in reasons[7] and "bukan tanggal-jam" in reasons[7]
    assert "PTK dengan id 987654" in reasons[11] and "belum ada" in reasons[11]
    assert "waktu" in reasons[14] and "wajib diisi" in reasons[14]
    assert "id_riwayat" in reasons[22] and "bukan bilangan bulat" in reasons[22]
    # Every reason, the writer's missing parent too, can be said again in an English reader's language.
    english = {error["row"]: said([(part["key"], part["params"]) for part in error["parts"]], "en")
               for error in result["errors"]}
    assert "PTK with id 987654" in english[11] and "not in Q-Corner yet" in english[11]
    assert "is not a known" in english[4] and "not a whole number" in english[22]
    with database.engine.connect() as c:
        loaded = set(c.execute(text("SELECT source_id FROM stage_events")).scalars())
        run = c.execute(text("SELECT status, error FROM sync_runs WHERE id = :i"), {"i": result["run_id"]}).one()
    bad_ids = {rows[i][at["id_riwayat"]] for i in (2, 5, 9, 12)}
    assert loaded == {row[at["id_riwayat"]] for row in rows} - bad_ids - {"dua puluh"}
    assert run[0] == "success" and "baris 11" in run[1]


def test_bad_xlsx_rows_take_their_dependent_rows_with_them(database, source, tmp_path):
    """A rejected PTK's events in the same workbook are rejected too: nothing half-written."""
    url, tables = source
    ptk_columns, ptk_rows = tables["ptk"]
    ptk_rows = [list(row) for row in ptk_rows[:10]]
    ptk_at = {name: i for i, name in enumerate(ptk_columns)}
    ptk_rows[1][ptk_at["jenis_permohonan"]] = "XX"          # row 3 of sheet ptk
    bad_ptk = ptk_rows[1][ptk_at["id_ptk"]]
    ev_columns, ev_rows = tables["riwayat_ptk"]
    ids = {row[ptk_at["id_ptk"]] for row in ptk_rows}
    ev_rows = [list(row) for row in ev_rows if row[1] in ids]
    workbook = tmp_path / "ekspor.xlsx"
    write_xlsx(workbook, {**{name: tables[name] for name in PARENTS}, "ptk": (ptk_columns, ptk_rows),
                          "riwayat_ptk": (ev_columns, ev_rows)})
    result = export_files.import_export_file(database, str(workbook), workbook.name, "admin")
    assert result["status"] == "partial"
    by_table = {}
    for error in result["errors"]:
        by_table.setdefault(error["table"], []).append(error)
    assert [(e["row"], "jenis permohonan 'XX' tidak dikenal" in e["reason"]) for e in by_table["ptk"]] == [(3, True)]
    dependent = [row for row in ev_rows if row[1] == bad_ptk]
    assert len(by_table["riwayat_ptk"]) == len(dependent) > 0
    with database.engine.connect() as c:
        assert c.execute(text("SELECT COUNT(*) FROM applications")).scalar() == 9
        assert c.execute(text("SELECT COUNT(*) FROM stage_events")).scalar() == len(ev_rows) - len(dependent)


def test_a_file_that_cannot_be_read_is_refused_whole(database, tmp_path):
    path = tmp_path / "laporan.csv"
    path.write_text("a,b\n1,2\n")
    result = export_files.import_export_file(database, str(path), path.name, "admin")
    assert result["status"] == "failed" and result["rows_loaded"] == 0
    assert "tidak tahu tabel IQFast mana" in result["errors"][0]["reason"]
    missing = tmp_path / "ptk.csv"
    missing.write_text("id_ptk,no_ptk\n1,X\n")
    result = export_files.import_export_file(database, str(missing), missing.name, "admin")
    assert result["status"] == "failed" and "kolom" in result["errors"][0]["reason"]


def test_the_export_folder_is_loaded_parents_first_and_files_move_to_done(database, source, tmp_path):
    url, tables = source
    folder = tmp_path / "drop"
    folder.mkdir()
    write_csv(folder / "riwayat_ptk.csv", *tables["riwayat_ptk"])   # children first in name order
    write_xlsx(folder / "a_master.xlsx", {name: tables[name] for name in PARENTS})
    write_csv(folder / "ptk.csv", *tables["ptk"])
    old = time.time() - 60
    for path in folder.iterdir():
        os.utime(path, (old, old))
    results = export_files.import_export_dir(database, str(folder), "scheduler")
    assert [r["status"] for r in results] == ["success", "success", "success"]
    assert [r["filename"] for r in results] == ["a_master.xlsx", "ptk.csv", "riwayat_ptk.csv"]
    assert sorted(p.name for p in folder.iterdir()) == ["done"]
    assert len(list((folder / "done").iterdir())) == 3
    with database.engine.connect() as c:
        assert c.execute(text("SELECT COUNT(*) FROM stage_events")).scalar() == len(tables["riwayat_ptk"][1])


def test_a_file_named_xlsx_that_is_no_workbook_is_refused_as_a_file_not_a_rejected_row(database, tmp_path):
    """The parser's "File is not a zip file" used to be the reason of one rejected row 0; the file is refused whole, in
    words, with its translation key for the page, and the export folder's pass still moves it to done/ (it is the
    file that is wrong, not our side)."""
    folder = tmp_path / "drop"
    folder.mkdir()
    path = folder / "ptk.xlsx"
    path.write_bytes(b"id_ptk;no_ptk\n1;X\n")
    result = export_files.import_export_file(database, str(path), path.name, "admin")
    assert (result["status"], result["rows_loaded"], result["rows_rejected"]) == ("failed", 0, 0)
    assert result["refused"]["key"] == "spreadsheet.error.xlsx"
    assert "bukan XLSX yang sah" in result["refused"]["reason"] and "zip" not in result["refused"]["reason"]
    assert result["errors"] == [{"row": 0, "reason": result["refused"]["reason"]}]
    old = time.time() - 60
    os.utime(path, (old, old))
    [moved] = export_files.import_export_dir(database, str(folder), "scheduler")
    assert moved["refused"] and not path.exists() and len(list((folder / "done").iterdir())) == 1
