"""A private PostgreSQL cluster for fault scenarios: initdb in a temp dir, its own port, stopped and removed on exit.

The fault proofs restart PostgreSQL and kill its clients; doing that to the shared server on 5432 would break
everyone else's tests, so each scenario starts its own cluster:

    with PrivateCluster() as cluster:           # initdb + start on a free port from 25432 up
        url = cluster.create_database("qcorner")  # postgresql+psycopg2://postgres@127.0.0.1:<port>/qcorner
        cluster.restart(down_seconds=3)          # pg_ctl stop -m fast, wait, start

initdb and pg_ctl refuse to run as root, so when we are root they run as the ``postgres`` OS user (runuser)
in a directory that user owns. Authentication is ``trust`` on 127.0.0.1 only.
"""
from __future__ import annotations

import atexit
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2

# Below Linux's ephemeral range (32768-60999 by default): a port in it may be taken, while the cluster is down for a
# restart, as the local end of any outgoing connection, and the restart would then fail to bind.
FIRST_PORT = 25432
OS_USER = "postgres"


def pg_bin(name: str) -> str:
    """The newest installed PostgreSQL's program (Debian keeps them under /usr/lib/postgresql/<major>/bin)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise FileNotFoundError(f"PostgreSQL's {name} not found under /usr/lib/postgresql/*/bin or on PATH")


def free_port(start: int = FIRST_PORT, tries: int = 200) -> int:
    """The first port from ``start`` nobody listens on (nor holds a PostgreSQL socket file for)."""
    for port in range(start, start + tries):
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {start}..{start + tries}")


class PrivateCluster:
    """One throw-away PostgreSQL cluster owned by this process."""

    def __init__(self, port: int | None = None, base_dir: str | None = None, settings: dict | None = None):
        self.port = port
        self.base_dir = base_dir
        self.extra_settings = settings or {}
        self.running = False
        self._created_dir = False

    # ------------------------------------------------------------------ life cycle
    def init(self) -> "PrivateCluster":
        """initdb into a fresh temp dir owned by the postgres OS user."""
        if self.base_dir is None:
            self.base_dir = tempfile.mkdtemp(prefix="qcorner-pg-")
            self._created_dir = True
        base = Path(self.base_dir)
        base.mkdir(parents=True, exist_ok=True)
        (base / "sock").mkdir(exist_ok=True)
        self._chown(base)
        self._chown(base / "sock")
        self._run([pg_bin("initdb"), "-D", str(self.data_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                   "--locale=C.UTF-8", "--no-sync"])
        self.port = self.port or free_port()
        settings = {"port": self.port, "listen_addresses": "'127.0.0.1'", "unix_socket_directories": f"'{base / 'sock'}'",
                    # A scratch cluster on a shared 2-core machine: no fsync, small memory.
                    "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                    "shared_buffers": "'64MB'", "max_connections": 100, "log_min_messages": "warning",
                    **self.extra_settings}
        with open(self.data_dir / "postgresql.auto.conf", "a") as conf:
            for key, value in settings.items():
                conf.write(f"{key} = {value}\n")
        _register(self)
        return self

    def start(self, timeout: int = 60, keep_port: bool = False) -> None:
        """Start the server; if its port is taken, move to another (or, with ``keep_port``, wait for it)."""
        if self.base_dir is None or not self.data_dir.exists():
            self.init()
        for attempt in range(10):
            try:
                self._run([pg_bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t",
                           str(timeout), "start"])
                break
            except RuntimeError as error:
                # Another process (a parallel test worker) took the port between our probe and the start.
                if attempt == 9 or "could not bind" not in str(error) and "already in use" not in str(error):
                    raise
                if keep_port:  # a restart: clients know this port; whoever holds it will let it go
                    time.sleep(1)
                    continue
                self.port = free_port(self.port + 1)
                with open(self.data_dir / "postgresql.auto.conf", "a") as conf:
                    conf.write(f"port = {self.port}\n")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """pg_ctl stop: ``fast`` (clients cut off, clean shutdown) or ``immediate`` (as if it crashed)."""
        if not self.running:
            return
        self._run([pg_bin("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", "stop"])
        self.running = False

    def restart(self, mode: str = "fast", down_seconds: float = 0.0) -> dict:
        """Stop, stay down ``down_seconds``, start again; returns the monotonic times it went down and came up."""
        started = time.monotonic()
        self.stop(mode)
        down_at = time.monotonic()
        if down_seconds:
            time.sleep(down_seconds)
        self.start(keep_port=True)
        return {"stop_requested": started, "down_at": down_at, "up_at": time.monotonic()}

    def cleanup(self) -> None:
        """Stop the server (if running) and remove the directory we created."""
        try:
            if self.running:
                self.stop("immediate")
        except Exception:  # noqa: BLE001 - cleanup must not hide the real error
            self._kill_postmaster()
        if self._created_dir and self.base_dir and os.path.isdir(self.base_dir):
            shutil.rmtree(self.base_dir, ignore_errors=True)
        _unregister(self)

    def __enter__(self) -> "PrivateCluster":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()

    # ------------------------------------------------------------------ use
    @property
    def data_dir(self) -> Path:
        return Path(self.base_dir) / "data"

    @property
    def log_file(self) -> Path:
        return Path(self.base_dir) / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        """SQLAlchemy URL of a database in this cluster."""
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def execute(self, sql: str | list[str], database: str = "postgres") -> None:
        """Run statements one by one in autocommit on one connection (CREATE DATABASE, ALTER SYSTEM…)."""
        connection = psycopg2.connect(self.dsn(database))
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                for statement in [sql] if isinstance(sql, str) else sql:
                    cursor.execute(statement)
        finally:
            connection.close()

    def create_database(self, name: str, migrate: bool = False) -> str:
        """CREATE DATABASE ``name`` (and apply our migrations when asked); returns its URL."""
        self.execute(f'CREATE DATABASE "{name}"')
        url = self.url(name)
        if migrate:
            from portal.migrate import upgrade

            upgrade(url)
        return url

    # ------------------------------------------------------------------ internals
    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            shutil.chown(path, OS_USER, OS_USER)

    def _run(self, command: list[str]) -> None:
        if os.geteuid() == 0:
            command = ["runuser", "-u", OS_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd="/")
        if done.returncode != 0:
            log = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n{log}")

    def _kill_postmaster(self) -> None:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGQUIT)
        except (OSError, ValueError, IndexError):
            pass


# Clusters still alive when the interpreter exits (a failed scenario, Ctrl+C) are stopped and removed.
_LIVE: list[PrivateCluster] = []


def _register(cluster: PrivateCluster) -> None:
    if cluster not in _LIVE:
        _LIVE.append(cluster)


def _unregister(cluster: PrivateCluster) -> None:
    if cluster in _LIVE:
        _LIVE.remove(cluster)


@atexit.register
def _cleanup_all() -> None:
    for cluster in list(_LIVE):
        cluster.cleanup()


if __name__ == "__main__":  # a manual check: start one, print its URL, stop it on Enter
    with PrivateCluster() as cluster:
        print(cluster.url(), "— data in", cluster.base_dir)
        input("Enter stops and removes it… ")
