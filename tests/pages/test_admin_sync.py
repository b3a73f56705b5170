"""Admin › IQFast sync: 'sync now' only asks the scheduler, progress follows the request, the export upload route,
the staleness warning on every page, and /healthz's sync fields."""
from __future__ import annotations

import html
import io
import os
import re
from datetime import datetime, timedelta, timezone

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from support.web import components, dash_callback, logout, switch_language, pager_body, pager_state
from support.factories import gen_application, gen_service_user
from models import AuditLog, SyncRequest, SyncRun
from models.base import utcnow
from portal.security.access import callback_permissions
from portal.services.sync import requests as sync_requests
from portal.services.sync import status as sync_status


def _relogin(client, logged_in, role):
    """The same test client as another person: log out, then in with a fresh account of `role`."""
    logout(client)
    return logged_in(role)


def _key(app, fragment: str) -> str:
    return next(key for key in callback_permissions(app) if fragment in key)


def _run(session, status="success", age=timedelta(minutes=1), kind="incremental", **values) -> SyncRun:
    finished = utcnow() - age
    run = SyncRun(kind=kind, source=values.pop("source", "simulator"), started_at=finished - timedelta(seconds=42),
                  finished_at=None if status == "running" else finished, status=status,
                  rows_read=values.pop("rows_read", {"ptk": 12}), rows_written=values.pop("rows_written", {"ptk": 12}),
                  cursor=values.pop("cursor", {"ptk": {"updated_at": "2026-03-02 08:00:00", "last_id": 77}}), **values)
    session.add(run)
    session.flush()
    return run


# ------------------------------------------------------------------------------------------ sync now
def _click_sync_now(app, client, clicks=1):
    return dash_callback(client, "admin-sync-request.data",
                         inputs=[{"id": "admin-sync-now", "property": "n_clicks", "value": clicks}],
                         changed=["admin-sync-now.n_clicks"] if clicks else [])


def test_sync_now_writes_a_request_and_the_web_worker_syncs_nothing(app, logged_in, session):
    client = logged_in("admin", username="admin_sync")
    response = _click_sync_now(app, client)
    assert response.status_code == 200
    request_id = response.json["response"]["admin-sync-request"]["data"]
    request = session.get(SyncRequest, request_id)
    assert request.picked_at is None and request.run_id is None
    assert session.scalar(select(func.count(SyncRun.id))) == 0  # nothing ran in the web worker
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "sync_requested"))
    assert entry.username == "admin_sync" and entry.object_id == str(request_id)
    # a second click while the first is still open asks for nothing more
    again = _click_sync_now(app, client, 2).json["response"]["admin-sync-request"]["data"]
    assert again == request_id and session.scalar(select(func.count(SyncRequest.id))) == 1


def test_opening_the_page_follows_a_request_still_open(app, logged_in, session):
    session.add(SyncRequest(requested_at=utcnow()))
    session.commit()
    response = _click_sync_now(app, logged_in("admin"), None)
    assert response.json["response"]["admin-sync-request"]["data"] is not None


def test_sync_now_is_refused_to_other_roles(app, logged_in, session):
    client = logged_in("operator")
    for role in ("operator", "head", "enforcement"):
        assert _click_sync_now(app, _relogin(client, logged_in, role)).status_code == 403
    assert session.scalar(select(func.count(SyncRequest.id))) == 0


def _follow(app, client, request_id):
    response = dash_callback(client, _key(app, "admin-sync-request-status.children"),
                             inputs=[{"id": "admin-sync-request", "property": "data", "value": request_id},
                                     {"id": "admin-sync-poll", "property": "n_intervals", "value": 1}],
                             changed=["admin-sync-poll.n_intervals"])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def test_progress_polls_only_while_the_request_is_open(app, logged_in, session):
    client = logged_in("admin")
    request = SyncRequest(requested_at=utcnow())
    session.add(request)
    session.commit()
    pending = _follow(app, client, request.id)
    assert pending["admin-sync-poll"]["disabled"] is False and pending["admin-sync-now"]["disabled"] is True
    assert "Menunggu penjadwal" in str(pending["admin-sync-request-status"]["children"])
    assert pending["admin-sync-state"]["data"] == "pending"

    run = _run(session, status="running")
    request.picked_at, request.run_id = utcnow(), run.id
    session.commit()
    running = _follow(app, client, request.id)
    assert running["admin-sync-state"]["data"] == "running" and running["admin-sync-poll"]["disabled"] is False

    run.status, run.finished_at = "success", utcnow()
    session.commit()
    done = _follow(app, client, request.id)
    assert done["admin-sync-state"]["data"] == "done" and done["admin-sync-poll"]["disabled"] is True
    assert done["admin-sync-now"]["disabled"] is False and done["admin-sync-request-status"]["color"] == "success"

    run.status, run.error = "failed", "source unreachable"
    session.commit()
    failed = _follow(app, client, request.id)
    assert failed["admin-sync-state"]["data"] == "failed" and "source unreachable" in str(failed)


