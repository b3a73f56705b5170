"""A complaint's history reads as the officers' words: each change "before → after" with the form's labels, statuses
and categories in words, dates as the page shows them and the assignee by name — never the stored JSON."""
from __future__ import annotations

import json

from portal.services import complaints, edit_versions
from support.nnc_helpers import actor
from support.web import components, dash_callback, login

SHOW = "..complaint-header.children...complaint-body.children...complaint-history.children.."


def _history_text(app, client, complaint_id: int) -> str:
    response = dash_callback(client, SHOW, [{"id": "complaint-id", "property": "data", "value": complaint_id},
                                            {"id": "complaint-refresh", "property": "data", "value": 0}])
    assert response.status_code == 200, response.get_data(as_text=True)
    history = response.json["response"]["complaint-history"]["children"]
    return json.dumps(history, ensure_ascii=False)


def test_a_complaint_history_names_each_change_in_words_with_the_assignee_by_name(app, database, make_user):
    officer = actor(database, make_user, "operator", username="petugas_riwayat")
    make_user("petugas_tujuan", "operator", full_name="Dewi Lestari")
    with database.session() as s:
        created = complaints.create(s, officer, {"channel": "lapor", "category": "service", "subject": "Antrean",
                                                 "text": "Lama sekali."}, source="officer")
        assignee = next(p["id"] for p in complaints.editors(s, officer.office_id) if p["name"] == "Dewi Lestari")
        opened = complaints.detail(s, officer, created["id"])
        kept = edit_versions.opened(opened["version"], {name: opened.get(name) for name in complaints.EDIT_FIELDS})
        complaints.update(s, officer, created["id"], {
            "status": "in_progress", "category": "service", "assignee_id": assignee, "answer": "",
            "needs_field_check": True}, expected_version=kept["version"], opened=kept["values"])
    client = app.server.test_client()
    login(client, "petugas_riwayat")
    text = _history_text(app, client, created["id"])
    for words in ("Status: ", "Baru", "qc-before", "menjadi", "qc-after", "Diproses", "Kanal: ", "SP4N-LAPOR!",
                  "Petugas penanggung jawab: ", "belum ditugaskan", "Dewi Lestari", "Perlu cek lapangan: ",
                  "Batas jawab: ", "Perubahan"):
        assert words in text, words
    assert '{\\"status\\"' not in text and "in_progress" not in text and "lapor" not in text.replace("LAPOR", "")


def test_a_complaint_history_lists_the_newest_change_first_as_an_nncs_does(app, database, make_user):
    """An NNC's history reads newest first; a complaint's read oldest first, its latest handling at the very foot."""
    officer = actor(database, make_user, "operator", username="petugas_urutan")
    with database.session() as s:
        created = complaints.create(s, officer, {"channel": "phone", "category": "service", "subject": "Antrean",
                                                 "text": "Lama sekali."}, source="officer")
        for status, answer in (("in_progress", ""), ("answered", "Loket ditambah mulai Senin.")):
            opened = complaints.detail(s, officer, created["id"])
            complaints.update(s, officer, created["id"], {"status": status, "category": "service",
                                                          "assignee_id": None, "answer": answer},
                              expected_version=opened["version"])
    client = app.server.test_client()
    login(client, "petugas_urutan")
    table = json.loads(_history_text(app, client, created["id"]))
    rows = [props["children"] for kind, props in components(table) if kind == "Tr"][1:]  # the header row aside
    assert [row[2]["props"]["children"] for row in rows] == ["Diubah", "Diubah", "Dicatat"]
    newest, older = (json.dumps(row[3], ensure_ascii=False) for row in rows[:2])
    assert "Dijawab" in newest and "Dijawab" not in older and "Diproses" in older
