"""What every job is called with: the scheduler process's settings, database, scheduler and bookkeeping.

Its own module, below both the registry and the jobs, so a job can name it without importing the list of jobs.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

from apscheduler.schedulers.blocking import BlockingScheduler

from jobs.locks import ProcessLock
from portal.db import Database
from portal.settings import Settings


@dataclass
class JobContext:
    """What every job gets: settings, the database, the scheduler itself, and this process's name."""

    settings: Settings
    database: Database
    scheduler: BlockingScheduler
    name: str
    interval: timedelta
    lock: ProcessLock | None = None
    sync_guard: threading.Lock = field(default_factory=threading.Lock)
    failures: int = 0
    exit_code: int = 0
    # The steps to run after each successful sync (the registry's AFTER_SYNC list itself, so a step added
    # later is seen too).
    after_sync: list[Callable[["JobContext", dict], None]] = field(default_factory=list)
