"""Bookkeeping of the copy from the certification system: runs, cursors, and requests to run now."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JSONType, UTCDateTime, utcnow


class SyncRun(Base):
    """One pass of the sync: when, how it ended, what it read and wrote, where its cursor stood."""

    __tablename__ = "sync_runs"
    # Every page's sync warning and the KPI panel ask when the last successful run finished: by this index it is
    # one entry, not all of a year's ≈ 105,000 runs (3.5 ms of PostgreSQL CPU a page at 30 days, 12 × that at a
    # year). It serves the look-ups by status alone too.
    __table_args__ = (Index("ix_sync_runs_status_finished", "status", "finished_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="incremental")  # first_load, incremental, export, reconcile
    source: Mapped[str] = mapped_column(String(200), default="")          # the source, without credentials
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running, success, failed
    rows_read: Mapped[Any] = mapped_column(JSONType, default=dict)
    rows_written: Mapped[Any] = mapped_column(JSONType, default=dict)
    cursor: Mapped[Any] = mapped_column(JSONType, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    triggered_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class SyncCursor(Base):
    """How far each source table has been read: (update time, id), saved with its batch."""

    __tablename__ = "sync_cursors"

    source_table: Mapped[str] = mapped_column(String(64), primary_key=True)
    updated_at: Mapped[str] = mapped_column(String(32), default="")  # the source's own (naive, local) time
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncSetAside(Base):
    """A foreign key a first load took off one of its empty tables while it wrote them, kept here until it is back
    (portal/services/sync/set_aside.py): a run stopped in between leaves it for the next run to put back."""

    __tablename__ = "sync_set_aside"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)  # the constraint's own name
    table_name: Mapped[str] = mapped_column(String(64))
    definition: Mapped[str] = mapped_column(Text)  # as PostgreSQL wrote it (pg_get_constraintdef)
    set_aside_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncRequest(Base):
    """'Sync now' from the admin page: the web worker only asks; the scheduler process runs it."""

    __tablename__ = "sync_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    picked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id"), nullable=True)


class SourceLookup(Base):
    """A row of one of the certification system's small code lists (m_upt, m_negara, m_pelabuhan, m_status…).

    Kept so a reference by id or code (a port id, a country code, an office id) can be resolved even when a
    file export carries only one table; offices and commodities are also written to their own tables.
    """

    __tablename__ = "source_lookups"

    source_table: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
