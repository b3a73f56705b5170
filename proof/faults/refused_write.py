"""Scenario 4: the database refuses a write while an NNC with attachments is saved through the Dash callback."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import requests
from sqlalchemy import text

from proof.faults.harness import Outcome, connected, count_rows, log
from proof.faults.portal_under_test import Browserless, Gunicorn, make_users
from proof.pgcluster import PrivateCluster
from support.nnc_helpers import PDF, PNG, form_state, upload


NNC_TABLES = ("nncs", "nnc_attachments", "attachment_blobs", "nnc_status_changes", "audit_log",
              "notification_outbox")
REFUSE_FUNCTION = """CREATE OR REPLACE FUNCTION fault_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '%', TG_ARGV[1] USING ERRCODE = TG_ARGV[0]; END $$"""
SLOW_FUNCTION = """CREATE OR REPLACE FUNCTION fault_slow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(5); RETURN NEW; END $$"""


def refusals(cluster: PrivateCluster, database: str) -> list[tuple[str, Callable[[], None], Callable[[], None]]]:
    """(what, inject, remove): each a way the database refuses the NNC's writes, at the database level."""
    def run(*statements):
        return lambda: [cluster.execute(sql, database) for sql in statements]

    def system(setting, value):
        return [f"ALTER SYSTEM SET {setting} = {value}", "SELECT pg_reload_conf()"]

    reset = lambda setting: [f"ALTER SYSTEM RESET {setting}", "SELECT pg_reload_conf()"]  # noqa: E731
    return [
        ("a trigger on attachment_blobs raises an error (the file content is refused)",
         run(REFUSE_FUNCTION, "CREATE TRIGGER fault BEFORE INSERT ON attachment_blobs FOR EACH ROW "
             "EXECUTE FUNCTION fault_refuse('P0001', 'blob store refused (injected)')"),
         run("DROP TRIGGER fault ON attachment_blobs")),
        ("the disk is full when the second attachment is linked (trigger raising SQLSTATE 53100 disk_full "
         "on nnc_attachments, after the NNC row and a blob are written)",
         run(REFUSE_FUNCTION, "CREATE TABLE IF NOT EXISTS fault_count (n int)", "TRUNCATE fault_count",
             """CREATE OR REPLACE FUNCTION fault_second() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN INSERT INTO fault_count VALUES (1);
             IF (SELECT count(*) FROM fault_count) >= 2 THEN
               RAISE EXCEPTION 'could not extend file: No space left on device (injected)' USING ERRCODE = '53100';
             END IF; RETURN NEW; END $$""",
             "CREATE TRIGGER fault BEFORE INSERT ON nnc_attachments FOR EACH ROW EXECUTE FUNCTION fault_second()"),
         run("DROP TRIGGER fault ON nnc_attachments", "DROP TABLE fault_count")),
        ("a statement timeout: statement_timeout = 1 s for the whole cluster and a slow write on nnc_attachments",
         lambda: (run(SLOW_FUNCTION, "CREATE TRIGGER fault BEFORE INSERT ON nnc_attachments FOR EACH ROW "
                      "EXECUTE FUNCTION fault_slow()")(), run(*system("statement_timeout", "'1s'"))()),
         lambda: (run(*reset("statement_timeout"))(), run("DROP TRIGGER fault ON nnc_attachments")())),
        ("the database switched to read-only (ALTER SYSTEM SET default_transaction_read_only = on; reload)",
         run(*system("default_transaction_read_only", "on")),
         lambda: cluster.execute(["SET default_transaction_read_only = off",
                                  "ALTER SYSTEM RESET default_transaction_read_only", "SELECT pg_reload_conf()"],
                                 database)),
    ]


def save_nnc(client: Browserless, values: dict, files: list[dict]) -> tuple[requests.Response, float]:
    started = time.monotonic()
    answer = client.callback("nnc-form-go.href",
                             [{"id": "nnc-form-save", "property": "n_clicks", "value": 1},
                              {"id": "nnc-form-save-top", "property": "n_clicks", "value": None}],
                             form_state(values, files), timeout=60)
    return answer, time.monotonic() - started


