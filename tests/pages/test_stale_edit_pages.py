"""No lost updates through the pages (issue #16): two people open one NNC (or complaint), the first saves, the second's
save is refused with what changed, who saved it and when, and keeps what the second typed (no value goes back to the
form); a record's page shows the record beside the form as it now stands."""
from __future__ import annotations

import json

from sqlalchemy import select

from layouts.kpi import SLA_KEYS
from models import Complaint, Nnc
from portal.services import complaints
from portal.services.nnc import register as nnc
from support.nnc_helpers import actor, form_state, valid_nnc
from support.web import dash_callback, login, save_complaint

SAVE = [{"id": "nnc-form-save", "property": "n_clicks", "value": 1},
        {"id": "nnc-form-save-top", "property": "n_clicks", "value": None}]


def _key(app, fragment: str) -> str:
    return next(k for k in app.callback_map if fragment in k)


def _open_form(app, client, nnc_id: int) -> tuple[dict, dict]:
    """The edit form's load callback, as the browser calls it: the values drawn and the version kept."""
    response = dash_callback(client, _key(app, "nnc-form-opened.data"),
                             [{"id": "nnc-form-id", "property": "data", "value": nnc_id}])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json["response"]
    values = {key.removeprefix("nnc-form-"): props["value"] for key, props in body.items() if "value" in props}
    return values, body["nnc-form-opened"]["data"]


def test_second_nnc_save_through_the_form_is_refused_with_what_changed_and_keeps_the_typing(
        app, database, make_user, session):
    first = actor(database, make_user, "operator", username="petugas_pertama")
    actor(database, make_user, "operator", username="petugas_kedua")
    with database.session() as s:
        nnc_id = nnc.create_nnc(s, first, valid_nnc(s))["id"]
    tab_a, tab_b = app.server.test_client(), app.server.test_client()
    login(tab_a, "petugas_pertama")
    login(tab_b, "petugas_kedua")
    values_a, opened_a = _open_form(app, tab_a, nnc_id)
    values_b, opened_b = _open_form(app, tab_b, nnc_id)

    saved = dash_callback(tab_a, _key(app, "nnc-form-go.href"), SAVE,
                          form_state({**values_a, "description": "Larva hidup pada 3 buah"}, nnc_id=nnc_id,
                                     opened=opened_a), ["nnc-form-save.n_clicks"])
    assert saved.json["response"]["nnc-form-go"]["href"] == f"/nnc/{nnc_id}"
    refused = dash_callback(tab_b, _key(app, "nnc-form-go.href"), SAVE,
                            form_state({**values_b, "commodity": "Durian Montong"}, nnc_id=nnc_id, opened=opened_b),
                            ["nnc-form-save.n_clicks"])

    body = refused.json["response"]
    alert = json.dumps(body["nnc-form-alert"]["children"], ensure_ascii=False)
    assert body["nnc-form-alert"]["is_open"] is True and "nnc-form-go" not in body
    assert "Tidak disimpan: data ini sudah diubah sejak Anda membukanya." in alert
    assert "petugas_pertama menyimpan perubahan pada" in alert
    assert "Uraian ketidaksesuaian" in alert and "(kosong)" in alert and "Larva hidup pada 3 buah" in alert
    assert "Isian Anda belum disimpan dan masih ada di formulir." in alert
    assert not any("value" in props for props in body.values())  # what tab B typed stays in its form
    session.expire_all()
    stored = session.scalar(select(Nnc).where(Nnc.id == nnc_id))
    assert (stored.description, stored.commodity) == ("Larva hidup pada 3 buah", "Manggis")


def test_follow_up_through_the_nnc_page_over_a_newer_one_is_refused(app, database, make_user, session):
    operator = actor(database, make_user, "operator", username="petugas_fu")
    for name in ("koordinator_satu", "koordinator_dua"):
        make_user(name, "coordinator", "plant")
    with database.session() as s:
        nnc_id = nnc.create_nnc(s, operator, valid_nnc(s))["id"]
    tabs = []
    for name in ("koordinator_satu", "koordinator_dua"):
        tab = app.server.test_client()
        login(tab, name)
        filled = dash_callback(tab, _key(app, "nnc-detail-fu-opened.data"),
                               [{"id": "nnc-detail-fu-id", "property": "data", "value": nnc_id},
                                {"id": "nnc-detail-refresh", "property": "data", "value": 0}])
        tabs.append((tab, filled.json["response"]["nnc-detail-fu-opened"]["data"]))

    def follow_up(tab, opened, findings):
        state = [{"id": "nnc-detail-fu-id", "property": "data", "value": nnc_id},
                 {"id": "nnc-detail-fu-status", "property": "value", "value": "keep"},
                 {"id": "nnc-detail-fu-note", "property": "value", "value": ""},
                 {"id": "nnc-detail-fu-investigation_findings", "property": "value", "value": findings},
                 {"id": "nnc-detail-fu-corrective_action", "property": "value", "value": ""},
                 {"id": "nnc-detail-fu-guidance_given", "property": "value", "value": ""},
                 {"id": "nnc-detail-refresh", "property": "data", "value": 0},
                 {"id": "nnc-detail-fu-opened", "property": "data", "value": opened}]
        return dash_callback(tab, _key(app, "nnc-detail-refresh.data"),
                             [{"id": "nnc-detail-fu-save", "property": "n_clicks", "value": 1}], state,
                             ["nnc-detail-fu-save.n_clicks"]).json["response"]

    saved = follow_up(*tabs[0], "Perangkap tidak dipasang")
    assert saved["nnc-detail-refresh"]["data"] == 1 and "nnc-detail-content" not in saved  # `show` redraws it
    body = follow_up(*tabs[1], "")
    assert "nnc-detail-refresh" not in body  # a refresh would fill the panel again over what was typed
    alert = json.dumps(body["nnc-detail-fu-alert"]["children"], ensure_ascii=False)
    assert "koordinator_satu" in alert and "Hasil investigasi" in alert and "Perangkap tidak dipasang" in alert
    # The record beside the panel is drawn again as it now stands: the first coordinator's findings.
    assert "Perangkap tidak dipasang" in json.dumps(body["nnc-detail-content"]["children"], ensure_ascii=False)
    assert not any("value" in props for props in body.values())  # what was typed stays in the panel
    session.expire_all()
    assert session.get(Nnc, nnc_id).investigation_findings == "Perangkap tidak dipasang"


