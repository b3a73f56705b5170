"""The NNC pages' callbacks as the browser calls them: list, export, form, follow-up — and who may call which."""
from __future__ import annotations

import base64
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from support.web import components, dash_callback, drawing_user, login, pager_body, pager_state
from support.factories import gen_service_user
from layouts.nnc import FILTERS
from models import AttachmentBlob, Nnc
from support.nnc_helpers import EXE, PDF, SAVE, actor, form_state, upload, valid_nnc
from portal.reports import exports
from portal.services.nnc import register as nnc

FILTER_IDS = [f"nnc-{name}" for name in FILTERS]


def _key(app, fragment: str) -> str:
    return next(k for k in app.callback_map if fragment in k)


def _filters(**values):
    defaults = dict(zip(FILTERS, ("", "", "", None, "all", "all", "all", "all", "all")))
    defaults.update(values)
    return [{"id": f"nnc-{name}", "property": "value", "value": defaults[name]} for name in FILTERS]


def _listed(app, client, sort: str, **filters) -> list[dict]:
    """The first page of the NNC list's rows as the grid gets them, under these filters and sort."""
    answer = dash_callback(client, _key(app, "nnc-grid.rowData"),
                           _filters(**filters) + [{"id": "nnc-sort", "property": "value", "value": sort},
                                                  *pager_body("nnc")],
                           pager_state("nnc-page", 0))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.json["response"]["nnc-grid"]["rowData"]


@pytest.fixture
def register(database, make_user):
    """Three NNCs, one whose commodity a spreadsheet would run as a formula."""
    operator = actor(database, make_user, "operator", username="petugas_daftar")
    with database.session() as s:
        company = gen_service_user(s, name="=HYPERLINK(\"http://evil\",\"klik\")")
        for n, commodity in enumerate(("Manggis", "+62 Salak", "@SUM(A1:A9)")):
            nnc.create_nnc(s, operator, valid_nnc(s, number=f"D/{n}", commodity=commodity,
                                                  service_user=company if n == 0 else None))
    return operator


