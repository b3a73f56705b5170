"""Importing historical NNCs: good rows load, each bad row is reported with its row number and reasons."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from support.factories import gen_application, gen_handler, gen_service_user
from models import AuditLog, Nnc, NncStatusChange, ServiceUser
from support.nnc_helpers import actor
from portal.cli.main import main
from portal.services.nnc import imports as nnc_import
from portal.validation import Forbidden, InvalidInput

HEADERS_ID = ["Nomor NNC", "Tanggal NNC", "Tanggal diterima", "Arah", "Otoritas pemberi notifikasi",
              "Negara pemberi notifikasi", "Otoritas penerima notifikasi", "Negara penerima notifikasi", "NPWP",
              "Pengguna jasa", "Negara pihak", "Bidang", "Komoditas", "Kategori", "Subkategori", "Organisme",
              "Tindakan", "Status", "Alasan batal", "Hasil investigasi", "Tindakan korektif", "Kolom bebas"]


def _row(number, notice="14/05/2024", received="16/05/2024", flow="Diterima", tax_id="", party="", country="",
         section="KT", commodity="Manggis", category="OPT", sub="", organism="Bactrocera dorsalis",
         action="Pemusnahan", status="", void_reason="", findings="", corrective=""):
    return [number, notice, received, flow, "GACC", "Tiongkok", "Barantin", "Indonesia", tax_id, party, country,
            section, commodity, category, sub, organism, action, status, void_reason, findings, corrective, "x"]


@pytest.fixture
def operator(database, make_user):
    return actor(database, make_user, "operator", username="petugas_impor")


@pytest.fixture
def company(database):
    with database.session() as s:
        return gen_service_user(s, name="PT Walet Jaya", tax_id="01.234.567.8-901.000").id


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_good_rows_load_and_each_bad_row_is_reported(session, operator, company):
    rows = [HEADERS_ID,
            _row("GACC/2024/001", tax_id="01.234.567.8-901.000", status="Selesai", findings="Larva dari kebun A",
                 corrective="Sortasi ketat"),                                                   # row 2: good
            _row("GACC/2024/002", notice="14/05/2099", tax_id="99.999.999.9-999.000"),          # row 3: bad
            _row("GACC/2024/003", party="PT Walet Jaya", category="Dokumen", sub="palsu", organism=""),  # 4: good
            _row("GACC/2024/001", party="CV Baru", country="Indonesia"),                        # row 5: duplicate
            _row("", flow="kesamping", category="entah", action="", party="CV Tanpa Negara"),    # row 6: bad
            _row("NNC.0300/KT/2024/009", flow="Diterbitkan", party="Jinxiang Garlic Co.", country="Tiongkok",
                 status="batal", void_reason="Salah catat"),                                    # row 7: good
            ]
    report = nnc_import.import_file(session, operator, "nnc-2024.xlsx", _xlsx(rows))
    session.commit()
    assert [c["row"] for c in report["created"]] == [2, 4, 7]
    assert report["unknown_columns"] == ["Kolom bebas"]
    rejected = {r["row"]: r["errors"] for r in report["rejected"]}
    assert set(rejected) == {3, 5, 6}
    assert rejected[3]["notice_date"][0] == "nnc.error.date_future"
    assert rejected[3]["service_user_id"] == ("nnc_import.error.tax_id_unknown", {"value": "99.999.999.9-999.000"})
    assert rejected[5]["number"][0] == "nnc.error.number_taken"
    assert set(rejected[6]) >= {"number", "flow", "category", "action_taken", "party_country"}
    assert rejected[6]["flow"] == ("nnc_import.error.unknown_value", {"value": "kesamping"})
    loaded = {n.number: n for n in session.scalars(select(Nnc))}
    assert set(loaded) == {"GACC/2024/001", "GACC/2024/003", "NNC.0300/KT/2024/009"}
    assert loaded["GACC/2024/001"].service_user_id == company and loaded["GACC/2024/001"].status == "closed"
    assert loaded["GACC/2024/003"].service_user_id == company  # matched by its exact name
    assert loaded["GACC/2024/003"].subcategory == "fraudulent"
    assert loaded["NNC.0300/KT/2024/009"].status == "void" and loaded["NNC.0300/KT/2024/009"].party_name
    # a refused row left nothing behind: no NNC, no status history, no audit entry of its own
    assert session.scalar(select(func.count(NncStatusChange.id))) == 3
    created = session.scalars(select(AuditLog).where(AuditLog.action == "nnc_created")).all()
    assert len(created) == 3 and all(e.after["via"] == "import" for e in created)
    summary = session.scalar(select(AuditLog).where(AuditLog.action == "nnc_imported"))
    assert summary.after["created"] == 3 and summary.after["rejected"] == [3, 5, 6]


def test_csv_with_english_headers_and_semicolons(session, operator, company):
    csv = ("number;notice_date;received_date;flow;notifying_authority;notifying_country;notified_authority;"
           "notified_country;service_user_tax_id;section;commodity;category;subcategory;action_taken\n"
           "MAFF/2023/17;2023-02-01;2023-02-03;received;MAFF;Jepang;Barantin;Indonesia;012345678901000;plant;"
           "Kopi;documentation;missing;detention\n"
           "MAFF/2023/18;2023-02-01;2023-01-30;received;MAFF;Jepang;Barantin;Indonesia;012345678901000;plant;"
           "Kopi;documentation;;detention\n")
    report = nnc_import.import_file(session, operator, "nnc.csv", csv.encode("utf-8-sig"))
    assert [c["number"] for c in report["created"]] == ["MAFF/2023/17"]
    assert report["rejected"][0]["row"] == 3
    assert set(report["rejected"][0]["errors"]) == {"received_date", "subcategory"}


def test_an_unreadable_file_or_missing_columns_load_nothing(session, operator):
    with pytest.raises(InvalidInput) as caught:
        nnc_import.import_file(session, operator, "lama.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    assert caught.value.errors["file"][0] == "nnc_import.error.xls"
    with pytest.raises(InvalidInput) as caught:
        nnc_import.import_file(session, operator, "x.csv", "Nomor NNC,Komoditas\nA/1,Manggis\n".encode())
    key, params = caught.value.errors["file"]
    assert key == "nnc_import.error.missing_columns" and "Tanggal NNC" in params["columns"]
    assert session.scalar(select(func.count(Nnc.id))) == 0


def test_missing_columns_are_named_as_the_template_heads_them_and_the_party_as_either_of_its_two(session, operator):
    """Not the field codes ("notifying_authority, … party_name"): the template's headers in the reader's language, and
    the party as the rule is, a service user's name or its NPWP."""
    some = "Nomor NNC,Tanggal NNC,Tanggal diterima,Arah,Bidang,Komoditas,Kategori,Tindakan\nA/1\n".encode()
    with pytest.raises(InvalidInput) as caught:
        nnc_import.import_file(session, operator, "x.csv", some)
    assert caught.value.messages(lambda key, **params: params["columns"])["file"] == (
        "Otoritas pemberi notifikasi, Negara pemberi notifikasi, Otoritas penerima notifikasi, "
        "Negara penerima notifikasi, Pengguna jasa atau NPWP (salah satu)")
    with pytest.raises(InvalidInput) as caught:
        nnc_import.import_file(session, operator, "x.csv", some, language="en")
    assert caught.value.errors["file"][1]["columns"] == (
        "notifying_authority, notifying_country, notified_authority, notified_country, "
        "party_name or service_user_tax_id (either one)")
    with pytest.raises(InvalidInput) as caught:  # the NPWP alone is enough for the party
        nnc_import.import_file(session, operator, "x.csv", some.replace(b"Tindakan", b"Tindakan,NPWP"))
    assert "Pengguna jasa" not in caught.value.errors["file"][1]["columns"]
    assert session.scalar(select(func.count(Nnc.id))) == 0


