"""The audit log reads as words: the action, who, when, the record as a link, and a drawer with the fields that
changed before and after (no JSON, no full fingerprints)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from support.web import dash_callback, pager_body, pager_state
from layouts import admin_audit as view
from layouts.components.formatting import actor_name
from portal import audit
from portal.security.access import callback_permissions
from portal.services import audit_log

HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
DRAWER = "..admin-audit-detail.children...admin-audit-drawer.is_open.."


@pytest.fixture
def entries(session, make_user):
    make_user("admin_baca", "admin")
    audit.record(session, 1, "admin_baca", "user_updated", "user", 7,
                 {"role": "operator", "active": True, "full_name": "Petugas"},
                 {"role": "coordinator", "active": False, "full_name": "Petugas"})
    audit.record(session, None, None, "complaint_created", "complaint", 12, None, {"status": "new", "channel": "email"})
    audit.record(session, 1, "admin_baca", "nnc_attachment_added", "nnc", 3, None,
                 {"attachment_id": 5, "filename": "foto.jpg", "sha256": HASH, "size": 12345})
    audit.record(session, 1, "admin_baca", "account_locked", "user", 7, None,
                 {"locked_until": datetime(2026, 3, 2, 3, 30, tzinfo=timezone.utc).isoformat()})
    session.commit()
    return {row["action"]: row for row in audit_log.search(session)["rows"]}


def test_each_entry_names_its_action_record_and_changed_fields_in_words(entries):
    updated, created, attached = entries["user_updated"], entries["complaint_created"], entries["nnc_attachment_added"]
    assert view.action_label("complaint_created") == "Pengaduan dicatat"
    assert view.record_text(created["object_type"], created["object_id"]) == "Pengaduan 12"
    assert view.record_path(created["object_type"], created["object_id"]) == "/complaints/12"
    assert view.record_path(attached["object_type"], attached["object_id"]) == "/nnc/3"
    # unchanged fields (the name) are not listed; the ones that changed are, by their label
    assert view.changes_summary("user", updated["changes"]) == "Peran, Akun aktif"
    assert view.changes_summary("complaint", created["changes"]) == "Status, Kanal"
    # a refused address is named, never a link; a long fingerprint is shortened
    assert view.record_text("page", "/admin/sync") == "Halaman /admin/sync" and view.record_path("page", "/x") is None
    assert view.record_text("nnc_attachment", HASH) == "Lampiran NNC " + HASH[:10] + "…"


def test_a_row_opens_the_drawer_with_before_and_after_not_json(client, logged_in, entries):
    logged_in("admin", username="admin_lihat")

    def drawer(entry) -> str:
        response = dash_callback(client, DRAWER, inputs=[{"id": "admin-audit-grid", "property": "cellClicked",
                                                          "value": {"rowId": str(entry["id"]), "colId": "at"}}],
                                 changed=["admin-audit-grid.cellClicked"])
        assert response.status_code == 200
        return response.get_data(as_text=True)

    body = drawer(entries["user_updated"])
    assert '"admin-audit-drawer":{"is_open":true}' in body
    for words in ("Pengguna diubah", "Petugas pelayanan", "Koordinator", "Ya", "Tidak", "Peran", "Sebelum", "Sesudah"):
        assert words in body, words
    assert '{\\"role' not in body and "user_updated" not in body

    attached = drawer(entries["nnc_attachment_added"])
    assert HASH not in attached and HASH[:10] + "…" in attached.encode().decode("unicode_escape")
    assert "12 KB" in attached and "foto.jpg" in attached  # an attachment's size as the NNC page gives it

    locked = drawer(entries["account_locked"])
    assert "2 Mar 2026 10:30 WIB" in locked  # office time (WIB), Indonesian format, not an ISO string


def test_a_counted_denial_reads_with_its_count_and_what_was_refused(session, make_user, logged_in):
    """Access denials are one row per session and minute: the list says how many, the drawer what was refused."""
    refused = make_user("pengguna_coba", "service_user")
    for target in ("/admin/users", "/admin/audit", "/admin/users"):
        audit.record_denied(session, refused["id"], "pengguna_coba", "sesi-1", "route", target)
        session.flush()
    session.commit()
    row = audit_log.search(session, action="access_denied")["rows"][0]
    assert row["occurrences"] == 3
    assert view.action_label(row["action"], row["occurrences"]) == "Akses ditolak (×3)"
    assert view.action_label(row["action"], 1) == "Akses ditolak"
    client = logged_in("admin")
    drawer = dash_callback(client, DRAWER, inputs=[{"id": "admin-audit-grid", "property": "cellClicked",
                                                    "value": {"rowId": str(row["id"]), "colId": "at"}}]).json
    text = json.dumps(drawer, ensure_ascii=False)
    assert "Akses ditolak (×3)" in text
    assert "Alamat /admin/users (halaman Pengguna)" in text and "Alamat /admin/audit (halaman Log audit)" in text


def test_a_guidance_entry_reads_in_indonesian_labels_and_values(session, make_user):
    """A guidance planned and cancelled, through the service that audits it: every field it records has an
    Indonesian label (no "Officer name", "Cancel reason") and its kind and status read in words ("visit",
    "cancelled" once showed raw)."""
    from datetime import timedelta

    from portal.domain.periods import today_in
    from portal.services.compliance import guidance
    from portal.services.offices import office_zone
    from support.factories import gen_application, gen_service_user

    coordinator = make_user("koordinator_audit", "coordinator", "plant")
    company = gen_service_user(session, name="PT Binaan Audit")
    gen_application(session, company, section="plant")
    reach = {"office_id": coordinator["office_id"], "section_scope": "plant"}
    today = today_in(office_zone(session, coordinator["office_id"]))
    plan = guidance.record_guidance(session, coordinator["id"], "koordinator_audit", **reach, values={
        "service_user_id": company.id, "given_on": (today + timedelta(days=3)).isoformat(), "kind": "visit",
        "notes": "Kunjungan kebun", "officer_name": "Budi", "section": "plant"})
    guidance.cancel(session, coordinator["id"], "koordinator_audit", **reach, guidance_id=plan["id"],
                    version=guidance.record_detail(session, plan["id"], **reach)["version"], reason="Perusahaan tutup.")
    session.commit()
    rows = {row["action"]: row for row in audit_log.search(session)["rows"] if row["object_type"] == "guidance"}
    assert set(rows) == {"guidance_planned", "guidance_cancelled"}
    planned = audit_log.entry(session, rows["guidance_planned"]["id"])["changes"]
    cancelled = audit_log.entry(session, rows["guidance_cancelled"]["id"])["changes"]
    assert set(view.changes_summary("guidance", planned).split(", ")) == {  # JSONB keeps no key order
        "Pengguna jasa", "Tanggal pembinaan", "Bentuk", "Bidang", "Petugas", "Catatan", "Status"}
    assert view.changes_summary("guidance", cancelled) == "Status, Alasan pembatalan"
    words = {change["field"]: view.value_text(change["field"], change["after"], "Asia/Jakarta", "guidance")
             for change in planned + cancelled}
    assert (words["kind"], words["section"], words["cancel_reason"]) == \
        ("Kunjungan", "Karantina Tumbuhan", "Perusahaan tutup.")
    assert [view.value_text("status", change["after"], "Asia/Jakarta", "guidance")
            for change in planned + cancelled if change["field"] == "status"] == ["Direncanakan", "Dibatalkan"]


def test_a_failed_login_and_a_calendar_change_read_in_words_not_codes():
    """The drawer showed a failed login's reason as "invalid" and a calendar day's change as "added"."""
    assert view.value_text("reason", "invalid", "Asia/Jakarta", "user") == "Nama pengguna atau kata sandi salah"
    assert view.value_text("reason", "locked", "Asia/Jakarta", "user") == "Akun sedang terkunci"
    assert [view.value_text("change", code, "Asia/Jakarta", "office_calendar_day")
            for code in ("added", "worked", "addition_withdrawn", "holiday_restored")] == [
        "Hari libur ditambahkan kantor", "Hari libur dijadikan hari kerja", "Hari libur tambahan dibatalkan",
        "Hari libur dikembalikan"]
    # A day's own reason stays as the office wrote it.
    assert view.value_text("reason", "Banjir", "Asia/Jakarta", "office_calendar_day") == "Banjir"


def test_an_nnc_history_says_each_value_in_the_audit_logs_words():
    """The NNC page's history and the audit log's drawer word a value through one function: codes as labels, the
    section by name, dates and sizes as people read them, a quantity with its thousands."""
    from layouts.nnc_common import changes_table

    change = {"at": datetime(2026, 11, 3, 2, 0, tzinfo=timezone.utc), "username": "petugas_nnc",
              "action": "nnc_updated",
              "before": {"status": "received", "category": "documentation", "notice_date": "2026-11-02",
                         "section_id": "animal", "quantity": 1500},
              "after": {"status": "under_investigation", "category": "documentation", "notice_date": "2026-11-04",
                        "section_id": "plant", "quantity": 2500, "size": 12345, "sha256": HASH}}
    text = json.dumps(changes_table([change], "Asia/Jakarta", "nnc-detail").to_plotly_json(), default=str,
                      ensure_ascii=False)
    for words in ("Baru", "Dalam investigasi", "Masalah dokumen", "2 Nov 2026", "4 Nov 2026", "Karantina Hewan",
                  "Karantina Tumbuhan", "1.500", "2.500", "12 KB", "Bidang", "Ukuran"):
        assert words in text, words
    assert HASH not in text and "under_investigation" not in text


def test_what_the_portal_did_itself_is_by_sistem_not_by_its_english_account_name(session, client, logged_in):
    """A nightly job or a rule applied by the portal records "system" (portal.security.scope.system_scope), an
    anonymous entry no name: the log says "Sistem" for both, in the list and in the drawer."""
    audit.record(session, None, "system", "user_updated", "user", 8, {"active": True}, {"active": False})
    session.commit()
    logged_in("admin", username="admin_sistem")
    entry = next(row for row in audit_log.search(session)["rows"] if row["object_id"] == "8")
    assert actor_name(entry["username"]) == "Sistem" and actor_name(None) == "Sistem"
    assert actor_name("admin_sistem") == "admin_sistem"
    response = dash_callback(client, DRAWER, inputs=[{"id": "admin-audit-grid", "property": "cellClicked",
                                                      "value": {"rowId": str(entry["id"]), "colId": "at"}}],
                             changed=["admin-audit-grid.cellClicked"])
    body = response.get_data(as_text=True)
    assert "Sistem" in body and '"system"' not in body


def _drawer_text(client, entry_id) -> str:
    response = dash_callback(client, DRAWER, inputs=[{"id": "admin-audit-grid", "property": "cellClicked",
                                                      "value": {"rowId": str(entry_id), "colId": "at"}}],
                             changed=["admin-audit-grid.cellClicked"])
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.dumps(response.json, ensure_ascii=False)


def _list(app, client, **values) -> dict:
    """The list's callback as the page calls it: user, action, from, to, then the pager."""
    key = next(key for key in callback_permissions(app) if "admin-audit-grid.rowData" in key)
    inputs = [{"id": "admin-audit-user", "property": "value", "value": values.get("user", "")},
              {"id": "admin-audit-action", "property": "value", "value": values.get("action", "all")},
              {"id": "admin-audit-from", "property": "value", "value": values.get("date_from", "")},
              {"id": "admin-audit-to", "property": "value", "value": values.get("date_to", "")},
              *pager_body("admin-audit")]
    response = dash_callback(client, key, inputs, pager_state("admin-audit-page", 0),
                             ["admin-audit-from.value"])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def test_an_nnc_import_names_every_field_it_recorded_in_words(session, client, logged_in):
    """The import's "rejected" rows showed as "Rejected" beside "Nama berkas", "Baris", "Dibuat"."""
    audit.record(session, None, "operator", "nnc_imported", "nnc", None,
                 after={"filename": "semi.csv", "rows": 2, "created": 1, "rejected": [3, 4]})
    session.commit()
    entry = audit_log.search(session, action="nnc_imported")["rows"][0]
    assert set(view.changes_summary("nnc", entry["changes"]).split(", ")) == {  # JSONB keeps no key order
        "Nama berkas", "Baris", "Dibuat", "Baris ditolak"}
    logged_in("admin", username="admin_impor")
    text = _drawer_text(client, entry["id"])
    assert "Baris ditolak" in text and "Rejected" not in text and "3, 4" in text