def test_request_picked_but_never_linked_to_a_run_stops_blocking(session):
    stuck = SyncRequest(requested_at=utcnow() - timedelta(hours=3), picked_at=utcnow() - timedelta(hours=2))
    session.add(stuck)
    session.commit()
    assert sync_requests.request_status(session, stuck.id)["state"] == "failed"
    assert sync_requests.open_request(session) is None


def _texts(tree) -> list[str]:
    """The text of a component tree given as JSON, in order."""
    if isinstance(tree, str):
        return [tree]
    if isinstance(tree, dict):
        return _texts(tree.get("props", {}).get("children")) if "props" in tree else []
    if isinstance(tree, list):
        return [text for item in tree for text in _texts(item)]
    return [] if tree is None else [str(tree)]


def _runs(app, client, page=0, status="all", clicked=None, day=None):
    """The runs grid's callback as the browser calls it: its rows and the pager's outputs."""
    response = dash_callback(client, _key(app, "admin-sync-runs-grid.rowData"), inputs=[
        {"id": "admin-sync-state", "property": "data", "value": None},
        {"id": "admin-sync-status", "property": "value", "value": status},
        {"id": "admin-sync-day", "property": "value", "value": day},
        *pager_body("admin-sync-runs", "next" if clicked == "next" else None)],
        state=pager_state("admin-sync-runs-page", page),
        changed=["admin-sync-runs-next.n_clicks"] if clicked == "next" else [])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def test_the_page_lists_runs_lag_and_cursor(app, logged_in, session):
    _run(session, age=timedelta(minutes=3), rows_read={"m_upt": 1, "ptk": 1200, "riwayat_ptk": 9600},
         rows_written={"applications": 1200, "stage_events": 9600, "bills": 0, "bills_deleted": 2})
    _run(session, status="failed", age=timedelta(minutes=1), error="koneksi ke IQFast terputus\nbaris 2: rusak")
    session.commit()
    client = logged_in("admin")
    rows = _runs(app, client)["admin-sync-runs-grid"]["rowData"]
    assert [row["status_label"] for row in rows] == ["Gagal", "Berhasil"]  # newest first
    failed, good = rows
    assert failed["error"] == "koneksi ke IQFast terputus" and "baris 2: rusak" in failed["error_tip"]
    # IQFast's names, as exported; the records before the code lists every run reads again (one line is shown)
    assert good["duration"] == "42 detik" and good["read"] == "ptk 1.200 · riwayat_ptk 9.600 · m_upt 1"
    # ours in words, only what was written: no "bills 0", no "stage_events"
    assert good["written"] == "Permohonan 1.200 · Tahap 9.600 · Tagihan ditandai terhapus 2"
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4} \d{2}:\d{2}", good["started"])  # Indonesian, the zone in the header
    response = dash_callback(client, _key(app, "admin-sync-lag.children"),
                             inputs=[{"id": "admin-sync-state", "property": "data", "value": None}])
    body = response.json["response"]
    lag = " ".join(_texts(body["admin-sync-lag"]["children"]))
    assert "3 menit" in lag and "Mutakhir" in lag
    cursor = " ".join(_texts(body["admin-sync-cursor"]["children"]))
    assert "id terakhir 77" in cursor and "2 Mar 2026 08:00:00" in cursor and "2026-03-02" not in cursor


