"""Faults, quick versions of proof/faults/: the database refusing writes, PostgreSQL restarting under the portal,
and a scheduler killed in the middle of a sync. The long runs (gunicorn under load, a 10-minute IQFast outage on a
compressed clock, a full station's sync killed twice) are `python -m proof.faults`.

Restarting PostgreSQL and killing its clients happen on a private cluster started here (proof/pgcluster.py),
never on the shared server the other tests use.
"""
from __future__ import annotations

import os
import secrets
import signal
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from support.web import PASSWORD, dash_callback, login
from models import (Application, AttachmentBlob, AuditLog, KpiApplicationTime, Nnc, NncAttachment, NncStatusChange,
                    UserSession)
from support.nnc_helpers import PDF, PNG, form_state, upload, valid_nnc
from portal.i18n import t
from support.sync_helpers import checksums, derived_stages, expected_stages, iqfast_rows, our_rows, small_simulator

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # proof/ is not an installed package; pytest may run from elsewhere
    sys.path.insert(0, str(ROOT))

SAVE = [{"id": "nnc-form-save", "property": "n_clicks", "value": 1},
        {"id": "nnc-form-save-top", "property": "n_clicks", "value": None}]


def _key(app, fragment: str) -> str:
    return next(k for k in app.callback_map if fragment in k)


@contextmanager
def refusing(database, table: str, event: str = "INSERT"):
    """The database refuses every ``event`` on ``table`` (as a full disk would), injected as a trigger."""
    with database.engine.begin() as c:
        if database.is_postgresql:
            c.execute(text("CREATE OR REPLACE FUNCTION fault_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                           "RAISE EXCEPTION 'could not extend file: No space left on device (injected)' "
                           "USING ERRCODE = 'disk_full'; END $$"))
            c.execute(text(f"CREATE TRIGGER fault_refuse BEFORE {event} ON {table} FOR EACH ROW "
                           "EXECUTE FUNCTION fault_refuse()"))
        else:
            c.execute(text(f"CREATE TRIGGER fault_refuse BEFORE {event} ON {table} BEGIN "
                           "SELECT RAISE(ABORT, 'database or disk is full (injected)'); END"))
    try:
        yield
    finally:
        with database.engine.begin() as c:
            c.execute(text(f"DROP TRIGGER fault_refuse ON {table}" if database.is_postgresql
                           else "DROP TRIGGER fault_refuse"))
            if database.is_postgresql:
                c.execute(text("DROP FUNCTION fault_refuse()"))


def _written(session) -> dict[str, int]:
    session.expire_all()
    return {"nncs": session.scalar(select(func.count(Nnc.id))),
            "attachments": session.scalar(select(func.count(NncAttachment.id))),
            "blobs": session.scalar(select(func.count()).select_from(AttachmentBlob)),
            "status rows": session.scalar(select(func.count(NncStatusChange.id))),
            "nnc audit rows": session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action.like("nnc%")))}


