"""What the load proof samples from /proc while people work: each process's CPU and memory (see proof/load.py)."""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import ranking  # noqa: E402 - benchmarks/ranking.py: the benchmarks' PostgreSQL server

HZ = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


# ------------------------------------------------------------------------------------------- /proc sampling


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def cpu_ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return None


def status_kb(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def postgres_pids() -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if Path(f"/proc/{entry.name}/comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def machine_ticks() -> tuple[int, int]:
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields[:8]), idle


class Sampler(threading.Thread):
    """Once a second: every gunicorn worker's RSS, and CPU ticks of workers, this database's PostgreSQL backends,
    all other PostgreSQL processes, the scheduler and locust; the load average."""

    def __init__(self, master: int, scheduler: int | None, database: str, locust: int | None = None):
        super().__init__(daemon=True)
        self.master, self.scheduler, self.locust = master, scheduler, locust
        self.connection = psycopg2.connect(ranking.ADMIN_DSN)
        self.connection.autocommit = True
        self.database = database
        self.halt = threading.Event()
        self.last: dict[int, int] = {}
        self.cpu = {"gunicorn workers": 0, "postgres (this database)": 0, "postgres (other)": 0, "scheduler": 0,
                    "locust": 0}
        self.rss_peak: dict[int, int] = {}
        self.rss_samples: dict[int, list[int]] = {}
        self.loads: list[float] = []
        self.started = time.monotonic()
        self.machine_start = machine_ticks()

    def _delta(self, pid: int) -> int:
        ticks = cpu_ticks(pid)
        if ticks is None:
            return 0
        previous = self.last.get(pid)
        self.last[pid] = ticks
        return 0 if previous is None else max(0, ticks - previous)

    def sample(self) -> None:
        workers = children(self.master)
        for pid in workers:
            self.cpu["gunicorn workers"] += self._delta(pid)
            rss = status_kb(pid, "VmRSS")
            if rss:
                self.rss_peak[pid] = max(self.rss_peak.get(pid, 0), rss)
                self.rss_samples.setdefault(pid, []).append(rss)
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                           (self.database,))
            mine = {row[0] for row in cursor.fetchall()}
        for pid in postgres_pids():
            delta = self._delta(pid)
            self.cpu["postgres (this database)" if pid in mine else "postgres (other)"] += delta
        if self.scheduler:
            self.cpu["scheduler"] += self._delta(self.scheduler)
        if self.locust:
            self.cpu["locust"] += self._delta(self.locust)
        self.loads.append(float(Path("/proc/loadavg").read_text().split()[0]))

    def run(self) -> None:
        self.sample()
        while not self.halt.wait(1.0):
            try:
                self.sample()
            except Exception as error:  # noqa: BLE001 - a vanished pid must not end the sampling
                print("sampler:", error, file=sys.stderr)

    def finish(self) -> dict:
        self.halt.set()
        self.join(5)
        wall = time.monotonic() - self.started
        total, idle = machine_ticks()
        busy = (total - self.machine_start[0]) - (idle - self.machine_start[1])
        hwm = {pid: status_kb(pid, "VmHWM") for pid in children(self.master)}
        self.connection.close()
        cores = os.cpu_count() or 1
        return {
            "seconds": round(wall, 1),
            "cpu_percent_of_one_core": {k: round(100 * v / HZ / wall, 1) for k, v in self.cpu.items()},
            "machine_busy_percent_of_all_cores": round(100 * busy / max(total - self.machine_start[0], 1), 1),
            "cores": cores,
            "load_average": {"min": min(self.loads, default=0), "max": max(self.loads, default=0),
                             "mean": round(sum(self.loads) / max(len(self.loads), 1), 2)},
            "worker_rss_mb": {str(pid): {"peak_sampled": round(peak / 1024), "vm_hwm": round((hwm.get(pid) or 0)
                                                                                               / 1024),
                                         "median": round(sorted(self.rss_samples[pid])[len(self.rss_samples[pid])
                                                                                        // 2] / 1024)}
                              for pid, peak in self.rss_peak.items()},
        }