def test_a_run_shorter_than_a_second_reads_under_a_second_not_zero(app, logged_in, session):
    from portal.i18n import format_duration

    run = _run(session)
    run.started_at = run.finished_at - timedelta(milliseconds=400)
    session.commit()
    rows = _runs(app, logged_in("admin"))["admin-sync-runs-grid"]["rowData"]
    assert [row["duration"] for row in rows] == ["<1 detik"]
    # One formatter for every span: a second and more as before, in both languages.
    assert [format_duration(s, "id") for s in (0, 0.9, 1, 42, 250)] == \
        ["<1 detik", "<1 detik", "1 detik", "42 detik", "4 menit 10 detik"]
    assert format_duration(0.4, "en") == "<1 s"


def test_the_page_names_the_source_without_its_address(app, logged_in, session):
    _run(session, source="mysql+pymysql://qcorner_ro@10.30.0.15:3306/iqfast")
    session.commit()
    response = dash_callback(logged_in("admin"), _key(app, "admin-sync-lag.children"),
                             inputs=[{"id": "admin-sync-state", "property": "data", "value": None}])
    cursor = " ".join(_texts(response.json["response"]["admin-sync-cursor"]["children"]))
    assert "Sumber: MySQL · iqfast" in cursor
    assert "10.30.0.15" not in cursor and "qcorner_ro" not in cursor and "://" not in cursor


def test_source_names_hide_hosts_users_and_paths():
    assert sync_status.source_name("postgresql+psycopg2://u:secret@db.internal:5432/iqfast") == "PostgreSQL · iqfast"
    assert sync_status.source_name("sqlite:////srv/qcorner/instance/iqfast-sim.db") == "SQLite · iqfast-sim.db"
    assert sync_status.source_name("ptk-2025.xlsx") == "ptk-2025.xlsx"  # an export file is named by its file
    assert sync_status.source_name("") == ""


def test_cursor_falls_back_to_the_saved_positions(app, logged_in, session):
    from models import SyncCursor

    _run(session, kind="export", cursor={})
    session.add(SyncCursor(source_table="riwayat_ptk", updated_at="2026-03-09 14:00:02", last_id=388104))
    session.commit()
    response = dash_callback(logged_in("admin"), _key(app, "admin-sync-lag.children"),
                             inputs=[{"id": "admin-sync-state", "property": "data", "value": None}])
    cursor = " ".join(_texts(response.json["response"]["admin-sync-cursor"]["children"]))
    assert "riwayat_ptk" in cursor and "388104" in cursor and "posisi baca yang tersimpan" in cursor


def test_runs_are_paged_in_the_database_and_filtered_by_status(app, logged_in, session):
    for minutes in range(60):
        _run(session, age=timedelta(minutes=minutes + 1), status="failed" if minutes % 20 == 0 else "success")
    session.commit()
    first = sync_status.runs_page(session, 0)
    assert first["total"] == 60 and len(first["rows"]) == sync_status.RUNS_PAGE_SIZE
    last = sync_status.runs_page(session, 2)
    assert len(last["rows"]) == 60 - 2 * sync_status.RUNS_PAGE_SIZE
    assert first["rows"][0]["started_at"] > first["rows"][-1]["started_at"] > last["rows"][0]["started_at"]
    client = logged_in("admin")
    second = _runs(app, client, page=0, clicked="next")
    assert second["admin-sync-runs-page"]["data"] == 1 and "26–50 dari 60" in second["admin-sync-runs-count"]["children"]
    failed = _runs(app, client, status="failed")
    assert [row["status"] for row in failed["admin-sync-runs-grid"]["rowData"]] == ["failed"] * 3
    assert "dari 3" in failed["admin-sync-runs-count"]["children"]