# ------------------------------------------------------------------------------ 4. the database refuses writes
@pytest.mark.parametrize("table", ["attachment_blobs", "nnc_attachments"])
def test_an_nnc_save_the_database_refuses_says_so_keeps_the_form_writes_nothing_and_saves_whole_later(
        app, logged_in, session, database, table):
    client = logged_in("operator")
    with database.session() as s:
        values = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in valid_nnc(s).items()}
    state = form_state(values, [upload("surat.pdf", PDF), upload("foto.png", PNG, "image/png")])
    with refusing(database, table):
        response = dash_callback(client, _key(app, "nnc-form-go.href"), SAVE, state, ["nnc-form-save.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json["response"]
    assert body["nnc-form-alert"] == {"children": t("nnc.error.database", "id"), "is_open": True}
    assert "nnc-form-go" not in body and "nnc-form-files" not in body  # no redirect, the staged files stay
    assert not any("value" in props for props in body.values())          # what was typed stays
    assert _written(session) == {"nncs": 0, "attachments": 0, "blobs": 0, "status rows": 0, "nnc audit rows": 0}

    again = dash_callback(client, _key(app, "nnc-form-go.href"), SAVE, state, ["nnc-form-save.n_clicks"])
    saved = session.scalar(select(Nnc))
    assert again.json["response"]["nnc-form-go"]["href"] == f"/nnc/{saved.id}"
    assert _written(session) == {"nncs": 1, "attachments": 2, "blobs": 2, "status rows": 1, "nnc audit rows": 3}


def test_pages_still_open_while_the_database_refuses_writes(app, logged_in, database):
    client = logged_in("operator")
    # Loading the user notes its activity at most once a minute: make this request one that wants to.
    with database.session() as s:
        for row in s.scalars(select(UserSession)):
            row.last_seen_at -= timedelta(minutes=5)
    with refusing(database, "user_sessions", "UPDATE"):
        page = dash_callback(client, "shell-content.children",
                             [{"id": "shell-url", "property": "pathname", "value": "/nnc"}])
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    assert "nnc-grid" in page.get_data(as_text=True)


# ------------------------------------------------------------------------------ 1. PostgreSQL restarted
@pytest.mark.postgresql_only
def test_while_postgresql_restarts_the_portal_answers_a_clear_503_and_recovers_by_itself():
    from portal import create_app
    from portal.db import Database
    from portal.services import users
    from portal.settings import load_settings
    from proof.pgcluster import PrivateCluster

    with PrivateCluster() as cluster:
        url = cluster.create_database("qcorner", migrate=True)
        setup = Database(url)
        with setup.session() as s:
            users.create_user(s, None, {"username": "petugas", "role": "operator", "password": PASSWORD,
                                        "full_name": "Petugas", "office_id": users.office_id_by_code(s, "0300")})
        setup.dispose()
        portal = create_app(load_settings(env="production", database_url=url, secret_key=secrets.token_hex(32)))
        client = portal.server.test_client()
        router = lambda: dash_callback(client, "shell-content.children",  # noqa: E731
                                       [{"id": "shell-url", "property": "pathname", "value": "/nnc"}])
        try:
            assert login(client, "petugas").status_code == 302
            assert router().status_code == 200

            cluster.stop("fast")
            page, callback, health = client.get("/nnc"), router(), client.get("/healthz")
            cluster.start()

            assert page.status_code == 503 and page.headers["Retry-After"]
            assert t("error.unavailable_title", "id") in page.get_data(as_text=True)
            assert callback.status_code == 503 and callback.json["error"] == "database unavailable"
            assert health.status_code == 503 and health.json["database"] == "unreachable"
            # Back up: the same worker and the same logged-in session simply work again (pool_pre_ping).
            assert router().status_code == 200
            assert client.get("/nnc").status_code == 200
            assert client.get("/healthz").json["database"] == "ok"
        finally:
            portal.server.extensions["qcorner_db"].dispose()


# ------------------------------------------------------------------------------ 3. a sync killed midway
def test_rows_a_killed_run_committed_are_rolled_up_by_the_run_that_finishes_the_job(database, tmp_path, monkeypatch):
    from jobs import scheduler as scheduler_module, sync_jobs
    from portal.services.sync import runs as sync
    from portal.settings import load_settings

    simulator = f"sqlite:///{tmp_path / 'iqfast.db'}"
    small_simulator(simulator, days=1, seed=31)

    class Killed(Exception):
        pass

    def stop(point, table, batch):
        if point == "in_batch" and table == "sertifikat" and batch == 0:
            raise Killed("killed in the first batch of certificates, every earlier chunk committed")

    monkeypatch.setattr(sync, "_checkpoint", stop)
    with pytest.raises(Killed):
        sync.run_sync(database, simulator, chunk_size=200)
    monkeypatch.setattr(sync, "_checkpoint", lambda *args: None)
    context = scheduler_module.build_scheduler(load_settings(
        env="development", database_url=database.url, iqfast_url=simulator, iqfast_export_dir=""),
        database, timedelta(minutes=5))
    sync_jobs.sync_job(context)  # closes the killed run, resumes from its cursor, then the after-sync steps
    with database.sessionmaker() as s:
        applications = set(s.scalars(select(Application.id)))
        rolled_up = set(s.scalars(select(KpiApplicationTime.application_id)))
    assert applications and rolled_up == applications


@pytest.mark.postgresql_only
def test_a_scheduler_killed_mid_sync_is_replaced_by_the_waiting_one_and_the_copy_equals_iqfast(tmp_path):
    from portal.db import Database
    from proof.faults.harness import start_scheduler, stop_process, sync_runs, wait_for
    from proof.pgcluster import PrivateCluster

    simulator = f"sqlite:///{tmp_path / 'iqfast.db'}"
    small_simulator(simulator, days=8, seed=37)
    # The backend of a killed client notices within a second even inside a statement (else it would sleep on).
    with PrivateCluster(settings={"client_connection_check_interval": "'1s'"}) as cluster:
        url = cluster.create_database("qcorner", migrate=True)
        # Certificates come last: the first scheduler stops there, its earlier chunks committed.
        cluster.execute(["CREATE FUNCTION fault_slow() RETURNS trigger LANGUAGE plpgsql AS "
                         "$$ BEGIN PERFORM pg_sleep(120); RETURN NULL; END $$",
                         "CREATE TRIGGER fault_slow BEFORE INSERT ON certificates FOR EACH STATEMENT "
                         "EXECUTE FUNCTION fault_slow()"], "qcorner")
        env = {**os.environ, "QCORNER_ENV": "development", "QCORNER_DATABASE_URL": url,
               "QCORNER_IQFAST_URL": simulator, "QCORNER_IQFAST_EXPORT_DIR": ""}
        logs = [tmp_path / "one.log", tmp_path / "other.log"]
        started = [start_scheduler(env, log, "--interval-seconds", "3600") for log in logs]
        try:
            # Both start at once; whichever takes the lock works, the other waits on it.
            held = wait_for(lambda: [i for i in (0, 1) if "scheduler lock held" in logs[i].read_text()], 60, 0.2,
                            "one scheduler to take the lock")[0]
            first, second = started[held], started[1 - held]
            wait_for(lambda: "another scheduler holds the lock" in logs[1 - held].read_text(), 60, 0.2,
                     "the other one waiting")
            wait_for(lambda: _sleeping_in_certificates(cluster), 120, 0.2, "the first sync to reach certificates")
            committed = _committed(url)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
            cluster.execute(["DROP TRIGGER fault_slow ON certificates"], "qcorner")
            second_name = f"scheduler:{os.uname().nodename[:30]}:{second.pid}"
            wait_for(lambda: [r for r in sync_runs(url) if r["triggered_by"] == second_name
                              and r["status"] == "success"], 120, 0.3, "the second scheduler's sync")
        finally:
            for process in started:
                stop_process(process, signal.SIGKILL)
        runs = {r["triggered_by"].rsplit(":", 1)[1]: r for r in sync_runs(url)}
        database = Database(url)
        try:
            ours, stages = checksums(our_rows(database)), derived_stages(database)
        finally:
            database.dispose()
    assert committed > 0  # killed after a chunk had committed, before the certificates: in the middle
    assert runs[str(first.pid)]["status"] == "failed" and "terhenti" in runs[str(first.pid)]["error"]
    assert runs[str(second.pid)]["status"] == "success"
    assert ours == checksums(iqfast_rows(simulator))
    assert stages == expected_stages(simulator)


def _sleeping_in_certificates(cluster) -> bool:
    import psycopg2

    connection = psycopg2.connect(cluster.dsn("qcorner"))
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' "
                           "AND query ILIKE '%certificates%'")
            return cursor.fetchone()[0] > 0
    finally:
        connection.close()


def _committed(url: str) -> int:
    from proof.faults.harness import connected

    with connected(url) as c:
        return c.execute(text("SELECT (SELECT COUNT(*) FROM applications) + (SELECT COUNT(*) FROM stage_events)"
                              " + (SELECT COUNT(*) FROM certificates)")).scalar()


# ------------------------------------------------------------------------------ 2. IQFast goes silent
def test_a_sync_whose_source_goes_silent_mid_query_fails_instead_of_hanging_and_the_next_catches_up(
        database, monkeypatch):
    """Packets dropped, not refused: before READ_TIMEOUT_SECONDS this run (and every later one) hung forever."""
    import threading

    import portal.iqfast.sql_source as sql_source
    from portal.services.sync import runs as sync
    from proof.faults.harness import wait_for
    from proof.faults.iqfast_proxy import simulated_iqfast

    with simulated_iqfast("qc_silent") as (direct, proxied, proxy):
        small_simulator(direct, days=1, seed=41)
        proxy.start()
        monkeypatch.setattr(sql_source, "READ_TIMEOUT_SECONDS", 2)
        result: dict = {}
        worker = threading.Thread(target=lambda: result.update(sync.run_sync(database, proxied, chunk_size=200)),
                                  daemon=True)
        worker.start()
        wait_for(lambda: proxy.connections >= 4, 60, 0.02, "the sync to be reading")
        proxy.stalled = True
        worker.join(60)
        proxy.stalled = False
        stuck = worker.is_alive()
        proxy.stop()
        proxy.start()
        assert not stuck, "the sync hung on a silent source"
        assert result["status"] == "failed" and "IQFast tidak dapat dibaca" in result["error"]
        assert sync.run_sync(database, proxied)["status"] == "success"
        assert checksums(our_rows(database)) == checksums(iqfast_rows(direct))
