"""The scheduler process: one per database works, failures retry sooner, requests and hooks run."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from jobs import registry, scheduler as scheduler_module, sync_jobs
from jobs.locks import ProcessLock
from models import SyncRequest
from iqfast_sim.simulator import init_simulator, simulator_clock
from portal.services.sync import requests as sync_requests, run_log
from portal.settings import load_settings
from support.sync_helpers import small_simulator as make_simulator


@pytest.fixture(scope="module")
def small_simulator(tmp_path_factory):
    path = tmp_path_factory.mktemp("sched-sim") / "iqfast.db"
    make_simulator(f"sqlite:///{path}", days=1, seed=3)
    return f"sqlite:///{path}"


def context_for(database, **settings):
    values = {"env": "development", "database_url": database.url, "iqfast_url": "", "iqfast_export_dir": ""}
    values.update(settings)
    return scheduler_module.build_scheduler(load_settings(**values), database, timedelta(minutes=5))


def test_a_failed_sync_is_retried_after_1_then_2_then_4_minutes_at_most_the_interval(database, tmp_path):
    context = context_for(database, iqfast_url=f"sqlite:///{tmp_path / 'missing.db'}")
    waits = []
    for _ in range(4):
        before = datetime.now(timezone.utc)
        sync_jobs.sync_job(context)
        waits.append(round((context.scheduler.get_job("sync").next_run_time - before).total_seconds() / 60))
    assert waits == [1, 2, 4, 5]
    with database.engine.connect() as c:
        assert c.execute(text("SELECT DISTINCT status FROM sync_runs")).scalars().all() == ["failed"]


def test_a_sync_request_is_picked_up_and_linked_to_its_run(database, small_simulator, session, make_user):
    context = context_for(database, iqfast_url=small_simulator)
    admin = make_user("admin_request", "admin")
    request_id = sync_requests.record_sync_request(session, admin["id"])
    session.commit()
    sync_jobs.sync_requests_job(context)
    session.expire_all()
    request = session.get(SyncRequest, request_id)
    assert request.picked_at is not None and request.run_id is not None
    assert run_log.run_record(session, request.run_id)["status"] == "success"


def test_after_sync_callbacks_run_after_a_successful_sync_only(database, small_simulator, tmp_path):
    seen = []
    callback = registry.after_sync(lambda context, run: seen.append(run["status"]))
    try:
        sync_jobs.sync_job(context_for(database, iqfast_url=f"sqlite:///{tmp_path / 'missing.db'}"))
        assert seen == []
        sync_jobs.sync_job(context_for(database, iqfast_url=small_simulator))
        assert seen == ["success"]
    finally:
        registry.AFTER_SYNC.remove(callback)


def test_demo_mode_ticks_the_simulator_before_each_sync(database, tmp_path):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    wib_now = datetime.now(timezone(timedelta(hours=7))).replace(tzinfo=None, second=0, microsecond=0)
    init_simulator(url, days=1, seed=2, offices=1, end=wib_now - timedelta(minutes=20))
    sync_jobs.sync_job(context_for(database, env="demo", iqfast_url=url))
    assert simulator_clock(url) >= wib_now - timedelta(minutes=1)


def test_a_second_holder_of_a_lock_waits(database_url):
    first, second = ProcessLock(database_url, "qcorner.test"), ProcessLock(database_url, "qcorner.test")
    try:
        assert first.acquire(wait=False)
        assert not second.acquire(wait=False)
        assert first.alive()
        first.release()
        assert second.acquire(wait=True, poll_seconds=0.1, timeout=5)
    finally:
        first.release()
        second.release()


def _start_scheduler(database_url: str, iqfast_url: str, log_path) -> subprocess.Popen:
    env = {**os.environ, "QCORNER_DATABASE_URL": database_url, "QCORNER_IQFAST_URL": iqfast_url,
           "QCORNER_ENV": "development", "QCORNER_IQFAST_EXPORT_DIR": ""}
    return subprocess.Popen([sys.executable, "-m", "portal", "scheduler", "--interval-seconds", "1"], env=env,
                            stdout=open(log_path, "w"), stderr=subprocess.STDOUT, start_new_session=True)


def _runs_by(database) -> dict[str, int]:
    with database.engine.connect() as c:
        return dict(c.execute(text("SELECT triggered_by, COUNT(*) FROM sync_runs WHERE status = 'success' "
                                   "GROUP BY triggered_by")).all())


def _wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("timed out")


@pytest.mark.postgresql_only
def test_two_scheduler_processes_on_one_database_only_one_syncs(database, database_url, small_simulator, tmp_path):
    processes = []
    try:
        processes.append(_start_scheduler(database_url, small_simulator, tmp_path / "first.log"))
        _wait_for(lambda: _runs_by(database))
        processes.append(_start_scheduler(database_url, small_simulator, tmp_path / "second.log"))
        _wait_for(lambda: sum(_runs_by(database).values()) >= 4, timeout=60)
        time.sleep(2)
        runs = _runs_by(database)
        assert list(runs) == [f"scheduler:{os.uname().nodename[:30]}:{processes[0].pid}"], runs
        # The second process says so once it has started, which on a busy machine can be after the first's runs.
        _wait_for(lambda: "another scheduler holds the lock" in (tmp_path / "second.log").read_text(), timeout=60)
        # When the working one stops, the waiting one takes over.
        processes[0].send_signal(signal.SIGTERM)
        processes[0].wait(timeout=30)
        second = f"scheduler:{os.uname().nodename[:30]}:{processes[1].pid}"
        _wait_for(lambda: second in _runs_by(database), timeout=60)
        with database.engine.connect() as c:
            running = c.execute(text("SELECT triggered_by FROM sync_runs WHERE status = 'running'")).scalars().all()
        assert set(running) <= {second}
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


@pytest.mark.postgresql_only
def test_the_lock_and_pool_connections_notice_a_vanished_peer_within_minutes(database, database_url):
    """TCP keepalives on: a scheduler host that disappears without closing loses its lock in about two minutes,
    not the kernel's two hours, so the standby scheduler can take over."""
    lock = ProcessLock(database_url, "keepalive-check")
    assert lock.acquire(wait=False)
    try:
        cursor = lock._connection.cursor()
        cursor.execute("SHOW tcp_keepalives_idle")
        assert cursor.fetchone()[0] == "60"
    finally:
        lock.release()
    with database.engine.connect() as connection:
        assert connection.execute(text("SHOW tcp_keepalives_idle")).scalar() == "60"
        assert connection.execute(text("SHOW tcp_keepalives_count")).scalar() == "6"