def test_only_editors_may_import(session, database, make_user):
    head = actor(database, make_user, "head")
    with pytest.raises(Forbidden):
        nnc_import.import_file(session, head, "x.csv", b"number\n")


def test_excel_dates_and_handlers_are_understood(session, operator, company):
    with session.begin():
        gen_handler(session, name="PPJK Cepat Urus")
    rows = [HEADERS_ID + ["PPJK"], _row("X/1", notice=datetime(2024, 5, 14), received=datetime(2024, 5, 15),
                                        tax_id="012345678901000") + ["ppjk cepat urus"],
            _row("X/2", tax_id="012345678901000") + ["PPJK Tidak Ada"]]
    report = nnc_import.import_file(session, operator, "x.xlsx", _xlsx(rows))
    assert [c["number"] for c in report["created"]] == ["X/1"]
    assert report["rejected"][0]["errors"]["handler_id"][0] == "nnc_import.error.handler_unknown"



def test_import_refuses_a_row_whose_application_cannot_be_the_nncs_consignment(session, operator, company):
    """The import goes through the form's check: a received NNC names an export applied for by its date, an issued
    one an import; any other linked application refuses the row, with the reason on the application column."""
    utc = timezone.utc
    with session.begin():
        exporter = session.get(ServiceUser, company)
        export = gen_application(session, exporter, direction="export", submitted_at=datetime(2024, 5, 10, 2, tzinfo=utc))
        imported = gen_application(session, exporter, direction="import",
                                   submitted_at=datetime(2024, 5, 1, 2, tzinfo=utc))
        late_export = gen_application(session, exporter, direction="export",
                                      submitted_at=datetime(2024, 6, 1, 2, tzinfo=utc))
        numbers = (export.number, imported.number, late_export.number)
    rows = [HEADERS_ID + ["Nomor permohonan"],
            _row("P/1", tax_id="01.234.567.8-901.000") + [numbers[0]],                        # row 2: good
            _row("P/2", tax_id="01.234.567.8-901.000") + [numbers[1]],                        # row 3: an import
            _row("P/3", tax_id="01.234.567.8-901.000") + [numbers[2]],                        # row 4: applied later
            _row("P/4", flow="Diterbitkan", party="Jinxiang Garlic Co.", country="Tiongkok") + [numbers[1]]]  # 5
    report = nnc_import.import_file(session, operator, "ptk.xlsx", _xlsx(rows))
    assert [c["number"] for c in report["created"]] == ["P/1", "P/4"]
    rejected = {r["row"]: r["errors"] for r in report["rejected"]}
    assert rejected == {3: {"application_number": ("nnc.error.application_import_for_received", {})},
                        4: {"application_number": ("nnc.error.application_after_notice",
                                                   {"submitted": "01/06/2024", "notice": "14/05/2024"})}}
    linked = dict(session.execute(select(Nnc.number, Nnc.application_id)).all())
    assert linked == {"P/1": export.id, "P/4": imported.id}


