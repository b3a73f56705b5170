"""gunicorn's settings for `make run` (the demo on SQLite): `gunicorn -c python:portal.demo.gunicorn_conf wsgi:server`.

`qcorner serve` is one process: ten people changing the KPI panel at once waited seconds for each other (issue #17).
Here four workers (two per core, as in production: Python runs one thread at a time per process, and a worker
waiting on SQLite leaves the core to another) each serve four requests at once on threads, so a slow KPI panel does
not hold back the small callbacks sent with it. With 20 people on the KPI panel and the rankings, 4 × 4 served 27 %
more requests than 2 × 8 with a lower p95 (docs/performance.md); each worker holds ≈ 170 MB. SQLite copes
because every connection is in WAL mode with a busy timeout (portal/db.py): readers never wait for the writer (the
scheduler's sync), and a second writer waits its turn instead of failing.

The scheduler stays its own process (`qcorner scheduler`, started beside gunicorn by `make run`), never inside a
worker: every worker would otherwise run the jobs.

Production runs gunicorn with its own command line (docs/operations.md); this file is not read there.
"""
import os
import secrets
import shutil
import tempfile

# Read in gunicorn's master before any worker is forked: every worker inherits the same key, so a session cookie
# signed by one worker is accepted by the others. A key of its own per `make run` unless one is configured.
os.environ.setdefault("QCORNER_SECRET_KEY", secrets.token_urlsafe(48))
# One view cache for every worker (files; production shares Redis instead): with a cache per worker each of the four
# computed every KPI and ranking view once more, and 20 people waited for those repeats (docs/performance.md). A new
# directory per start, removed at exit: nothing of an earlier demo database can be answered from it.
_VIEW_CACHE_DIR = None
if not os.environ.get("QCORNER_VIEW_CACHE_DIR"):
    _VIEW_CACHE_DIR = tempfile.mkdtemp(prefix="qcorner-views-")
    os.environ["QCORNER_VIEW_CACHE_DIR"] = _VIEW_CACHE_DIR

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("QCORNER_WEB_WORKERS", "4"))
worker_class = "gthread"
threads = int(os.environ.get("QCORNER_WEB_THREADS", "4"))
# The demo's first requests build the KPI and ranking views of 110 days on a busy laptop: give them time.
timeout = 120
# A browser keeps its connection open between clicks (seconds apart): closing it after gunicorn's default 2 s races
# the next request sent on it, which then fails. Idle connections wait in the worker's poller, not on a thread.
keepalive = 30
graceful_timeout = 10
# No preload: each worker opens its own database connections after the fork (connections must not be shared
# between processes).
preload_app = False
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def on_exit(server):
    if _VIEW_CACHE_DIR:
        shutil.rmtree(_VIEW_CACHE_DIR, ignore_errors=True)
