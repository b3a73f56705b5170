"""`make run` serves with gunicorn on threads (issue #17): several requests at once, one session key for every
worker, SQLite in WAL mode with a busy timeout so readers never queue behind the scheduler's writes."""
from __future__ import annotations

import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from sqlalchemy import text

from portal.db import make_engine
from support.web import PASSWORD, http_logout

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "portal" / "demo" / "gunicorn_conf.py"


def _config(monkeypatch, **env) -> dict:
    """The demo's gunicorn settings as gunicorn reads them (the module's globals), under ``env``."""
    monkeypatch.setenv("QCORNER_SECRET_KEY", "placeholder")  # so the teardown restores what was there
    monkeypatch.delenv("QCORNER_SECRET_KEY")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_make_run_starts_gunicorn_with_threads_from_the_demo_config():
    run_target = re.search(r"^run:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.S | re.M).group(0)
    assert "gunicorn -c python:portal.demo.gunicorn_conf wsgi:server" in run_target
    assert "$(QC) serve" not in run_target
    # The scheduler is its own process beside gunicorn, never inside a worker.
    assert "$(QC) scheduler &" in run_target


def test_the_demo_config_serves_on_several_threads_without_preloading(monkeypatch):
    config = _config(monkeypatch)
    assert config["worker_class"] == "gthread"
    assert config["threads"] > 1
    assert config["workers"] >= 1
    assert config["preload_app"] is False  # each worker opens its own database connections
    # Longer than a person pauses between clicks, so the next request never lands on a connection being closed.
    assert config["keepalive"] > 3


def test_every_worker_gets_the_one_key_the_master_chose_or_the_configured_one(monkeypatch):
    _config(monkeypatch)
    chosen = os.environ["QCORNER_SECRET_KEY"]  # set in the master, inherited by every forked worker
    assert len(chosen) >= 32
    monkeypatch.setenv("QCORNER_SECRET_KEY", "k" * 40)
    runpy.run_path(str(CONFIG))
    assert os.environ["QCORNER_SECRET_KEY"] == "k" * 40


def test_sqlite_connections_are_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    try:
        with engine.connect() as first, engine.connect() as second:
            for connection in (first, second):
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
            first.execute(text("CREATE TABLE t (x INTEGER)"))
            first.commit()
            # A write transaction left open (the scheduler inside a batch) does not stop another
            # connection from reading what was committed.
            first.execute(text("INSERT INTO t VALUES (1)"))
            assert second.execute(text("SELECT count(*) FROM t")).scalar() == 0
            first.commit()
            assert second.execute(text("SELECT count(*) FROM t")).scalar() == 1
    finally:
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(process, url: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.5)
    raise AssertionError(f"gunicorn did not answer:\n{log.read_text()[-3000:]}")


def test_a_session_holds_on_every_worker_and_thread_of_the_demo_server_and_logout_ends_it_on_all(
        database_url, make_user, tmp_path):
    port = _free_port()
    env = {**os.environ, "QCORNER_ENV": "development", "QCORNER_DATABASE_URL": database_url,
           "QCORNER_IQFAST_URL": "", "QCORNER_IQFAST_EXPORT_DIR": "", "PORT": str(port),
           "QCORNER_WEB_WORKERS": "2", "QCORNER_WEB_THREADS": "4"}
    env.pop("QCORNER_SECRET_KEY", None)  # the config's own key, shared by both workers
    log = tmp_path / "gunicorn.log"
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "python:portal.demo.gunicorn_conf",
                                "wsgi:server"], cwd=ROOT, env=env, stdout=open(log, "w"),
                               stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, url, log)
        make_user("admin_demo", "admin")
        http = requests.Session()
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{url}/login").text).group(1)
        logged_in = http.post(f"{url}/login", data={"username": "admin_demo", "password": PASSWORD,
                                                    "csrf_token": token}, allow_redirects=False)
        assert logged_in.status_code == 302
        cookie = {"qcorner_session": logged_in.cookies["qcorner_session"]}

        def status() -> int:
            return requests.get(f"{url}/admin/users", cookies=cookie, allow_redirects=False).status_code

        # Sixteen at once: more than one worker's threads, so both workers and several threads answer.
        with ThreadPoolExecutor(16) as pool:
            assert set(pool.map(lambda _: status(), range(16))) == {200}
        assert "/" not in http_logout(http, url).headers.get("Server", "")  # gunicorn's name, no version
        with ThreadPoolExecutor(16) as pool:
            assert set(pool.map(lambda _: status(), range(16))) == {302}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