def test_import_refuses_a_row_whose_ptk_is_no_ptk_number_and_loads_a_well_formed_one_not_synced(session, operator,
                                                                                                 company):
    """The form's rule, from the same home: text that is no PTK number refuses its row on the application column; a
    well-formed PTK no synced application has loads, unlinked and as written."""
    rows = [HEADERS_ID + ["Nomor PTK"],
            _row("Q/1", tax_id="01.234.567.8-901.000") + ["2024.1.0300.0.K21.E.004321"],  # row 2: not synced yet
            _row("Q/2", tax_id="01.234.567.8-901.000") + ["PTK-4321"],                    # row 3: no PTK number
            _row("Q/3", tax_id="01.234.567.8-901.000") + ["KT-1/0300/2024/000123"]]       # row 4: a certificate's
    report = nnc_import.import_file(session, operator, "ptk.xlsx", _xlsx(rows))
    assert [c["number"] for c in report["created"]] == ["Q/1"]
    shape = {"application_number": ("nnc.error.application_number_shape", {})}
    assert {r["row"]: r["errors"] for r in report["rejected"]} == {3: shape, 4: shape}
    assert session.execute(select(Nnc.application_number, Nnc.application_id)).all() == [
        ("2024.1.0300.0.K21.E.004321", None)]


def test_cli_imports_and_reports_as_json(database_url, tmp_path, make_user, company, session):
    make_user("operator_cli", "operator")
    path = tmp_path / "nnc-lama.xlsx"
    path.write_bytes(_xlsx([HEADERS_ID, _row("C/1", tax_id="01.234.567.8-901.000"),
                            _row("C/2", notice="31/02/2024", party="CV X", country="Indonesia")]))
    result = CliRunner().invoke(main, ["nnc", "import", str(path), "--json", "--user", "operator_cli"],
                                env={"QCORNER_DATABASE_URL": database_url})
    assert result.exit_code == 1, result.output  # some rows were refused
    report = json.loads(result.output)
    assert [c["number"] for c in report["created"]] == ["C/1"]
    assert report["rejected"] == [{"row": 3, "number": "C/2", "reasons": {"notice_date": "Not a valid date."}}]
    assert session.scalar(select(Nnc.created_by_id).where(Nnc.number == "C/1")) is not None
    refused = CliRunner().invoke(main, ["nnc", "import", str(path), "--user", "nobody"],
                                 env={"QCORNER_DATABASE_URL": database_url})
    assert refused.exit_code == 2
