"""Scale-out on one machine: two app instances and two schedulers on one PostgreSQL behave as one installation.

Two gunicorn processes on different ports (same QCORNER_SECRET_KEY, same database, rate limits in Redis) stand
for two app hosts behind a load balancer that does not keep a client on one host: every request below may go
to either. Two `qcorner scheduler` processes stand for the scheduler on two hosts.
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
import redis
import requests
from sqlalchemy import select, text

from support.web import PASSWORD, _outputs_from_key, http_logout
from jobs.locks import SCHEDULER_LOCK, lock_key
from models import Nnc, NncAttachment
from support.nnc_helpers import PDF, SAVE, form_state, upload, valid_nnc
from test_scheduler import _runs_by, _start_scheduler, _wait_for, small_simulator  # noqa: F401 - a fixture

pytestmark = pytest.mark.postgresql_only

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of this file's own (test_complaints.py uses 15), emptied before the instances start.
RATE_LIMIT_STORAGE = "redis://127.0.0.1:6379/13"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def instances(database_url, tmp_path_factory):
    """Instances A and B: `gunicorn wsgi:server`, one worker each, as on two app hosts."""
    redis.Redis.from_url(RATE_LIMIT_STORAGE).flushdb()
    env = {**os.environ, "QCORNER_ENV": "development", "QCORNER_DATABASE_URL": database_url,
           "QCORNER_SECRET_KEY": secrets.token_hex(32), "QCORNER_RATELIMIT_STORAGE_URL": RATE_LIMIT_STORAGE,
           "QCORNER_IQFAST_URL": "", "QCORNER_IQFAST_EXPORT_DIR": ""}
    logs = tmp_path_factory.mktemp("instances")
    started = {}
    try:
        for name in ("A", "B"):
            port = _free_port()
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:server"],
                cwd=ROOT, env=env, stdout=open(logs / f"{name}.log", "w"), stderr=subprocess.STDOUT,
                start_new_session=True)
            started[name] = (process, f"http://127.0.0.1:{port}")
        for name, (process, url) in started.items():
            _wait_for(lambda: _answers(process, url, logs / f"{name}.log"), timeout=90)
        yield {name: url for name, (_process, url) in started.items()}
    finally:
        for process, _url in started.values():
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _answers(process, url: str, log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"instance at {url} exited:\n{log.read_text()[-3000:]}")
    try:
        return requests.get(f"{url}/healthz", timeout=5).status_code == 200
    except (requests.ConnectionError, requests.Timeout):  # the worker is still importing the app
        return False


def _csrf(http: requests.Session, url: str, path: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{url}{path}").text).group(1)


def _login(url: str, username: str, password: str = PASSWORD) -> requests.Response:
    """Log in through instance ``url``'s form; the answer carries the session cookie."""
    http = requests.Session()
    return http.post(f"{url}/login", data={"username": username, "password": password,
                                           "csrf_token": _csrf(http, url)}, allow_redirects=False)


def _cookie(response: requests.Response) -> dict:
    return {"qcorner_session": response.cookies["qcorner_session"]}


def _callback(url: str, cookies: dict, fragment: str, inputs, state=None, changed=None) -> requests.Response:
    """A Dash callback on instance ``url``, found by a fragment of its output key as that instance lists them."""
    keys = [d["output"] for d in requests.get(f"{url}/_dash-dependencies", cookies=cookies).json()]
    key = next(k for k in keys if fragment in k)
    body = {"output": key, "outputs": _outputs_from_key(key), "inputs": inputs, "state": state or [],
            "changedPropIds": changed or []}
    return requests.post(f"{url}/_dash-update-component", json=body, cookies=cookies)


def test_a_session_from_one_instance_works_on_the_other_and_logout_there_ends_it_here(instances, make_user):
    a, b = instances["A"], instances["B"]
    make_user("admin_skala", "admin")
    logged_in = _login(a, "admin_skala")
    assert logged_in.status_code == 302
    cookie = _cookie(logged_in)

    assert requests.get(f"{b}/admin/users", cookies=cookie, allow_redirects=False).status_code == 200
    assert requests.get(f"{b}/admin/users", allow_redirects=False).status_code == 302  # no cookie: login page
    with requests.Session() as browser:  # logout is a POST with the CSRF token from the page that asks
        # Under the host the servers name, so the session cookie B sends back with the CSRF token replaces this one
        # (a domain-less copy would stay beside it, and the old one might be the one sent with the POST).
        for name, value in cookie.items():
            browser.cookies.set(name, value, domain="127.0.0.1", path="/")
        assert "/" not in http_logout(browser, b).headers.get("Server", "")  # gunicorn's name, no version
    # The same cookie, replayed on A after the logout on B, no longer opens anything.
    after = requests.get(f"{a}/admin/users", cookies=cookie, allow_redirects=False)
    assert after.status_code == 302 and after.headers["Location"].startswith("/login")