def test_runs_of_one_day_at_the_office_are_listed_with_a_status(app, logged_in, session):
    """A year holds ~4,200 pages of runs: a day reaches a night three months ago. The day is the office's (WIB): a
    run at 23:30 WIB is that day's, though it is 16:30 UTC; one at 00:10 WIB the next day's."""
    wib = timezone(timedelta(hours=7))
    for moment, status in ((datetime(2026, 9, 14, 0, 10, tzinfo=wib), "success"),
                           (datetime(2026, 9, 14, 23, 30, tzinfo=wib), "failed"),
                           (datetime(2026, 9, 15, 0, 10, tzinfo=wib), "failed"),
                           (datetime(2026, 9, 13, 23, 55, tzinfo=wib), "failed")):
        session.add(SyncRun(kind="incremental", source="simulator", started_at=moment, status=status,
                            finished_at=moment + timedelta(seconds=5), rows_read={}, rows_written={}))
    session.commit()
    client = logged_in("admin")
    day = _runs(app, client, day="2026-09-14")
    assert [row["started"] for row in day["admin-sync-runs-grid"]["rowData"]] == ["14 Sep 2026 23:30",
                                                                                 "14 Sep 2026 00:10"]
    failed = _runs(app, client, day="2026-09-14", status="failed")
    assert [row["started"] for row in failed["admin-sync-runs-grid"]["rowData"]] == ["14 Sep 2026 23:30"]
    assert "dari 1" in failed["admin-sync-runs-count"]["children"]
    anyday = _runs(app, client, day="14/09/2026")  # not a date the field sends: every day
    assert len(anyday["admin-sync-runs-grid"]["rowData"]) == 4


# ------------------------------------------------------------------------------------------ upload route
def _admin_page(client) -> dict[str, dict]:
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": "/admin/sync"}])
    assert response.status_code == 200
    return {props["id"]: {"type": kind, **props} for kind, props in components(response.json) if "id" in props}


def _admin_page_token(client) -> str:
    """The CSRF token the /admin/sync page puts in its upload form."""
    components = _admin_page(client)
    assert components["admin-sync-upload-form"]["action"] == "/admin/sync/upload"
    return components["admin-sync-upload-csrf"]["value"]


def _session_token(app, client) -> str:
    """A valid CSRF token for a client whose pages show no form (signed the way Flask-WTF signs it)."""
    with client.session_transaction() as flask_session:
        raw = flask_session.setdefault("csrf_token", "a" * 40)
    return URLSafeTimedSerializer(app.server.config["SECRET_KEY"], salt="wtf-csrf-token").dumps(raw)


def _upload(client, token=None, name="ekspor.csv", content=b"id_ptk;no_aju\n1;X\n"):
    data = {"file": (io.BytesIO(content), name)}
    if token:
        data["csrf_token"] = token
    return client.post("/admin/sync/upload", data=data, content_type="multipart/form-data")


def test_upload_is_refused_to_non_admins(app, logged_in):
    client = logged_in("operator")
    response = _upload(client, _session_token(app, client))
    assert response.status_code == 403 and "Akses ditolak" in response.get_data(as_text=True)


def test_upload_needs_a_login(client):
    assert _upload(client).status_code in (302, 400)  # no CSRF token, no session: never reaches the import


def test_upload_requires_the_csrf_token(logged_in):
    response = _upload(logged_in("admin"))
    assert response.status_code == 400 and "Formulir kedaluwarsa" in response.get_data(as_text=True)


def test_upload_refuses_other_file_types(logged_in):
    client = logged_in("admin")
    response = _upload(client, _admin_page_token(client), name="ekspor.exe")
    assert response.status_code == 400 and "bukan CSV atau XLSX" in response.get_data(as_text=True)


def test_upload_says_so_when_the_importer_is_missing(logged_in, monkeypatch):
    monkeypatch.setattr("portal.web.sync_upload._importer", lambda: None)
    client = logged_in("admin")
    response = _upload(client, _admin_page_token(client))
    assert response.status_code == 503 and "belum tersedia" in response.get_data(as_text=True)


def test_only_an_admin_gets_the_larger_upload_limit(app, logged_in, monkeypatch):
    monkeypatch.setitem(app.server.config, "MAX_CONTENT_LENGTH", 2000)
    monkeypatch.setattr("portal.web.sync_upload._importer", lambda: None)
    big = b"x" * 5000
    operator = logged_in("operator")
    response = _upload(operator, _session_token(app, operator), content=big)
    assert response.status_code == 413 and "terlalu besar" in response.get_data(as_text=True)
    client = _relogin(operator, logged_in, "admin")
    assert _upload(client, _admin_page_token(client), content=big).status_code == 503  # past the size check