def scenario_refused_write(outcome: Outcome, workdir: Path) -> None:
    from portal.db import Database
    from portal.i18n import t

    with PrivateCluster() as cluster:
        url = cluster.create_database("qcorner", migrate=True)
        make_users(url, ("petugas", "operator"))
        database = Database(url)
        try:
            from support.factories import gen_service_user
            from support.nnc_helpers import valid_nnc

            with database.session() as s:
                data = valid_nnc(s, number="GACC/NNC/2026/0042")
                company = gen_service_user(s, name="PT Uji Gangguan")
                data["service_user_id"] = company.id
        finally:
            database.dispose()
        values = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
        files = [upload("surat-gacc.pdf", PDF, "application/pdf"), upload("foto-kemasan.png", PNG, "image/png")]
        expected_message = t("nnc.error.database", "id")
        web = Gunicorn(url, workdir / "gunicorn-refused.log", workers=2).start()
        results = []
        try:
            client = Browserless(web.base, "petugas")
            client.login()
            for label, inject, remove in refusals(cluster, "qcorner"):
                log(f"  refused write: {label}")
                before = count_rows(url, NNC_TABLES)
                # Age the session's last_seen so loading the user wants to write too (once a minute it does).
                cluster.execute("UPDATE user_sessions SET last_seen_at = last_seen_at - interval '5 minutes'",
                                "qcorner")
                inject()
                try:
                    page = client.router("/nnc/new")
                    answer, seconds = save_nnc(client, values, files)
                finally:
                    remove()
                after = count_rows(url, NNC_TABLES)
                body = answer.json().get("response", {}) if answer.headers.get("Content-Type", "").startswith(
                    "application/json") else {}
                alert = body.get("nnc-form-alert", {})
                results.append({
                    "fault": label, "status": answer.status_code, "seconds": round(seconds, 2),
                    "form page opened while refusing": page.status_code == 200,
                    "message shown": alert.get("is_open") is True and alert.get("children") == expected_message,
                    "form kept (no field value, no file list, no redirect in the answer)":
                        "nnc-form-go" not in body and "nnc-form-files" not in body
                        and not any("value" in props for props in body.values()),
                    "nothing written": before == after, "rows": {k: after[k] - before[k] for k in NNC_TABLES}})
            # The same form, saved again once the database accepts writes: everything arrives, once.
            before = count_rows(url, NNC_TABLES)
            answer, seconds = save_nnc(client, values, files)
            after = count_rows(url, NNC_TABLES)
            body = answer.json().get("response", {})
            saved_href = body.get("nnc-form-go", {}).get("href", "")
            audit = audit_actions(url)
        finally:
            web.stop()
        orphans = orphan_blobs(cluster.url("qcorner"))
    outcome.tables.append(("Each refusal (the Dash save callback through gunicorn)",
                           ["fault", "HTTP", "s", "message shown", "form kept", "rows written"],
                           [[r["fault"], r["status"], r["seconds"], r["message shown"],
                             r["form kept (no field value, no file list, no redirect in the answer)"],
                             sum(r["rows"].values())] for r in results]))
    outcome.notes += [
        "Found and fixed: (1) a refused write made the save callback fail with a 500 — in the browser the button "
        "simply did nothing, with no message; callbacks/nnc_form.py now says so (nnc.error.database) and keeps the "
        "form. (2) With the database read-only, every page failed once a minute per user, because loading the "
        "user writes last_seen_at; portal/services/accounts.py now does that write best-effort in a savepoint. "
        "(3) On SQLite (make run, and the SQLite test run) the NNC row was committed before its attachments: "
        "pysqlite never opens a transaction before SAVEPOINT, so the savepoint became the transaction and its "
        "RELEASE committed; portal/db.py now opens the transaction first (tests/services/test_faults.py covers it).",
        "Not covered here: the other save callbacks (NNC follow-up, complaints, admin pages) still fail without a "
        "message when the database refuses a write (a 503 while it is unreachable; a 500 when it is read-only).",
    ]
    outcome.figures["message shown"] = expected_message
    outcome.figures["saved again afterwards"] = {"status": answer.status_code, "href": saved_href,
                                                 "seconds": round(seconds, 2),
                                                 "rows added": {k: after[k] - before[k] for k in NNC_TABLES}}
    for result in results:
        outcome.check(f"{result['fault']}: clear message, form kept, nothing half-saved",
                      result["status"] == 200 and result["message shown"] and result["nothing written"]
                      and result["form kept (no field value, no file list, no redirect in the answer)"])
        outcome.check(f"{result['fault']}: the form page itself still opened", result["form page opened while refusing"])
    added = {k: after[k] - before[k] for k in NNC_TABLES}
    outcome.check("the same form saved once the database accepted writes: 1 NNC, 2 attachments, 2 blobs, "
                  "1 status row, audit 'nnc_created' + 2 'nnc_attachment_added'",
                  saved_href.startswith("/nnc/") and added["nncs"] == 1 and added["nnc_attachments"] == 2
                  and added["attachment_blobs"] == 2 and added["nnc_status_changes"] == 1
                  and audit.get("nnc_created") == 1 and audit.get("nnc_attachment_added") == 2)
    outcome.check("no orphan blob and no NNC without its files at the end", orphans == 0)


def audit_actions(database_url: str) -> dict[str, int]:
    with connected(database_url) as c:
        return dict(c.execute(text("SELECT action, COUNT(*) FROM audit_log WHERE action LIKE 'nnc%' "
                                   "GROUP BY action")).all())


def orphan_blobs(database_url: str) -> int:
    """Blobs no record links to, plus NNCs created with files in the audit but without attachment rows."""
    with connected(database_url) as c:
        links = [r[0] for r in c.execute(text(
            "SELECT table_name FROM information_schema.columns WHERE column_name = 'blob_hash' "
            "AND table_schema = 'public'"))]
        unlinked = " AND ".join(f'NOT EXISTS (SELECT 1 FROM "{t}" l WHERE l.blob_hash = b.hash)' for t in links)
        blobs = c.execute(text(f"SELECT COUNT(*) FROM attachment_blobs b WHERE {unlinked}")).scalar()
        bare = c.execute(text("SELECT COUNT(*) FROM nncs n WHERE NOT EXISTS "
                              "(SELECT 1 FROM nnc_attachments a WHERE a.nnc_id = n.id)")).scalar()
        return blobs + bare