def test_an_nnc_saved_through_one_instance_is_read_with_its_letter_on_the_other(instances, make_user, database,
                                                                               session):
    a, b = instances["A"], instances["B"]
    make_user("petugas_skala", "operator")
    make_user("kepala_skala", "head")
    with database.session() as s:
        values = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                  for k, v in valid_nnc(s, number="GACC/NNC/2026/SKALA").items()}
    operator = _cookie(_login(a, "petugas_skala"))
    saved = _callback(a, operator, "nnc-form-go.href", SAVE, form_state(values, [upload("surat.pdf", PDF)]),
                      ["nnc-form-save.n_clicks"])
    assert saved.status_code == 200, saved.text
    nnc_id = session.scalar(select(Nnc.id).where(Nnc.number == "GACC/NNC/2026/SKALA"))
    assert saved.json()["response"]["nnc-form-go"]["href"] == f"/nnc/{nnc_id}"

    head = _cookie(_login(b, "kepala_skala"))
    shown = _callback(b, head, "..nnc-detail-title.children",
                      [{"id": "nnc-detail-id", "property": "data", "value": nnc_id},
                       {"id": "nnc-detail-refresh", "property": "data", "value": 0}])
    assert shown.status_code == 200
    assert shown.json()["response"]["nnc-detail-title"]["children"] == "NNC GACC/NNC/2026/SKALA"
    attachment_id = session.scalar(select(NncAttachment.id).where(NncAttachment.nnc_id == nnc_id))
    letter = requests.get(f"{b}/nnc/attachments/{attachment_id}", cookies=head)
    assert letter.status_code == 200 and letter.content == PDF


def test_login_lockout_and_rate_limits_count_across_instances(instances, make_user):
    a, b = instances["A"], instances["B"]
    make_user("target_skala", "operator")
    # Five wrong passwords from one address spread over both instances throttle that name there (the count lives in
    # Redis)…
    for url in (a, b, a, b, a):
        assert _login(url, "target_skala", "salah-sandi").status_code == 401
    throttled = _login(b, "target_skala")
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0

    # …and the public complaint form's "3 per minute" per address is counted in Redis for both.
    statuses = []
    for url in (a, b, a, b):
        http = requests.Session()
        statuses.append(http.post(f"{url}/pengaduan", data={
            "category": "information_request", "subject": "Syarat ekspor manggis",
            "text": "Apa saja dokumen yang diperlukan?", "csrf_token": _csrf(http, url, "/pengaduan")}).status_code)
    assert statuses == [200, 200, 200, 429]


def test_one_of_two_schedulers_syncs_and_the_other_takes_over_when_it_is_killed(database, database_url,
                                                                               small_simulator, tmp_path):
    processes = [_start_scheduler(database_url, small_simulator, tmp_path / f"scheduler{n}.log") for n in (1, 2)]
    try:
        _wait_for(lambda: sum(_runs_by(database).values()) >= 3, timeout=60)
        (first,) = _runs_by(database)  # every run so far is one process's
        active = next(p for p in processes if first.endswith(f":{p.pid}"))
        waiting = next(p for p in processes if p is not active)
        (holder,) = _lock_holders(database_url)  # one backend holds the scheduler lock; the other only polls
        waiting_log = tmp_path / f"scheduler{processes.index(waiting) + 1}.log"
        _wait_for(lambda: "another scheduler holds the lock: waiting" in waiting_log.read_text(), timeout=30)

        # Killed outright (no clean shutdown): PostgreSQL ends its connection and with it the advisory lock.
        os.killpg(active.pid, signal.SIGKILL)
        active.wait(timeout=30)
        successor = f"scheduler:{os.uname().nodename[:30]}:{waiting.pid}"
        _wait_for(lambda: _runs_by(database).get(successor, 0) >= 2, timeout=60)
        assert set(_runs_by(database)) == {first, successor}
        (new_holder,) = _lock_holders(database_url)
        assert new_holder != holder
        with database.engine.connect() as c:
            runs = c.execute(text("SELECT triggered_by, started_at, finished_at, status FROM sync_runs "
                                  "ORDER BY started_at")).all()
        # Never two syncs at once: no run of one process overlaps a run of the other; a run the killed process
        # left open was closed as failed by its successor.
        assert all(r.status in ("success", "failed") or r.triggered_by == successor for r in runs)
        finished = [r for r in runs if r.finished_at is not None and r.status == "success"]
        for x in finished:
            for y in finished:
                if x.triggered_by != y.triggered_by:
                    assert x.finished_at <= y.started_at or y.finished_at <= x.started_at, (x, y)
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def _lock_holders(database_url: str) -> list[int]:
    """The backends holding the scheduler's advisory lock in this database (bigint keys: classid, objid)."""
    key = lock_key(SCHEDULER_LOCK) & 0xFFFFFFFFFFFFFFFF
    with psycopg2.connect(_libpq(database_url)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
                       "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                       "AND classid::bigint = %s AND objid::bigint = %s", (key >> 32, key & 0xFFFFFFFF))
        holders = [row[0] for row in cursor.fetchall()]
    connection.close()
    return holders


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg2://", "postgresql://")