def test_upload_report_lists_rejected_rows(logged_in, monkeypatch, session):
    seen = {}

    def fake_import(database, path, filename, triggered_by, limits=None, configured_url=None):
        with open(path, "rb") as handle:
            seen.update(content=handle.read(), path=path, filename=filename, triggered_by=triggered_by)
        return {"status": "partial", "rows_loaded": 1250, "rows_rejected": 2, "run_id": 7,
                "errors": [{"row": 14, "reason": "tanggal tidak valid", "table": "ptk"},
                           {"row": 98, "reason": "NPWP kosong", "table": "pengguna_jasa"}]}

    monkeypatch.setattr("portal.web.sync_upload._importer", lambda: fake_import)
    client = logged_in("admin", username="admin_upload")
    response = _upload(client, _admin_page_token(client), name="ptk-2025.csv")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert seen["content"] == b"id_ptk;no_aju\n1;X\n" and seen["filename"] == "ptk-2025.csv"
    assert seen["triggered_by"] == "admin_upload" and seen["path"].endswith(".csv")
    assert not os.path.exists(seen["path"])  # the temporary copy is gone
    assert "1.250" in body and "tanggal tidak valid" in body and ">98<" in body and 'href="/admin/sync"' in body
    assert "Impor selesai dengan baris ditolak" in body
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "sync_export_uploaded"))
    assert entry.username == "admin_upload" and entry.after["rows_rejected"] == 2 and entry.object_id == "7"


def test_upload_imports_a_real_export_file(logged_in, session):
    """Through the sync engine's own importer: one good row loads, the bad one is reported by its row number."""
    pytest.importorskip("portal.iqfast.export_source")
    content = ("id_negara;kode_negara;nama_negara;tgl_update\n"
               "1;ID;Indonesia;2026-03-01 08:00:00\n"
               "dua;CN;China;2026-03-01 08:00:00\n").encode()
    client = logged_in("admin", username="admin_real")
    response = _upload(client, _admin_page_token(client), name="m_negara.csv", content=content)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    loaded = re.search(r'id="sync-upload-loaded">([^<]+)<', body).group(1)
    rejected = re.search(r'id="sync-upload-rejected">([^<]+)<', body).group(1)
    assert (loaded, rejected) == ("1", "1")
    assert re.search(r">3</td>", body), "the rejected row is named by its spreadsheet row number"
    run = session.scalar(select(SyncRun).where(SyncRun.kind == "export"))
    assert run is not None and run.triggered_by == "admin_real"


def test_admin_sync_page_has_a_plain_upload_form(logged_in):
    components = _admin_page(logged_in("admin"))
    form = components["admin-sync-upload-form"]
    assert form["type"] == "Form" and form["method"] == "post" and form["encType"] == "multipart/form-data"
    csrf, upload = components["admin-sync-upload-csrf"], components["admin-sync-upload-file"]
    assert csrf["name"] == "csrf_token" and csrf["value"]
    assert upload["type"] == "file" and upload["name"] == "file"


@pytest.mark.parametrize("language, choose, none", [("id", "Pilih berkas", "Belum ada berkas dipilih"),
                                                     ("en", "Choose file", "No file chosen")])
def test_the_export_file_field_speaks_the_pages_language_not_the_browsers(logged_in, language, choose, none):
    """The browser's own file button says "Choose File · No file chosen" in its own language; the field says the
    page's words, and the browser's message for a submit without a file is the page's too (assets/qc-shell.js)."""
    client = logged_in("admin")
    switch_language(client, language)
    components = _admin_page(client)
    picker = components["admin-sync-upload-picker"]
    assert choose in str(picker["children"]) and components["admin-sync-upload-name"]["children"] == none
    assert picker["data-none"] == none and picker["data-accept"] == ".csv,.xlsx"
    assert picker["data-missing"] == ("Pilih berkas ekspor terlebih dahulu." if language == "id"
                                      else "Choose an export file first.")
    assert "qc-file-input" in components["admin-sync-upload-file"]["class_name"]  # laid invisible over the words


