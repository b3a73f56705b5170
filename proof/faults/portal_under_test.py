"""The portal under test: accounts made as the admin page makes them, `gunicorn wsgi:server` on a free port, a
browserless client (login form, pages, Dash callbacks) and a steady load of such clients, with its error window."""
from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from proof.faults.harness import PASSWORD, ROOT, VENV_BIN
from proof.pgcluster import free_port


def make_users(database_url: str, *specs: tuple[str, str]) -> None:
    """Accounts (username, role) with PASSWORD, made by the service the admin page uses."""
    from portal.db import Database
    from portal.services import users

    database = Database(database_url)
    try:
        with database.session() as s:
            for username, role in specs:
                users.create_user(s, None, {
                    "username": username, "role": role, "password": PASSWORD, "full_name": username.title(),
                    "office_id": users.office_id_by_code(s, "0300"),
                    "section_id": users.section_id_by_code(s, "plant" if role == "coordinator" else None)})
    finally:
        database.dispose()


class Gunicorn:
    """`gunicorn wsgi:server` as in docs/operations.md, settings from the environment, on a free port."""

    def __init__(self, database_url: str, log_path: Path, workers: int = 3, **settings: str):
        self.port = free_port(18050)
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "QCORNER_ENV": "production", "QCORNER_SECRET_KEY": secrets.token_hex(32),
                    "QCORNER_DATABASE_URL": database_url, "QCORNER_IQFAST_URL": "", "QCORNER_IQFAST_EXPORT_DIR": "",
                    **{f"QCORNER_{k.upper()}": str(v) for k, v in settings.items()}}
        self.command = [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
                        "--timeout", "60", "--graceful-timeout", "5", "wsgi:server"]
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> "Gunicorn":
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=open(self.log_path, "w"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(self.base + "/healthz", timeout=5).status_code in (200, 503):
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError("gunicorn did not answer within 90 s")

    def worker_pids(self) -> set[int]:
        """The master's children: the same set before and after means no worker was restarted."""
        try:
            out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True,
                                 text=True).stdout
            return {int(p) for p in out.split()}
        except Exception:  # noqa: BLE001
            return set()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)


class Browserless:
    """What the browser does, with requests: log in through the form, open pages, call Dash callbacks."""

    def __init__(self, base: str, username: str):
        self.base, self.username = base, username
        self.http = requests.Session()
        self._keys: dict[str, str] = {}

    def login(self) -> None:
        page = self.http.get(self.base + "/login", timeout=15).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        answer = self.http.post(self.base + "/login", data={"username": self.username, "password": PASSWORD,
                                                            "csrf_token": token}, allow_redirects=False, timeout=15)
        if answer.status_code != 302:
            raise RuntimeError(f"login of {self.username} failed: {answer.status_code}")

    def callback_key(self, fragment: str) -> str:
        """The full output key of the first callback whose outputs mention ``fragment`` (from /_dash-dependencies,
        as the browser learns them)."""
        if fragment not in self._keys:
            if not hasattr(self, "_dependencies"):
                self._dependencies = [d["output"] for d in
                                      self.http.get(self.base + "/_dash-dependencies", timeout=15).json()]
            self._keys[fragment] = next(k for k in self._dependencies if fragment in k)
        return self._keys[fragment]

    def callback(self, first_output: str, inputs: list[dict], state: list[dict] | None = None,
                 timeout: float = 30) -> requests.Response:
        key = self.callback_key(first_output)
        if key.startswith(".."):
            outputs = [dict(zip(("id", "property"), p.split("@")[0].rsplit(".", 1)))
                       for p in key.strip(".").split("...")]
        else:
            outputs = dict(zip(("id", "property"), key.split("@")[0].rsplit(".", 1)))
        return self.http.post(self.base + "/_dash-update-component", timeout=timeout, json={
            "output": key, "outputs": outputs, "inputs": inputs, "state": state or [],
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs]})

    def router(self, path: str, timeout: float = 30) -> requests.Response:
        return self.callback("shell-content.children", [{"id": "shell-url", "property": "pathname", "value": path}],
                             timeout=timeout)

    def sync_warning(self, timeout: float = 30) -> requests.Response:
        return self.callback("shell-sync-warning.children",
                             [{"id": "shell-sync-interval", "property": "n_intervals", "value": 1}], timeout=timeout)