def test_a_denial_names_pages_and_records_in_words_and_counts_the_rest_in_the_list(app, session, client, make_user,
                                                                                   logged_in):
    """A burst of refusals is one row: its record column said only "Lampiran NNC 3" of twelve, and the drawer listed
    "nnc_attachment 3, route /complaints/attachments/1, page /applications…". Now the list counts the rest, and the
    drawer says which page and which kind of record, one per line."""
    refused = make_user("pengguna_probe", "service_user")
    for kind, target in (("nnc_attachment", 3), ("route", "/complaints/attachments/1"), ("page", "/applications"),
                         ("page", "/applications/32789"), ("callback", "kpi-grid.rowData"), ("page", "/nowhere"),
                         ("nnc_attachment", 3)):
        audit.record_denied(session, refused["id"], "pengguna_probe", "sesi-probe", kind, target)
        session.flush()
    session.commit()
    entry = audit_log.search(session, action="access_denied")["rows"][0]
    client = logged_in("admin", username="admin_probe")
    [row] = _list(app, client, action="access_denied")["admin-audit-grid"]["rowData"]
    assert row["record"] == "Lampiran NNC #3 (+6 lainnya)" and row["action_label"] == "Akses ditolak (×7)"
    text = _drawer_text(client, entry["id"])
    for words in ("Lampiran NNC #3", "Alamat /complaints/attachments/1 (halaman Pengaduan)",
                  "Halaman Permohonan (/applications)", "Halaman Permohonan (/applications/32789)",
                  "Aksi di halaman Panel KPI", "Alamat /nowhere", "7 permintaan ditolak, ke 6 tujuan"):
        assert words in text, words
    shown = " | ".join(_children(json.loads(text)))  # the words on screen; the recorded form is each line's tooltip
    assert "nnc_attachment" not in shown and "route /" not in shown and "page /" not in shown, shown


def _children(tree) -> list[str]:
    if isinstance(tree, dict):
        found = [tree["children"]] if isinstance(tree.get("children"), str) else []
        return found + [text for key, value in tree.items() if key != "title" for text in _children(value)]
    if isinstance(tree, list):
        return [text for value in tree for text in _children(value)]
    return []


def test_a_reversed_date_range_says_so_instead_of_an_empty_list(app, session, client, logged_in):
    """From 5 Dec to 1 Nov showed "Tidak ada data" and no pager, as if nothing had happened: the list says the end
    must not be before the start, in the words the applications' list uses."""
    audit.record(session, None, "admin", "user_updated", "user", 7, {"active": True}, {"active": False})
    session.commit()
    client = logged_in("admin", username="admin_tanggal")
    body = _list(app, client, date_from="2026-12-05", date_to="2026-11-01")
    assert body["admin-audit-error"] == {"children": "Tanggal akhir harus sama atau sesudah tanggal awal.",
                                         "is_open": True}
    assert body["admin-audit-grid"]["rowData"] == []
    fine = _list(app, client, date_from="2026-01-01", date_to="2099-12-31")
    assert fine["admin-audit-error"]["is_open"] is False and fine["admin-audit-grid"]["rowData"]