# ------------------------------------------------------------------------------------------ freshness
def test_freshness_rules(session, settings):
    interval = settings.sync_interval_minutes
    fresh_install = sync_status.freshness(session, interval)
    assert fresh_install["fresh_install"] and not fresh_install["stale"] and fresh_install["age_seconds"] is None
    gen_application(session, gen_service_user(session))
    session.commit()
    assert sync_status.freshness(session, interval)["stale"] is True  # data, but no sync ever succeeded
    _run(session, age=timedelta(minutes=interval))
    session.commit()
    assert sync_status.freshness(session, interval)["stale"] is False
    _run(session, status="failed", age=timedelta(seconds=5))  # a failure does not count as fresh
    session.query(SyncRun).filter(SyncRun.status == "success").update(
        {"finished_at": utcnow() - timedelta(minutes=2 * interval + 1)})
    session.commit()
    stale = sync_status.freshness(session, interval)
    assert stale["stale"] is True and stale["age_seconds"] >= (2 * interval + 1) * 60


def test_healthz_reports_sync_age_and_staleness(client, session, settings):
    body = client.get("/healthz").json
    assert body["last_sync_age_seconds"] is None and body["sync_stale"] is False
    _run(session, age=timedelta(minutes=3 * settings.sync_interval_minutes))
    session.commit()
    body = client.get("/healthz").json
    assert body["sync_stale"] is True and body["last_sync_age_seconds"] >= 3 * settings.sync_interval_minutes * 60
    _run(session, age=timedelta(seconds=30))
    session.commit()
    body = client.get("/healthz").json
    assert body["sync_stale"] is False and 30 <= body["last_sync_age_seconds"] < 90


def _warning(app, client):
    response = dash_callback(client, _key(app, "shell-sync-warning.children"),
                             inputs=[{"id": "shell-sync-interval", "property": "n_intervals", "value": None}])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]["shell-sync-warning"]


def test_staleness_warning_for_officers_and_a_gentler_notice_for_service_users(app, logged_in, session):
    client = logged_in("head")
    assert _warning(app, client)["is_open"] is False  # fresh install: nothing to say
    gen_application(session, gen_service_user(session))
    _run(session, age=timedelta(hours=2))
    session.commit()
    officer = _warning(app, _relogin(client, logged_in, "operator"))
    assert officer["is_open"] is True and officer["color"] == "warning"
    assert "2 jam" in str(officer["children"]) and "/admin/sync" not in str(officer["children"])
    # The reason whole from a tablet on, short on a phone (five lines of a 390 px screen on every page).
    parts = {part["props"]["className"]: part["props"]["children"] for part in officer["children"]
             if isinstance(part, dict) and part.get("type") == "Span"}
    assert parts == {"d-none d-sm-inline": ", padahal sinkronisasi terjadwal setiap 5 menit. Angka di halaman ini "
                                           "mungkin belum mutakhir.",
                     "d-sm-none": ": angka mungkin belum mutakhir."}
    admin = _warning(app, _relogin(client, logged_in, "admin"))
    assert "/admin/sync" in str(admin["children"])
    service_user = _warning(app, _relogin(client, logged_in, "service_user"))
    assert service_user["color"] == "info" and "Data terakhir diperbarui" in str(service_user["children"])
    _run(session, age=timedelta(seconds=10))
    session.commit()
    assert _warning(app, _relogin(client, logged_in, "operator"))["is_open"] is False


def test_who_started_a_run_reads_in_words_not_as_a_process_name():
    """The scheduler writes "scheduler:host:pid" (kept in the tooltip); the list once showed that raw."""
    from callbacks.admin_sync import triggered_by_text

    assert triggered_by_text("scheduler:vm:20329") == "Penjadwal"  # capitalised as "Sistem" beside it in the column
    assert triggered_by_text(None) == "Penjadwal"
    assert triggered_by_text("cli") == "Baris perintah"
    assert triggered_by_text("admin_real") == "admin_real"  # a person's username stays
    assert triggered_by_text("system") == "Sistem"  # the portal itself (the demo's first copy), as the audit log says


def test_a_run_that_wrote_nothing_says_so_in_words():
    from callbacks.admin_sync import written_text

    assert written_text({"applications": 0, "stage_events": 0}) == "tidak ada yang berubah"
    assert written_text({}) == "–"
    assert written_text({"a_new_table": 3}) == "a_new_table 3"  # a name the page does not know yet, as it is


