"""Views computed once per data change (issue #17): a service's answer cached per (view, arguments, data stamp).

Nothing the KPI panel, the rankings, the survey results, the priority and guidance lists, a profile (and the office's
p0 in it) or the applications list's total show changes between two writes to the data (`portal/data_version.py`
changes the stamp in the same transaction as each of them), so their services' answers are cached under a key made of
the service, every argument it was called with — the caller's office, section and scope among them, so no one is ever
answered from another scope — the stamp and the release (a digest of the code that computes and draws the answers).
A new stamp or a new release makes every old key unreachable; old entries simply age out.

The cache is Flask-Caching: Redis in production (the rate limits' `QCORNER_RATELIMIT_STORAGE_URL`, shared by every
worker and host); without Redis, files in `QCORNER_VIEW_CACHE_DIR` shared by the workers of one server (the demo's
gunicorn: four workers each computing every view once was most of what 20 people waited for); else an in-process
dictionary (one process, the tests). Outside a Flask app (the CLI, the jobs, service tests) or when Redis does not
answer, the service is simply called. Within a process, people asking for the same view at once wait for one
computation instead of each starting their own (a new stamp after a sync would otherwise set every thread computing
the same panel).
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable

from flask import current_app, has_app_context
from flask_caching import Cache

from models.base import utcnow
from portal import data_version

log = logging.getLogger(__name__)
cache = Cache()
# A stamp lives until the next write: a day is long enough for a quiet office, short enough to free Redis.
TIMEOUT_SECONDS = 24 * 3600


def install(server, storage_url: str, directory: str = "") -> None:
    """Redis when the rate limits use it (one cache for every worker), else files in ``directory`` when given (the
    workers of one server), else a dictionary in this process."""
    if storage_url.startswith(("redis://", "rediss://")):
        config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": storage_url, "CACHE_KEY_PREFIX": "qcorner:view:"}
    elif directory:
        config = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": directory, "CACHE_THRESHOLD": 5000}
    else:
        config = {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    cache.init_app(server, config={**config, "CACHE_DEFAULT_TIMEOUT": TIMEOUT_SECONDS})
    # The code this worker runs, read now: a worker computing it at its first cached view, after an in-place deploy
    # under it, would store its old drawings under the new release's keys.
    release()


def _normal(value: Any) -> Any:
    """The same text for the same arguments in every process: sets sorted, dataclasses and dicts by field name
    (a frozenset of strings iterates in a per-process order, which would split one key in two across workers)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, _normal(dataclasses.asdict(value)))
    if isinstance(value, dict):
        return tuple(sorted((str(k), _normal(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return tuple(sorted(repr(_normal(v)) for v in value))
    if isinstance(value, (list, tuple)):
        return tuple(_normal(v) for v in value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


# What computes and draws a cached answer: the services, the callbacks that draw their figures, the layouts, the
# translations and the pinned libraries. The data stamp does not move at a release, and Redis outlives the workers.
_CODE_FOLDERS = ("portal", "callbacks", "layouts", "models")


@functools.cache
def release() -> str:
    """A digest of the code, the same in every worker and host running it: a release changes it, so a new worker
    never reads an answer (or a drawing) shaped by the code it replaced, which would last until the next write."""
    return digest_of_code(Path(__file__).resolve().parent.parent)


def digest_of_code(root: Path) -> str:
    """The digest of the code folders under ``root``: by path within it and content, so not by where it lies."""
    digest = hashlib.sha256()
    for folder in _CODE_FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".json") and path.is_file():
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    pinned = root / "requirements.txt"  # a Dash or plotly upgrade changes what a drawing is
    if pinned.is_file():
        digest.update(pinned.read_bytes())
    return digest.hexdigest()[:16]


def key_of(view: str, stamp: str, args: tuple, kwargs: dict) -> str:
    digest = hashlib.sha256(repr(_normal((args, kwargs))).encode()).hexdigest()
    return f"{view}:{release()}:{stamp}:{digest}"


def cached(session, service: Callable[..., Any], *args, **kwargs) -> Any:
    """`service(session, *args, **kwargs)`, answered from the cache when the data has not changed since.

    The stamp is read before the service runs, in the same session: an answer may be newer than its stamp (a
    write committed in between), never older, so a cached answer is never staler than the key says.
    """
    if not has_app_context() or cache not in current_app.extensions.get("cache", {}):
        return service(session, *args, **kwargs)
    view = f"{service.__module__}.{service.__qualname__}"
    # The hour too: a view's "today" (its window, what is overdue) moves at an office's midnight with no write.
    # Every Indonesian zone is a whole number of hours from UTC, so the UTC hour fixes each office's date.
    hour = utcnow().strftime("%Y-%m-%dT%H")
    key = key_of(view, f"{data_version.current(session)}:{hour}", args, kwargs)
    try:
        found = cache.get(key)
    except Exception:  # Redis down or slow: answer from the database, as before the cache existed
        log.warning("view cache unreachable; computing %s", view, exc_info=True)
        return service(session, *args, **kwargs)
    if found is not None:
        return found
    with _computing(key):
        # Someone may have computed it while this thread waited for the key.
        found = _get(key)
        if found is not None:
            return found
        answer = service(session, *args, **kwargs)
        try:
            cache.set(key, answer)
        except Exception:
            log.warning("view cache unreachable; %s not stored", view, exc_info=True)
    return answer


# Per key being computed: its lock and how many threads hold or wait for it (the entry goes when none do).
_locks: dict[str, list] = {}
_locks_guard = threading.Lock()


class _computing:
    """Held while one thread computes a key; the others asking for it wait, then read what it stored."""

    def __init__(self, key: str):
        self.key = key

    def __enter__(self):
        with _locks_guard:
            entry = _locks.setdefault(self.key, [threading.Lock(), 0])
            entry[1] += 1
        self.entry = entry
        entry[0].acquire()

    def __exit__(self, *exc):
        self.entry[0].release()
        with _locks_guard:
            self.entry[1] -= 1
            if not self.entry[1]:
                _locks.pop(self.key, None)


def _get(key: str) -> Any:
    try:
        return cache.get(key)
    except Exception:
        return None


def clear() -> None:
    """Forget every cached answer of this app (tests). A restore needs none of it: `qcorner db upgrade` gives the
    restored data a new stamp (data_version.renew)."""
    cache.clear()