@dataclass
class Sample:
    started: float
    ended: float
    kind: str
    status: int | None  # None: no HTTP answer (refused, reset, timeout)
    ok: bool
    detail: str = ""


class SteadyLoad:
    """A few threads, each a logged-in officer cycling through a page, two callbacks and /healthz, recording
    every request's start, end and outcome (no think time: steady pressure, a few requests a second each)."""

    STEPS = ("page", "router", "sync_warning", "healthz")

    def __init__(self, base: str, usernames: list[str], request_timeout: float = 30.0):
        self.clients = [Browserless(base, name) for name in usernames]
        self.samples: list[Sample] = []
        self.request_timeout = request_timeout
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for client in self.clients:
            client.login()
            client.callback_key("shell-content.children")
        for client in self.clients:
            thread = threading.Thread(target=self._run, args=(client,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.request_timeout + 5)

    def _run(self, client: Browserless) -> None:
        step = 0
        while not self._stop.is_set():
            kind = self.STEPS[step % len(self.STEPS)]
            step += 1
            started = time.monotonic()
            status, ok, detail = None, False, ""
            try:
                if kind == "page":
                    answer = client.http.get(client.base + "/nnc", timeout=self.request_timeout,
                                             allow_redirects=False)
                    ok = answer.status_code == 200 and "_dash-config" in answer.text
                elif kind == "router":
                    answer = client.router("/nnc", timeout=self.request_timeout)
                    ok = answer.status_code == 200 and "shell-content" in answer.text
                elif kind == "sync_warning":
                    answer = client.sync_warning(timeout=self.request_timeout)
                    ok = answer.status_code == 200 and "shell-sync-warning" in answer.text
                else:
                    answer = client.http.get(client.base + "/healthz", timeout=self.request_timeout)
                    ok = answer.status_code == 200 and answer.json().get("database") == "ok"
                status = answer.status_code
                if not ok:
                    detail = f"{answer.headers.get('Content-Type', '')}|{answer.text[:300]}"
                    clean = status == 503 and answer.headers.get("Retry-After") is not None and (
                        "database unavailable" in answer.text or "Basis data sedang tidak tersedia" in answer.text)
                    clean = clean or (kind == "healthz" and status == 503 and '"unreachable"' in answer.text)
                    detail = ("clean 503|" if clean else "") + detail
            except requests.RequestException as error:
                detail = f"{type(error).__name__}: {error}"[:300]
            ended = time.monotonic()
            with self._lock:
                self.samples.append(Sample(started, ended, kind, status, ok, detail))
            if not ok:
                time.sleep(0.05)  # a failing request answers fast; do not spin

    def snapshot(self) -> list[Sample]:
        with self._lock:
            return list(self.samples)


def error_window(samples: list[Sample], since: float, up_at: float) -> dict[str, Any]:
    """First failure after ``since`` → first success (of any kind) that started after it, and per-kind recovery."""
    after = sorted((s for s in samples if s.started >= since), key=lambda s: s.started)
    failures = [s for s in after if not s.ok]
    if not failures:
        return {"failures": 0}
    first_failure = failures[0]
    recovered = next((s for s in after if s.ok and s.started > first_failure.ended), None)
    last_failure = max(failures, key=lambda s: s.ended)
    per_kind = {}
    for kind in SteadyLoad.STEPS:
        first_ok_after_up = next((s for s in after if s.kind == kind and s.ok and s.started >= up_at), None)
        per_kind[kind] = round(first_ok_after_up.ended - up_at, 2) if first_ok_after_up else None
    statuses: dict[str, int] = {}
    for s in failures:
        statuses[str(s.status) if s.status is not None else s.detail.split(":")[0]] = \
            statuses.get(str(s.status) if s.status is not None else s.detail.split(":")[0], 0) + 1
    return {
        "failures": len(failures),
        "first_failure_at": first_failure.started,
        "first_success_after": recovered.ended if recovered else None,
        "window_seconds": round(recovered.ended - first_failure.started, 2) if recovered else None,
        "last_failure_end_after_up": round(last_failure.ended - up_at, 2),
        "recovered_after_up_seconds": per_kind,
        "failure_statuses": statuses,
        "slowest_failure_seconds": round(max(s.ended - s.started for s in failures), 2),
        "failure_examples": sorted({f"{s.kind}: {s.status} {s.detail[:110]}" for s in failures})[:6],
    }