def test_on_a_phone_each_run_is_one_stacked_row_with_its_status_in_colour(app, logged_in, session):
    """The nine columns side by side ran past a 390 px phone: the start, the end and the status at the edge, never
    what a run read or its error."""
    from layouts.components.grid import PHONE_COLUMN

    _run(session, status="failed", error="koneksi ke IQFast terputus")
    session.commit()
    client = logged_in("admin")
    grid = _admin_page(client)["admin-sync-runs-grid"]
    stacked = [column for column in grid["columnDefs"] if column.get("colId") == PHONE_COLUMN]
    assert len(stacked) == 1 and stacked[0]["hide"] is True
    assert "qcPhoneColumn" in str(grid["eventListeners"])
    params = stacked[0]["cellRendererParams"]
    assert params["lines"][0] == ["started", "status_label"] and ["error"] in params["lines"]
    assert params["fieldClasses"] == {"status_label": "qca-dot-cell qca-tone-{status_tone}"}
    assert params["labels"]["started"] == "Mulai (WIB)" and params["labels"]["read"] == "Baris dibaca"
    row = _runs(app, client)["admin-sync-runs-grid"]["rowData"][0]
    assert {field for line in params["lines"] for field in line} <= set(row)
    assert row["status_tone"] == "danger"  # red, as the desktop's dot


@pytest.mark.parametrize("language, words", [("id", "Berkas ini bukan XLSX yang sah"),
                                             ("en", "This file is not a valid XLSX workbook")])
def test_an_upload_named_xlsx_that_is_no_workbook_is_refused_as_a_file_in_the_pages_language(logged_in, session,
                                                                                          language, words):
    """A CSV (or anything) named .xlsx used to report "berkas XLSX tidak dapat dibuka: File is not a zip file" — the
    parser's English — as one rejected row numbered "–". It is the file that cannot be used: the report says so in
    the reader's language and counts no rejected row; the run records why."""
    pytest.importorskip("portal.iqfast.export_source")
    client = logged_in("admin")
    switch_language(client, language)
    response = _upload(client, _admin_page_token(client), name="ptk.xlsx", content=b"id_ptk;no_ptk\n1;X\n")
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert words in body and 'id="sync-upload-error"' in body and "ptk.xlsx" in body
    assert "zip" not in body.lower() and 'id="sync-upload-rejected"' not in body
    run = session.scalar(select(SyncRun).where(SyncRun.kind == "export"))
    assert run.status == "failed" and "bukan XLSX yang sah" in run.error and "baris ditolak" not in run.error


@pytest.mark.parametrize("language, name, content, words", [
    ("en", "laporan.csv", b"a,b\n1,2\n", "cannot tell which IQFast table"),
    ("en", "ptk.csv", b"id_ptk,no_ptk\n1,X\n", "are not in the header row (row 1)"),
    ("id", "ptk.csv", b"id_ptk,no_ptk\n1,X\n", "tidak ada di baris judul (baris 1)")])
def test_a_file_refused_whole_is_said_in_the_readers_language_and_recorded_in_indonesian(logged_in, session,
                                                                                        language, name, content,
                                                                                        words):
    """An unknown table or missing columns read in Indonesian to an admin reading the portal in English."""
    pytest.importorskip("portal.iqfast.export_source")
    client = logged_in("admin")
    switch_language(client, language)
    body = _upload(client, _admin_page_token(client), name=name, content=content).get_data(as_text=True)
    assert words in body and 'id="sync-upload-error"' in body
    run = session.scalar(select(SyncRun).where(SyncRun.kind == "export"))
    assert run.status == "failed" and ("tidak tahu tabel IQFast" in run.error or "baris judul" in run.error)


@pytest.mark.parametrize("language, invalid, unknown", [
    ("en", "column id_upt: 'dua' is not a whole number", "zona_waktu 'XYZ' is not a known code"),
    ("id", "kolom id_upt: 'dua' bukan bilangan bulat", "zona waktu 'XYZ' tidak dikenal")])