def test_second_complaint_answer_through_the_page_is_refused_and_stays_open(app, database, make_user, session):
    """The complaint's handling form: the refusal stays on screen (no 10-second fade) and keeps the typed answer."""
    first = actor(database, make_user, "operator", username="petugas_jawab")
    actor(database, make_user, "operator", username="petugas_telat")
    with database.session() as s:
        complaint_id = complaints.create(s, first, {"channel": "phone", "category": "service", "subject": "Antrean",
                                                    "text": "Lama sekali."})["id"]
    opener = next(k for k in app.callback_map if "complaint-opened.data" in k and "complaint-assignee_id.options" in k)
    saver = next(k for k in app.callback_map if "complaint-opened.data" in k and "complaint-alert.children" in k)
    tabs = []
    for name in ("petugas_jawab", "petugas_telat"):
        tab = app.server.test_client()
        login(tab, name)
        opened = dash_callback(tab, opener, [{"id": "complaint-id", "property": "data", "value": complaint_id}])
        tabs.append((tab, opened.json["response"]["complaint-opened"]["data"]))

    def answer(tab, kept, status, text):
        return save_complaint(tab, saver, complaint_id, status, text, opened=kept).json["response"]

    saved = answer(*tabs[0], "answered", "Loket ditambah mulai Senin.")
    assert saved["complaint-refresh"]["data"] == 1 and saved["complaint-opened"]["data"]["version"] == 2
    body = answer(*tabs[1], "in_progress", "Sedang kami periksa.")
    alert = json.dumps(body["complaint-alert"]["children"], ensure_ascii=False)
    assert body["complaint-alert"]["duration"] is None
    # The page (not the form) is drawn again from the complaint as it now stands; the form keeps its version.
    assert body["complaint-refresh"]["data"] == 1 and "complaint-opened" not in body
    assert "petugas_jawab" in alert and "Jawaban" in alert and "Loket ditambah mulai Senin." in alert
    assert not any("value" in props for props in body.values())  # the typed answer stays in the form
    session.expire_all()
    stored = session.get(Complaint, complaint_id)
    assert (stored.status, stored.answer) == ("answered", "Loket ditambah mulai Senin.")


def test_an_sla_save_over_a_colleagues_newer_hours_is_refused_and_the_panel_is_redrawn_on_them(app, make_user):
    """The SLA hours on the KPI panel: the refusal keeps the typed hours in the form and redraws the panel (its
    "Dalam SLA" shares) on the hours the colleague saved, the ones the message names."""
    for name in ("admin_sla_satu", "admin_sla_dua"):
        make_user(name, "admin")
    key = _key(app, "kpi-sla-opened.data")

    def call(tab, clicks, hours, kept, refresh=0):
        return dash_callback(tab, key, [{"id": "kpi-sla-save", "property": "n_clicks", "value": clicks}],
                             [{"id": f"kpi-sla-{k}", "property": "value", "value": hours.get(k)} for k in SLA_KEYS]
                             + [{"id": "kpi-refresh", "property": "data", "value": refresh},
                                {"id": "kpi-sla-opened", "property": "data", "value": kept}],
                             changed=["kpi-sla-save.n_clicks"] if clicks else []).json["response"]

    tabs = []
    for name in ("admin_sla_satu", "admin_sla_dua"):
        tab = app.server.test_client()
        login(tab, name)
        opened = call(tab, None, {}, None)
        tabs.append((tab, opened["kpi-sla-opened"]["data"]))
    stored = tabs[0][1]["values"]
    saved = call(tabs[0][0], 1, dict(stored, verified=7), tabs[0][1])
    assert saved["kpi-sla-opened"]["data"]["values"]["verified"] == 7 and saved["kpi-refresh"]["data"] == 1
    body = call(tabs[1][0], 1, dict(stored, paid=12), tabs[1][1], refresh=3)
    alert = json.dumps(body["kpi-sla-alert"]["children"], ensure_ascii=False)
    assert "admin_sla_satu" in alert and "Diverifikasi" in alert and "2 jam" in alert and "7 jam" in alert
    assert body["kpi-refresh"]["data"] == 4  # the panel is drawn again, on the colleague's hours
    assert "kpi-sla-opened" not in body and not any("value" in props for props in body.values())
