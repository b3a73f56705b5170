"""A first load's foreign keys, set aside while it fills its empty tables and put back once it has.

Why: PostgreSQL checks every row written into a table with a foreign key against its parent, one index probe and a
row lock on the parent per row. For a station-year's 877,565 stage events that check was about half of a plain COPY's
time (12–13 s with the key, 6.9 s without it; adding the key back validates all of them in one join, 0.2 s). The
sync never needs it: its upserts join every row to its parent and set aside the rows without one (store.py), and the
after-sync writes a row per application it has just read, so the check finds nothing to refuse.

Only on PostgreSQL, only for a first load (run_sync's "first_load"), and only for the tables it fills that are still
empty: no page has anything to read there yet, and a station joining a portal that already holds others keeps its
keys. They are back before the run says success (after the after-sync, runs._recorded_run). The indexes stay: an index
built over rows the load has just updated may be unusable to older snapshots (docs/performance.md, "Secondary indexes
built after a first load").

The definitions are written to ``sync_set_aside`` in the transaction that drops the keys, and each is removed in the
one that adds its key back, so a run stopped in between (a killed process) leaves them for the next run, which puts
them back before it reads or writes anything (runs.py).
"""
from __future__ import annotations

import logging

from sqlalchemy import delete, insert, inspect, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from models import SyncSetAside
from portal.iqfast import mapping

log = logging.getLogger(__name__)

# Dropping a key locks its table and the parent's (e.g. offices) exclusively for a moment; a page's transaction holding
# one longer than this means the load goes on with its keys rather than keep every page waiting behind the lock.
LOCK_WAIT = "5s"
LOCK_NOT_AVAILABLE = "55P03"
FOREIGN_KEY_VIOLATION = "23503"
# What the after-sync writes a row per application into (a first load: every application at once).
AFTER_SYNC_TABLES = ("kpi_application_times", "targeting_decisions")

_ASIDE = SyncSetAside.__table__


def first_load_tables() -> tuple[str, ...]:
    """The tables a first load fills: those the sync writes IQFast's records into (the code lists left out: small, and
    read by every page) and the after-sync's per application."""
    return tuple(dict.fromkeys([*(spec.target for source_table in mapping.SOURCE_TABLES
                                  if source_table not in mapping.LOOKUP_TABLES
                                  for spec in mapping.mappings_for(source_table)), *AFTER_SYNC_TABLES]))


def empty_tables(connection: Connection, tables: tuple[str, ...]) -> list[str]:
    """Those of ``tables`` that hold no row."""
    return [name for name in tables
            if not connection.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{name}")')).scalar()]


def set_aside(connection: Connection, tables: tuple[str, ...] | None = None) -> list[str]:
    """Drop the foreign keys of those of ``tables`` (first_load_tables by default) that hold no row, recording them, in
    one committed transaction; returns their names. Nothing on SQLite, or when a lock is not had in LOCK_WAIT.
    Call with no transaction open."""
    if connection.dialect.name != "postgresql":
        return []
    tables = first_load_tables() if tables is None else tables
    try:
        with connection.begin():
            connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
            empty = empty_tables(connection, tables)
            keys = connection.execute(text(
                "SELECT c.conname, r.relname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "JOIN pg_class r ON r.oid = c.conrelid "
                "WHERE c.contype = 'f' AND r.relnamespace = 'public'::regnamespace AND r.relname = ANY(:tables) "
                "ORDER BY r.relname, c.conname"), {"tables": empty}).all() if empty else []
            for name, table_name, definition in keys:
                connection.execute(text(f'ALTER TABLE "{table_name}" DROP CONSTRAINT "{name}"'))
            if keys:
                connection.execute(insert(_ASIDE), [{"name": name, "table_name": table_name, "definition": definition}
                                                    for name, table_name, definition in keys])
    except DBAPIError as error:
        if getattr(error.orig, "pgcode", None) != LOCK_NOT_AVAILABLE:
            raise
        log.warning("first load: a table stayed locked for %s, its foreign keys stay in place", LOCK_WAIT)
        return []
    return [name for name, _table_name, _definition in keys]


def put_back(connection: Connection) -> list[str]:
    """Add back each key ``set_aside`` recorded, validated, in a transaction of its own that removes its record; returns
    the names put back. A key whose rows no longer all have their parent is put back in force for new rows only (NOT
    VALID) and logged, rather than fail every run from then on; a key found in place already (added by hand) just loses
    its record. Any other failure (a lock not had in LOCK_WAIT, a lost connection) leaves the key and its record as they
    were for the next run: logged after a lock wait, raised otherwise. Call with no transaction open."""
    if connection.dialect.name != "postgresql":
        return []
    with connection.begin():
        names = list(connection.execute(select(_ASIDE.c.name).order_by(_ASIDE.c.table_name, _ASIDE.c.name)).scalars())
    back = []
    for name in names:
        try:
            with connection.begin():
                if _put_back_one(connection, name):
                    back.append(name)
        except DBAPIError as error:
            if getattr(error.orig, "pgcode", None) != LOCK_NOT_AVAILABLE:
                raise
            log.warning("foreign key %s stays set aside: a table stayed locked for %s; the next run puts it back",
                        name, LOCK_WAIT)
    return back


def _put_back_one(connection: Connection, name: str) -> bool:
    """One recorded key back (in the caller's transaction); False when another process took its record first."""
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
    record = connection.execute(select(_ASIDE.c.table_name, _ASIDE.c.definition).where(_ASIDE.c.name == name)
                                .with_for_update(skip_locked=True)).first()
    if record is None:
        return False
    table_name, definition = record
    present = connection.execute(text(
        "SELECT 1 FROM pg_constraint WHERE conname = :name AND conrelid = CAST(:table_name AS regclass)"),
        {"name": name, "table_name": f'"{table_name}"'}).first()
    if present is None:
        unchecked = definition if definition.endswith("NOT VALID") else f"{definition} NOT VALID"
        connection.execute(text(f'ALTER TABLE "{table_name}" ADD CONSTRAINT "{name}" {unchecked}'))
        if not definition.endswith("NOT VALID"):  # else it was not validated before it was set aside either
            try:
                with connection.begin_nested():
                    connection.execute(text(f'ALTER TABLE "{table_name}" VALIDATE CONSTRAINT "{name}"'))
            except DBAPIError as error:
                if getattr(error.orig, "pgcode", None) != FOREIGN_KEY_VIOLATION:
                    raise
                log.error("foreign key %s on %s put back for new rows only: some of its rows lack their parent "
                          "(VALIDATE CONSTRAINT once they are mended)", name, table_name)
    connection.execute(delete(_ASIDE).where(_ASIDE.c.name == name))
    return True


def put_back_before_migrating(engine: Engine) -> list[str]:
    """Before a migration: the keys a stopped first load left aside, put back (put_back); returns the names of those
    still aside (a table locked past LOCK_WAIT), over which no migration may run. A migration is written against the
    schema with every key in place: one that changed such a key would fail half-way, and the next sync would put back
    a definition the migration had replaced. Nothing on SQLite, or on a database not yet migrated as far as
    ``sync_set_aside``."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as connection:
        if not inspect(connection).has_table(_ASIDE.name):
            return []
        connection.rollback()  # the inspection's transaction: put_back opens its own
        back = put_back(connection)
        if back:
            log.info("before migrating: foreign keys a stopped first load had set aside put back: %s", ", ".join(back))
        with connection.begin():
            return list(connection.execute(select(_ASIDE.c.name).order_by(_ASIDE.c.name)).scalars())