def test_a_rejected_rows_reason_is_said_in_the_readers_language_and_recorded_in_indonesian(logged_in, session,
                                                                                          language, invalid,
                                                                                          unknown):
    """A row's bad value (read from the file) and its unknown code (mapped) read in English to an admin reading the
    portal in English; the run's record keeps them in Indonesian, as every run's record is kept."""
    content = ("id_upt,kode_upt,nama_upt,zona_waktu,kota,id_pelabuhan,tgl_update\n"
               "dua,0301,Pos A,WIB,Tangerang,1,2026-03-01 08:00:00\n"
               "7,0302,Pos B,XYZ,Tangerang,1,2026-03-01 08:00:00\n").encode()
    client = logged_in("admin")
    switch_language(client, language)
    body = _upload(client, _admin_page_token(client), name="m_upt.csv", content=content).get_data(as_text=True)
    table = html.unescape(re.search(r'id="sync-upload-errors".*?</table>', body, re.S).group(0))
    assert re.search(r">2</td>.*" + re.escape(invalid), table, re.S), table
    assert re.search(r">3</td>.*" + re.escape(unknown), table, re.S), table
    run = session.scalar(select(SyncRun).where(SyncRun.kind == "export"))
    assert "baris 2: kolom id_upt: 'dua' bukan bilangan bulat" in run.error
    assert "baris 3: zona waktu 'XYZ' tidak dikenal" in run.error


def _refused_connection() -> str:
    """A run's error as a sync that met a closed port writes it (portal/iqfast/sql_source.py)."""
    from portal.iqfast.sql_source import SourceUnavailable, SqlSource

    source = SqlSource("mysql+pymysql://qcorner_ro@127.0.0.1:1/iqfast")
    try:
        source.check()
    except SourceUnavailable as error:
        return str(error)
    finally:
        source.close()
    raise AssertionError("a closed port was reached")


def test_a_failed_sync_says_why_in_indonesian_and_folds_the_drivers_english_under_technical_details(
        app, logged_in, session):
    """"Sinkronisasi gagal." was followed by the driver's "(2003, "Can't connect to MySQL server …")" as its reason."""
    error = _refused_connection()
    assert "Can't connect" in error
    run = _run(session, status="failed", error=error)
    request = SyncRequest(requested_at=utcnow(), picked_at=utcnow(), run_id=run.id)
    session.add(request)
    session.commit()
    client = logged_in("admin")
    shown = _follow(app, client, request.id)["admin-sync-request-status"]["children"]
    said = {props["id"]: props for _type, props in components(shown) if isinstance(props.get("id"), str)}
    message = said["admin-sync-request-error"]["children"]
    assert "koneksi ditolak: server IQFast mati atau alamat/port salah" in message
    assert "Can't connect" not in message and "Errno" not in message
    details = said["admin-sync-request-detail"]
    assert not details.get("open")  # folded until asked for
    folded = " ".join(_texts(details["children"]))
    assert "Rincian teknis" in folded and "Can't connect to MySQL server" in folded  # kept for whoever fixes it
    assert "Can't connect" not in " ".join(_texts(shown)).replace(folded, "")

    row = _runs(app, client)["admin-sync-runs-grid"]["rowData"][0]
    assert row["error"] == message  # the grid's column says the same words
    assert "Can't connect to MySQL server" in row["error_tip"]  # the whole error on hover


def test_a_drivers_line_with_no_usual_cause_is_kept_apart_from_the_words_the_page_shows(tmp_path):
    """An unusual driver error came straight after "IQFast tidak dapat dihubungi (…):" and so read as the message."""
    from portal.iqfast.sql_source import SourceUnavailable, SqlSource
    from portal.services.sync.run_log import error_parts, unexpected

    path = tmp_path / "bukan.db"
    path.write_text("bukan basis data " * 100)
    source = SqlSource(f"sqlite:///{path}")
    with pytest.raises(SourceUnavailable) as refused:
        source.check()
    source.close()
    parts = error_parts(str(refused.value))
    assert parts["message"].startswith("IQFast tidak dapat dihubungi (") and "not a database" not in parts["message"]
    assert "file is not a database" in parts["detail"]
    bug = error_parts(unexpected(KeyError("stage_events")))  # a fault of ours: in words, Python's own folded
    assert bug["message"] == "kesalahan tak terduga di Q-Corner (lihat log server)"
    assert "KeyError: 'stage_events'" in bug["detail"]
    assert error_parts("koneksi ke IQFast terputus") == {"message": "koneksi ke IQFast terputus", "detail": None}