def test_list_callback_pages_and_counts(app, logged_in, register):
    client = logged_in("head")
    inputs = _filters(text="d/") + [{"id": "nnc-sort", "property": "value", "value": "number"},
                                    *pager_body("nnc")]
    response = dash_callback(client, _key(app, "nnc-grid.rowData"), inputs,
                             pager_state("nnc-page", 0), ["nnc-text.value"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json["response"]
    assert [r["number"] for r in body["nnc-grid"]["rowData"]] == ["D/0", "D/1", "D/2"]
    assert body["nnc-grid"]["rowData"][0]["status"] == "Baru"
    assert body["nnc-count-received"]["children"] == "3" and body["nnc-pager-text"]["children"] == \
        "Menampilkan 1–3 dari 3"


def test_dates_the_wrong_way_round_are_said_not_listed_as_no_nnc(app, logged_in, register):
    """30 Nov to 1 Nov showed "no NNC matches these filters" with every status count at 0: an officer could read it
    as a month without NNCs. The list says the dates are the wrong way round instead, its counts "–"."""
    client = logged_in("head")
    inputs = _filters(**{"date-from": "2026-11-30", "date-to": "2026-11-01"}) + [
        {"id": "nnc-sort", "property": "value", "value": "number"},
        *pager_body("nnc")]
    body = dash_callback(client, _key(app, "nnc-grid.rowData"), inputs,
                         pager_state("nnc-page", 0), ["nnc-date-to.value"]).json["response"]
    assert body["nnc-problem"]["is_open"] is True
    assert body["nnc-problem"]["children"] == "Tanggal akhir harus sama atau sesudah tanggal awal."
    assert body["nnc-grid"]["rowData"] == [] and body["nnc-count-all"]["children"] == "–"
    inputs[2]["value"] = "2026-12-31"  # put right: the list and its counts again, the message gone
    body = dash_callback(client, _key(app, "nnc-grid.rowData"), inputs,
                         pager_state("nnc-page", 0), ["nnc-date-to.value"]).json["response"]
    assert body["nnc-problem"]["is_open"] is False and body["nnc-count-all"]["children"] != "–"


@pytest.mark.parametrize("language, country", [("en", "China"), ("id", "Tiongkok")])
def test_the_nnc_list_and_detail_name_the_partner_country_in_the_readers_language(app, client, make_user, database,
                                                                                  language, country):
    """IQFast and the form keep "Tiongkok": an English page read "…Protection Organisation, Tiongkok", "Co., Ltd. ·
    Tiongkok" and a list column of Indonesian names."""
    operator = actor(database, make_user, "operator", username=f"petugas_negara_{language}")
    with database.session() as s:
        nnc_id = nnc.create_nnc(s, operator, valid_nnc(
            s, number="E/1", flow="issued", notifying_authority="Badan Karantina Indonesia (Barantin)",
            notifying_country="Indonesia", notified_authority="National Plant Protection Organisation, Tiongkok",
            notified_country="Tiongkok", service_user_id=None, party_name="Guangzhou Fruit Co., Ltd.",
            party_country="Tiongkok"))["id"]
        nnc.create_nnc(s, operator, valid_nnc(s, number="R/1", notifying_authority="GACC"))
    make_user(f"kepala_negara_{language}", "head", language=language)
    assert login(client, f"kepala_negara_{language}").status_code == 302
    assert [(r["number"], r["country"]) for r in _listed(app, client, "number")] == [("E/1", country), ("R/1", country)]
    options = dash_callback(client, _key(app, "nnc-country.options"),
                            [{"id": "nnc-page", "property": "id", "value": "nnc-page"}]).json["response"]
    assert {"label": country, "value": "Tiongkok"} in options["nnc-country"]["options"]  # filters on the stored name
    # An NNC typed with the other spelling: in English one choice of that name, which finds both (an Indonesian reader
    # sees each as typed, "China" and "Tiongkok": two names, two choices).
    with database.session() as s:
        nnc.create_nnc(s, operator, valid_nnc(s, number="R/2", notifying_authority="GACC", notifying_country="China"))
    options = dash_callback(client, _key(app, "nnc-country.options"),
                            [{"id": "nnc-page", "property": "id", "value": "nnc-page"}]).json["response"]
    chosen = [o for o in options["nnc-country"]["options"] if o["label"] == country]
    assert chosen == [{"label": country, "value": "China|Tiongkok" if language == "en" else "Tiongkok"}]
    found = _listed(app, client, "number", country=chosen[0]["value"])
    assert [r["number"] for r in found] == ["E/1", "R/1", "R/2"][:3 if language == "en" else 2]
    shown = dash_callback(client, _key(app, "..nnc-detail-title.children"),
                          [{"id": "nnc-detail-id", "property": "data", "value": nnc_id},
                           {"id": "nnc-detail-refresh", "property": "data", "value": 0}])
    text = json.dumps(shown.json, ensure_ascii=False)
    assert f"National Plant Protection Organisation, {country}" in text and f" · {country}" in text
    assert ("Tiongkok" in text) == (language == "id")


@pytest.mark.parametrize("language", ["en", "id"])
def test_the_nnc_list_sorted_by_country_follows_the_names_the_reader_sees(app, client, make_user, database, language):
    """Sorted on the stored names, an English list read "United States" (stored "Amerika Serikat") before "China"
    ("Tiongkok"); two spellings of one country sort as one name, their NNCs newest first."""
    operator = actor(database, make_user, "operator", username=f"petugas_urut_{language}")
    stored = (("A/1", "Tiongkok", "2026-05-02"), ("A/2", "Amerika Serikat", "2026-05-03"),
              ("A/3", "Jepang", "2026-05-04"), ("A/4", "Belanda", "2026-05-05"), ("A/5", "China", "2026-05-06"))
    with database.session() as s:
        for number, country, day in stored:
            nnc.create_nnc(s, operator, valid_nnc(s, number=number, notifying_authority="NPPO",
                                                  notifying_country=country, notice_date=date.fromisoformat(day),
                                                  received_date=date.fromisoformat(day)))
    make_user(f"kepala_urut_{language}", "head", language=language)
    assert login(client, f"kepala_urut_{language}").status_code == 302
    rows = [(r["number"], r["country"]) for r in _listed(app, client, "country")]
    if language == "en":
        assert rows == [("A/5", "China"), ("A/1", "China"), ("A/3", "Japan"), ("A/4", "Netherlands"),
                        ("A/2", "United States")]
    else:
        assert rows == [("A/2", "Amerika Serikat"), ("A/4", "Belanda"), ("A/5", "China"), ("A/3", "Jepang"),
                        ("A/1", "Tiongkok")]


def _exported(client, kind: str) -> dict:
    """The list's export as the button `kind` (csv, xlsx) asks for it, with the page's default filters."""
    state = [{"id": f"nnc-{name}", "property": "value", "value": v["value"]}
             for name, v in zip(FILTERS, _filters())] + [{"id": "nnc-sort", "property": "value", "value": "number"}]
    inputs = [{"id": "nnc-export-csv", "property": "n_clicks", "value": 1},
              {"id": "nnc-export-xlsx", "property": "n_clicks", "value": None}]
    response = dash_callback(client, "nnc-download.data", inputs, state, [f"nnc-export-{kind}.n_clicks"])
    return response.json["response"]["nnc-download"]["data"]


def test_csv_export_neutralises_formulas(app, logged_in, register):
    client = logged_in("operator")
    download = _exported(client, "csv")
    text = base64.b64decode(download["content"]).decode("utf-8-sig")
    assert download["filename"].endswith(".csv")
    assert "'=HYPERLINK" in text and "'+62 Salak" in text and "'@SUM(A1:A9)" in text
    assert ";=HYPERLINK" not in text and ";+62" not in text and ";@SUM" not in text
    assert text.splitlines()[0].startswith("ID;Nomor NNC;Tanggal NNC")  # `;` for an Indonesian spreadsheet

    download = _exported(client, "xlsx")
    sheet = load_workbook(io.BytesIO(base64.b64decode(download["content"]))).active
    values = [cell.value for row in sheet.iter_rows(min_row=2) for cell in row]
    assert "'=HYPERLINK(\"http://evil\",\"klik\")" in values and "'@SUM(A1:A9)" in values
    assert not any(isinstance(v, str) and v.startswith(("=", "+", "@")) for v in values)


def test_the_export_gives_a_voided_nncs_reason_beside_its_status(app, logged_in, register, database):
    """The import requires the reason of a voided row: an export read back into it must carry it."""
    with database.session() as s:
        voided = s.scalar(select(Nnc.id).where(Nnc.number == "D/1"))
        nnc.change_status(s, register, voided, "void", "Tercatat dua kali")
    lines = base64.b64decode(_exported(logged_in("operator"), "csv")["content"]).decode("utf-8-sig")
    header, *rows = [line.split(";") for line in lines.splitlines()]
    status, reason = header.index("Status"), header.index("Alasan batal")
    assert reason == status + 1
    row = next(r for r in rows if r[1] == "D/1")
    assert (row[status], row[reason]) == ("Batal", "Tercatat dua kali")


def test_exports_helper_neutralises_only_text():
    assert exports.neutralise("=1+1") == "'=1+1" and exports.neutralise("-2") == "'-2"
    assert exports.neutralise("\tcmd") == "'\tcmd" and exports.neutralise("Manggis") == "Manggis"
    assert exports.neutralise(-2) == -2
    data = exports.csv_bytes([("a", "=Judul"), ("b", "B")], [{"a": "@x", "b": "+1"}, {"a": -5}, {"a": None}])
    assert data.decode("utf-8-sig").splitlines() == ["'=Judul;B", "'@x;'+1", "-5;", ";"]


def test_form_with_several_errors_keeps_everything_and_writes_nothing(app, logged_in, session):
    client = logged_in("operator")
    typed = {"number": "NNC/UJI/1", "notice_date": "2099-01-01", "received_date": "2098-12-01",
             "flow": "received", "commodity": "Manggis", "category": "pest"}
    response = dash_callback(client, _key(app, "nnc-form-go.href"),
                             SAVE,
                             form_state(typed, [upload("surat.pdf", PDF)]), ["nnc-form-save.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json["response"]
    assert body["nnc-form-notice_date"]["invalid"] is True
    assert body["nnc-form-notice_date-feedback"]["children"].startswith("Tanggal tidak boleh melewati hari ini")
    assert body["nnc-form-organism-feedback"]["children"] == "Sebutkan organisme yang ditemukan."
    assert body["nnc-form-notifying_authority-feedback"]["children"] == "Wajib diisi."
    assert body["nnc-form-service_user_id-feedback"]["children"].startswith("Pilih pengguna jasa dari registri")
    assert body["nnc-form-alert"]["is_open"] is True
    assert "nnc-form-go" not in body and "nnc-form-files" not in body          # no redirect, files kept
    assert not any("value" in props for props in body.values())                 # typed values untouched
    assert session.scalar(select(func.count(Nnc.id))) == 0
    assert session.scalar(select(func.count()).select_from(AttachmentBlob)) == 0


def test_form_saves_and_opens_the_new_nnc(app, logged_in, session, database):
    client = logged_in("operator")
    with database.session() as s:
        data = valid_nnc(s)
    values = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    response = dash_callback(client, _key(app, "nnc-form-go.href"),
                             SAVE,
                             form_state(values, [upload("surat.pdf", PDF)]), ["nnc-form-save.n_clicks"])
    body = response.json["response"]
    saved = session.scalar(select(Nnc))
    assert body["nnc-form-go"]["href"] == f"/nnc/{saved.id}"
    assert saved.number == "GACC/NNC/2025/0001"


def test_upload_refuses_a_disguised_program_and_keeps_good_files(app, logged_in):
    client = logged_in("operator")
    good, bad = upload("surat.pdf", PDF), upload("surat-palsu.pdf", EXE)
    response = dash_callback(client, _key(app, "nnc-form-upload.contents"),
                             [{"id": "nnc-form-upload", "property": "contents",
                               "value": [good["content"], bad["content"]]}],
                             [{"id": "nnc-form-upload", "property": "filename", "value": ["surat.pdf",
                                                                                          "surat-palsu.pdf"]},
                              {"id": "nnc-form-files", "property": "data", "value": []}],
                             ["nnc-form-upload.contents"])
    body = response.json["response"]
    assert [f["name"] for f in body["nnc-form-files"]["data"]] == ["surat.pdf"]
    assert "surat-palsu.pdf" in json.dumps(body["nnc-form-attachments-feedback"], ensure_ascii=False)
    assert "bukan PDF, JPEG atau PNG" in json.dumps(body["nnc-form-attachments-feedback"], ensure_ascii=False)


def test_a_file_of_another_type_reaches_the_check_and_is_named(app, logged_in):
    """The upload's `accept` filter let the browser drop a Word letter or a program without a word (and left the last
    file's message standing): every file reaches the server's check, which says what it takes."""
    from plotly.utils import PlotlyJSONEncoder

    from layouts import nnc_form

    client = logged_in("operator")
    with app.server.test_request_context("/"):
        drawn = json.loads(json.dumps(nnc_form.layout(drawing_user("operator"), None), cls=PlotlyJSONEncoder))
    upload_props = next((props for _type, props in components(drawn) if props.get("id") == "nnc-form-upload"), None)
    assert upload_props is not None and "accept" not in upload_props
    letter = upload("surat.docx", b"PK\x03\x04" * 20)
    response = dash_callback(client, _key(app, "nnc-form-upload.contents"),
                             [{"id": "nnc-form-upload", "property": "contents", "value": [letter["content"]]}],
                             [{"id": "nnc-form-upload", "property": "filename", "value": ["surat.docx"]},
                              {"id": "nnc-form-files", "property": "data", "value": []}],
                             ["nnc-form-upload.contents"])
    body = response.json["response"]
    assert body["nnc-form-files"]["data"] == []
    assert "surat.docx" in json.dumps(body["nnc-form-attachments-feedback"], ensure_ascii=False)


def test_head_can_read_and_not_change(app, logged_in, register, session):
    client = logged_in("head")
    nnc_id = session.scalar(select(Nnc.id).where(Nnc.number == "D/0"))
    shown = dash_callback(client, _key(app, "..nnc-detail-title.children"),
                          [{"id": "nnc-detail-id", "property": "data", "value": nnc_id},
                           {"id": "nnc-detail-refresh", "property": "data", "value": 0}])
    assert shown.status_code == 200 and "D/0" in json.dumps(shown.json, ensure_ascii=False)
    assert shown.json["response"]["nnc-detail-actions"]["children"] == []  # no edit button
    assert client.get(f"/nnc/{nnc_id}/edit").status_code == 403
    save = dash_callback(client, _key(app, "nnc-form-go.href"),
                         SAVE,
                         form_state({"number": "H/1"}, nnc_id=nnc_id), ["nnc-form-save.n_clicks"])
    assert save.status_code == 403
    follow = dash_callback(client, _key(app, "nnc-detail-refresh.data"),
                           [{"id": "nnc-detail-fu-save", "property": "n_clicks", "value": 1}])
    assert follow.status_code == 403


def test_the_nnc_page_and_what_its_callback_draws_into_it_name_no_component_twice(app, logged_in, register, session):
    """The status and change tables were drawn into card bodies of their own ids: a page with two elements of one id
    (the phone's NNC page scrolled sideways around them)."""
    from support.web import components
    client = logged_in("operator")
    nnc_id = session.scalar(select(Nnc.id).where(Nnc.number == "D/0"))
    page = dash_callback(client, "shell-content.children",
                         inputs=[{"id": "shell-url", "property": "pathname", "value": f"/nnc/{nnc_id}"}])
    shown = dash_callback(client, _key(app, "..nnc-detail-title.children"),
                          [{"id": "nnc-detail-id", "property": "data", "value": nnc_id},
                           {"id": "nnc-detail-refresh", "property": "data", "value": 0}])
    drawn = shown.json["response"]
    assert drawn["nnc-detail-statuses"]["children"] and drawn["nnc-detail-changes"]["children"]  # tables, not "none"
    ids = [props["id"] for _type, props in components(page.json) if isinstance(props.get("id"), str)]
    ids += [props["id"] for _type, props in components(drawn) if isinstance(props.get("id"), str)]
    assert not {found for found in ids if ids.count(found) > 1}


def test_coordinator_follows_up_their_section_from_the_nnc_page(app, logged_in, register, session):
    client = logged_in("coordinator", section="plant", username="koordinator_kt")
    nnc_id = session.scalar(select(Nnc.id).where(Nnc.number == "D/1"))
    state = [{"id": "nnc-detail-fu-id", "property": "data", "value": nnc_id},
             {"id": "nnc-detail-fu-status", "property": "value", "value": "under_investigation"},
             {"id": "nnc-detail-fu-note", "property": "value", "value": "Eksportir dihubungi"},
             {"id": "nnc-detail-fu-investigation_findings", "property": "value", "value": "Kebun tanpa perangkap"},
             {"id": "nnc-detail-fu-corrective_action", "property": "value", "value": ""},
             {"id": "nnc-detail-fu-guidance_given", "property": "value", "value": ""},
             {"id": "nnc-detail-refresh", "property": "data", "value": 0},
             {"id": "nnc-detail-fu-opened", "property": "data", "value": {"version": 1, "values": {}}}]  # as loaded
    response = dash_callback(client, _key(app, "nnc-detail-refresh.data"),
                             [{"id": "nnc-detail-fu-save", "property": "n_clicks", "value": 1}], state,
                             ["nnc-detail-fu-save.n_clicks"])
    body = response.json["response"]
    assert body["nnc-detail-refresh"]["data"] == 1 and "Dalam investigasi" in body["nnc-detail-fu-alert"]["children"]
    session.expire_all()
    assert session.get(Nnc, nnc_id).status == "under_investigation"
    # the edit form is not theirs
    assert client.get(f"/nnc/{nnc_id}/edit").status_code == 403


def test_a_refused_save_asks_the_page_to_bring_its_message_into_view_and_a_good_one_does_not(app, logged_in,
                                                                                             database):
    """The alert of a refused save stands at the top of a long form, far above the bottom Simpan: the save says it was
    refused (nnc-form-refused, a new number each press) and the page's script takes the reader there."""
    client = logged_in("operator")
    pressed = [{"id": "nnc-form-save", "property": "n_clicks", "value": 2},
               {"id": "nnc-form-save-top", "property": "n_clicks", "value": 1}]
    refused = dash_callback(client, _key(app, "nnc-form-go.href"), pressed, form_state({"number": "NNC/UJI/2"}),
                            ["nnc-form-save.n_clicks"]).json["response"]
    assert refused["nnc-form-alert"]["is_open"] is True and refused["nnc-form-refused"]["data"] == 3
    with database.session() as s:
        data = valid_nnc(s)
    values = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    saved = dash_callback(client, _key(app, "nnc-form-go.href"), SAVE, form_state(values),
                          ["nnc-form-save.n_clicks"]).json["response"]
    assert saved["nnc-form-go"]["href"].startswith("/nnc/") and "nnc-form-refused" not in saved
    shown = next(c for k, c in app.callback_map.items() if k == "nnc-form-refused.id")
    assert [i["id"] for i in shown["inputs"]] == ["nnc-form-refused"]  # the browser's part: assets/qc-nnc.js


def _nnc_taken_to(database, number: str, statuses: list[tuple[str, str]], **follow_up) -> int:
    """An NNC taken along its workflow, each step with its note, by a script holding every right."""
    from portal.services.nnc.rules import system_actor

    with database.session() as s:
        actor = system_actor(s, "0300")
        nnc_id = nnc.create_nnc(s, actor, valid_nnc(s, number=number))["id"]
        if follow_up:
            nnc.record_follow_up(s, actor, nnc_id, follow_up)
        for status, note in statuses:
            nnc.change_status(s, actor, nnc_id, status, note)
    return nnc_id


CLOSED = [("under_investigation", "Eksportir dihubungi"), ("clarified", "Penyebab diketahui"),
          ("closed", "Tindakan korektif diterima")]
LOCKED = ("nnc-form-fields", "nnc-form-save", "nnc-form-save-top", "nnc-form-upload")


@pytest.mark.parametrize("steps", [CLOSED, [("void", "Salah catat")]], ids=["closed", "void"])
def test_a_closed_or_void_nnc_opens_its_form_with_both_save_buttons_and_the_upload_disabled(app, logged_in, database,
                                                                                            session, steps):
    client = logged_in("operator")
    locked = _nnc_taken_to(database, "L/1", steps, investigation_findings="Palet tanpa cap ISPM 15",
                           corrective_action="Pemasok palet diganti")
    open_one = _nnc_taken_to(database, "L/2", [])
    page = dash_callback(client, "shell-content.children",
                         inputs=[{"id": "shell-url", "property": "pathname", "value": f"/nnc/{locked}/edit"}])
    drawn = {props["id"]: props for _type, props in components(page.json) if props.get("id") in LOCKED}
    assert all(drawn[name]["disabled"] is True for name in LOCKED)  # until the NNC's values have arrived

    def load(nnc_id):
        return dash_callback(client, _key(app, "nnc-form-opened.data"),
                             [{"id": "nnc-form-id", "property": "data", "value": nnc_id}]).json["response"]

    assert {name: load(locked)[name]["disabled"] for name in LOCKED} == dict.fromkeys(LOCKED, True)
    assert "tidak dapat diubah" in load(locked)["nnc-form-alert"]["children"]
    assert {name: load(open_one)[name]["disabled"] for name in LOCKED} == dict.fromkeys(LOCKED, False)
    # The page only keeps the officer from trying: a save the page sends anyway is still refused.
    top = [{"id": "nnc-form-save", "property": "n_clicks", "value": None},
           {"id": "nnc-form-save-top", "property": "n_clicks", "value": 1}]
    refused = dash_callback(client, _key(app, "nnc-form-go.href"), top,
                            form_state({"number": "L/1-baru"}, nnc_id=locked), ["nnc-form-save-top.n_clicks"])
    assert "nnc-form-go" not in refused.json["response"]
    assert session.get(Nnc, locked).number == "L/1"


def test_the_nnc_page_titles_its_record_card_and_its_follow_up_form_apart(app, logged_in, database):
    """The record's own card and the follow-up form beside it were both titled "Tindak lanjut"."""
    client = logged_in("operator")
    nnc_id = _nnc_taken_to(database, "T/1", [("under_investigation", "Eksportir dihubungi")])
    page = dash_callback(client, "shell-content.children",
                         inputs=[{"id": "shell-url", "property": "pathname", "value": f"/nnc/{nnc_id}"}])
    shown = dash_callback(client, _key(app, "..nnc-detail-title.children"),
                          [{"id": "nnc-detail-id", "property": "data", "value": nnc_id},
                           {"id": "nnc-detail-refresh", "property": "data", "value": 0}])
    titles = [text for tree in (page.json, shown.json) for kind, props in components(tree) if kind == "CardHeader"
              for text in props["children"] if isinstance(text, str)]
    assert "Status dan tindak lanjut" in titles and "Catat tindak lanjut" in titles
    assert len(titles) == len(set(titles)), titles


def test_the_form_says_at_once_why_a_found_application_cannot_be_the_nncs_consignment(app, logged_in, database):
    """"Permohonan ditemukan" and its data offered to copy for an import PTK on a received NNC (about our export), or
    for one submitted after the notice: the save refused it only later."""
    from datetime import UTC, datetime

    from support.factories import gen_application

    with database.session() as s:
        company = gen_service_user(s, name="PT Ekspor Manggis")
        imported = gen_application(s, company, direction="import",
                                   submitted_at=datetime(2026, 10, 1, 1, 0, tzinfo=UTC)).number
        exported = gen_application(s, company, submitted_at=datetime(2026, 10, 1, 1, 0, tzinfo=UTC)).number
        s.commit()
    client = logged_in("operator")
    key = _key(app, "nnc-form-application-status.children")

    def hint(number, flow="received", notice="2026-11-01"):
        response = dash_callback(client, key, inputs=[
            {"id": "nnc-form-application_number", "property": "value", "value": number},
            {"id": "nnc-form-flow", "property": "value", "value": flow},
            {"id": "nnc-form-notice_date", "property": "value", "value": notice}],
            state=[{"id": "nnc-form-opened", "property": "data", "value": None},
                   {"id": "nnc-form-id", "property": "data", "value": None}])
        body = response.get_json()["response"]
        return json.dumps(body["nnc-form-application-status"]), body["nnc-form-use-application"]["style"]

    text, copy = hint(imported)
    assert "impor" in text and "nnc-form-application-misfit" in text and copy == {"display": "none"}
    text, copy = hint(exported, notice="2026-09-30")
    assert "sesudah tanggal NNC" in text and copy == {"display": "none"}
    text, copy = hint(exported)
    assert "Permohonan ditemukan" in text and copy == {"display": "inline-block"}


def test_the_form_refuses_text_that_is_no_ptk_number_beside_its_field_and_warns_of_a_ptk_not_synced(
        app, logged_in, session, database):
    """Any text was taken as the NNC's PTK and shown on its page as "tidak ditemukan": the hint says at once that it is
    no PTK number and the save refuses it beside the field, keeping what was typed; a well-formed PTK no synced
    application has is warned of as it is typed, and saved."""
    client = logged_in("operator")
    hint_key = _key(app, "nnc-form-application-status.children")

    def hint(number, kept=None):
        response = dash_callback(client, hint_key, inputs=[
            {"id": "nnc-form-application_number", "property": "value", "value": number},
            {"id": "nnc-form-flow", "property": "value", "value": "received"},
            {"id": "nnc-form-notice_date", "property": "value", "value": "2025-03-03"}],
            state=[{"id": "nnc-form-opened", "property": "data",
                    "value": {"version": 1, "values": {"application_number": kept}}},
                   {"id": "nnc-form-id", "property": "data", "value": None}])
        return json.dumps(response.get_json()["response"]["nnc-form-application-status"], ensure_ascii=False)

    shown = hint("lihat surat GACC")
    assert "nnc-form-application-shape" in shown and "Ini bukan bentuk nomor PTK" in shown
    # An NNC stored before the rule keeps its text (the save takes it unchanged): the hint does not refuse it either.
    shown = hint("lihat surat GACC", kept="lihat surat GACC")
    assert "nnc-form-application-shape" not in shown and "nnc-form-application-missing" in shown
    shown = hint("2025.1.0300.0.K21.E.032999")
    assert "nnc-form-application-missing" in shown and "NNC tetap dapat disimpan" in shown

    with database.session() as s:
        data = valid_nnc(s)
    values = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
    refused = dash_callback(client, _key(app, "nnc-form-go.href"), SAVE,
                            form_state({**values, "application_number": "lihat surat GACC"}),
                            ["nnc-form-save.n_clicks"]).json["response"]
    assert refused["nnc-form-application_number"]["invalid"] is True
    assert refused["nnc-form-application_number-feedback"]["children"].startswith("Ini bukan bentuk nomor PTK")
    assert "nnc-form-go" not in refused and not any("value" in props for props in refused.values())  # typed kept
    assert session.scalar(select(func.count(Nnc.id))) == 0

    saved = dash_callback(client, _key(app, "nnc-form-go.href"), SAVE,
                          form_state({**values, "application_number": "2025.1.0300.0.K21.E.032999"}),
                          ["nnc-form-save.n_clicks"]).json["response"]
    stored = session.scalar(select(Nnc))
    assert saved["nnc-form-go"]["href"] == f"/nnc/{stored.id}"
    assert (stored.application_number, stored.application_id) == ("2025.1.0300.0.K21.E.032999", None)
