"""Writing mapped IQFast rows into our tables: set-based, idempotent, inside the caller's transaction.

One batch of one table goes through these steps, all on one connection and in one transaction:
1. the mapped rows go into a temporary staging table (COPY on PostgreSQL, executemany elsewhere);
2. rows whose parent (an application, a service user…) we do not have are found with one join and set
   aside, with a reason;
3. one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` writes the rest: references are resolved by joining the
   parent tables on their source ids, and a row is only rewritten when something in it changed and the
   source's copy is not older than ours, so re-reading the same rows writes nothing;
4. what depends on the written rows is brought up to date: the derived stage columns of the applications
   whose events changed, and the columns quarantine actions copy from their application.
"""
from __future__ import annotations

import csv
import io
import operator
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import BigInteger
from sqlalchemy import Column as SAColumn
from sqlalchemy import (Connection, Integer, Interval, MetaData, Table, and_, bindparam, delete, func, literal, null,
                        or_, select, text, union_all, update)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable

import models
from models.application import COMPLETING_STAGES
from models.base import utcnow
from portal.i18n import phrase
from portal.iqfast import codes as iqfast_codes
from portal.iqfast.fields import Lookups
from portal.iqfast.mapping import MAPPINGS, TableMapping
from portal.services.companies import matching as company_matching
from portal.services.sync.after_sync import enqueue_notifications
from portal.services.sync.holdings import EVERYTHING, Holdings
from portal.services.targeting import deciding as targeting

ID_CHUNK = 5000  # ids per IN (...) list: well under SQLite's parameter limit
# The tables whose new rows notify service users, and the column saying when each happened.
NOTIFIED_TIMES = {"stage_events": "occurred_at", "quarantine_actions": "action_at"}


def copied_pairs(spec: TableMapping) -> list[tuple[str, str]]:
    """(our column, the application's column) of each column a mapping copies from its application."""
    return [(c, c) if isinstance(c, str) else c for c in spec.copy_from_application]


# target table → the columns its rows copy from their application (several mappings may share a target)
COPIED_FROM_APPLICATION = {spec.target: copied_pairs(spec) for spec in MAPPINGS if spec.copy_from_application}


@dataclass
class WriteResult:
    written: int = 0
    # (position in the batch, reason, parent missing?): rows not written because a parent is missing
    # (it may still come: the caller decides whether to wait for it) or their key repeats in the batch.
    rejected: list[tuple[int, str, bool]] = field(default_factory=list)
    touched_applications: set[int] = field(default_factory=set)


@dataclass
class Written:
    """What one upsert wrote: how many rows, their ids, the applications of the stage events among them and the ids
    of those to notify (at or after the writer's notify_from)."""
    count: int
    ids: list[int]
    applications: set[int]
    notified: list[int]


@dataclass
class Prepared:
    """A batch of one mapping made ready without the database (``prepare``): one row per key, and on PostgreSQL the
    CSV its COPY sends. The run's reader thread prepares the next chunk while PostgreSQL writes the current one."""
    positions: list[int]
    rows: list[tuple]
    duplicates: list[tuple[int, str, bool]]
    encoded: str | None = None


def table(name: str) -> Table:
    return models.Base.metadata.tables[name]


def dedupe(spec: TableMapping, rows: list[tuple]) -> tuple[list[int], list[tuple], list[tuple[int, str, bool]]]:
    """One row per key: the last one wins (rows come oldest first); the others are reported (positions, rows,
    the rejections of the others)."""
    columns = spec.row_columns
    key_at = [columns.index(name) for name in spec.conflict]
    # Keys almost never repeat: check that first, in C (5 ms for 50,000 rows; the loop below takes 45 ms).
    keys = list(map(operator.itemgetter(*key_at), rows))
    if len(set(keys)) == len(rows):
        return list(range(len(rows))), rows, []
    seen: dict[tuple, int] = {}
    rejected = []
    for position, row in enumerate(rows):
        key = tuple(row[i] for i in key_at)
        if key in seen:
            rejected.append((seen[key], phrase("sync.row.duplicate", record="/".join(map(str, key))), False))
        seen[key] = position
    if len(seen) == len(rows):
        return list(range(len(rows))), rows, rejected
    keep = sorted(seen.values())
    return keep, [rows[i] for i in keep], rejected


CSV_SLICE = 2000  # rows per csv call: the encoder holds the GIL while it runs, and the writing thread needs it back


def encode_csv(positions: list[int], rows: list[tuple]) -> str:
    """The rows as PostgreSQL's CSV, each after its position in the batch (written by the csv module, in C).

    In PostgreSQL's CSV format an empty unquoted field is NULL: the mapping already turns empty texts into NULL, so
    nothing is lost. Times go as IQFast's naive text; the upsert places them in WIB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for start in range(0, len(rows), CSV_SLICE):
        writer.writerows([(position, *row) for position, row in
                          zip(positions[start:start + CSV_SLICE], rows[start:start + CSV_SLICE])])
    return buffer.getvalue()


def prepare(spec: TableMapping, rows: list[tuple], dialect: str) -> Prepared:
    """What ``Writer.write`` does to a batch before it needs the database. A service user's company is found by NPWP
    in the database, so their CSV is left to the writer."""
    positions, kept, duplicates = dedupe(spec, rows)
    encoded = encode_csv(positions, kept) if dialect == "postgresql" and spec.target != "service_users" else None
    return Prepared(positions, kept, duplicates, encoded)


class Writer:
    """Writes batches into our database on one connection (the caller owns the transaction)."""

    def __init__(self, connection: Connection, written: dict[str, int] | None = None,
                 timings: dict[str, float] | None = None, reach=None, holds: Holdings = EVERYTHING):
        self.conn = connection
        self.dialect = connection.dialect.name
        self.now = utcnow()
        # Rows written per table over the whole run (shared across batches), to know when to ANALYZE.
        self.written = written if written is not None else {}
        # Seconds spent per step over the run (for the benchmark and slow-run diagnosis).
        self.timings = timings if timings is not None else {}
        # Events before this are written but not notified (a first load's history); None notifies everything.
        self.notify_from: datetime | None = None
        # Told the old completion and 3P action times about to be overwritten (run_log.Reach), when given.
        self.reach = reach
        # The stations whose records the source may write (holdings.py).
        self.holds = holds
        # The tables seen holding a row (_holds_rows).
        self.filled: set[str] = set()

    def _timed(self, step: str, started: float) -> None:
        self.timings[step] = self.timings.get(step, 0.0) + time.perf_counter() - started

    # ------------------------------------------------------------ lookups

    def load_lookups(self) -> Lookups:
        """Sections, offices, commodities and the m_* names, as dicts (a few hundred rows at most)."""
        sections, offices, commodities = table("sections"), table("offices"), table("commodities")
        lookups_table = table("source_lookups")
        lookups = Lookups()
        lookups.sections = dict(self.conn.execute(select(sections.c.code, sections.c.id)).all())
        lookups.offices = dict(self.conn.execute(
            select(lookups_table.c.source_id, offices.c.id)
            .join(offices, offices.c.code == lookups_table.c.code)
            .where(lookups_table.c.source_table == "m_upt")).all())
        for source_id, commodity_id, latin in self.conn.execute(
                select(lookups_table.c.source_id, commodities.c.id, commodities.c.scientific_name)
                .join(commodities, commodities.c.code == lookups_table.c.code)
                .where(lookups_table.c.source_table == "m_komoditas")):
            lookups.commodities[source_id] = commodity_id
            if latin:
                lookups.latin_names[source_id] = latin
        for source_table, source_id, code, name in self.conn.execute(
                select(lookups_table.c.source_table, lookups_table.c.source_id, lookups_table.c.code,
                       lookups_table.c.name)):
            lookups.codes[(source_table, source_id)] = code
            lookups.names_by_id[(source_table, source_id)] = name
            lookups.names_by_code[(source_table, code)] = name
            if source_table == "m_status":  # kode_status is a number in the rows that use it
                try:
                    lookups.names_by_code[(source_table, int(code))] = name
                except ValueError:
                    pass
        return lookups

    # ------------------------------------------------------------ one batch

    def write(self, spec: TableMapping, rows: list[tuple], prepared: Prepared | None = None) -> WriteResult:
        """Upsert mapped rows (``spec.row_columns`` order); returns what was written and what was not.
        ``prepared``: the same rows through ``prepare`` already (elsewhere, e.g. in the reader thread)."""
        result = WriteResult()
        if not rows:
            return result
        started = time.perf_counter()
        if prepared is None:
            positions, rows, duplicates = dedupe(spec, rows)
            encoded = None  # made when staging, on PostgreSQL
        else:
            positions, rows, duplicates, encoded = (prepared.positions, prepared.rows, prepared.duplicates,
                                                   prepared.encoded)
        result.rejected.extend(duplicates)
        moved: list[tuple[int, int, int]] = []
        if spec.target == "service_users" and self.holds.everything:
            rows, moved = self._with_companies(spec, rows)
            encoded = None
        staging = self._stage(spec, positions, rows, encoded)
        self._timed("stage", started)
        started = time.perf_counter()
        self._set_aside_orphans(spec, staging, result)
        if not self.holds.everything and {"office_id", "application_id"} & set(table(spec.target).c.keys()):
            self._set_aside_other_stations(spec, staging, result)  # code lists and stations are everyone's
            if spec.target == "service_users":  # after the refusals: a refused record finds or makes no company
                moved = self._kept_with_companies(spec, staging, positions, rows)
        self._timed("orphans", started)
        started = time.perf_counter()
        # Ids only grow: what the upsert returns above the largest id before it was inserted, not updated.
        newest_before = self._newest_id(spec.target) if spec.target == "applications" else None
        if spec.target == "quarantine_actions" and self.reach is not None:
            self._note_old_action_times(spec, staging)
        if spec.target == "applications" and self.reach is not None:
            self._note_old_companies(spec, staging)
        written = self._upsert(spec, staging)
        result.written = written.count
        self._timed(f"upsert {spec.target}", started)
        started = time.perf_counter()
        self._refresh_statistics(spec.target, result.written)
        self._timed("analyze", started)
        started = time.perf_counter()
        if spec.target == "stage_events":
            result.touched_applications = written.applications
            self.recompute_applications(result.touched_applications)
        elif spec.target == "applications":
            self.copy_to_children(written.ids)
        elif moved:
            company_matching.record_sync_moves(self.conn, moved, set(written.ids))
        self._timed("derived", started)
        if newest_before is not None:
            started = time.perf_counter()
            # New applications wait for their inspection decision, queued with them in this transaction.
            targeting.queue_newer_than(self.conn, newest_before)
            self._timed("targeting", started)
        started = time.perf_counter()
        if spec.target in NOTIFIED_TIMES:
            # The upsert picked the rows at or after notify_from: a first load's old history is left out here,
            # without reading its rows back.
            enqueue_notifications(self.conn, spec.target, written.notified, since=self.notify_from)
        self._timed("notifications", started)
        return result

    def _note_old_action_times(self, spec: TableMapping, staging: Table) -> None:
        """The earliest time of the 3P actions the upsert may rewrite, before it does: a corrected time or kind
        takes the action's count out of its old month (an action moved to another application too)."""
        actions = table(spec.target)
        query = _statement(("old action times", self.dialect, spec.name), lambda: (
            select(func.min(actions.c.action_at))
            .join(staging, staging.c.source_id == actions.c.source_id)
            .where(actions.c.kind == spec.kind)))
        self.reach.note(_aware(self.conn.execute(query).scalar()))

    def _note_old_companies(self, spec: TableMapping, staging: Table) -> None:
        """The service users the upsert is about to take applications away from, before it does."""
        applications, users = table("applications"), table("service_users")
        query = _statement(("old companies", self.dialect, spec.name), lambda: (
            select(applications.c.service_user_id).distinct()
            .join(staging, staging.c.source_id == applications.c.source_id)
            .join(users, users.c.id == applications.c.service_user_id)
            .where(users.c.source_id.is_distinct_from(staging.c.service_user_id))))
        self.reach.companies.update(self.conn.execute(query).scalars())

    def _newest_id(self, target: str) -> int:
        return self.conn.execute(select(func.max(table(target).c.id))).scalar() or 0

    def _with_companies(self, spec: TableMapping, rows: list[tuple]
                        ) -> tuple[list[tuple], list[tuple[int, int, int]]]:
        """The batch's service users with their company filled in by NPWP (a few queries for the whole batch), and
        the records whose changed NPWP moves them to another company."""
        columns = spec.row_columns
        source_at, npwp_at, name_at = columns.index("source_id"), columns.index("tax_id"), columns.index("name")
        company_at = columns.index("company_id")
        companies, moved = company_matching.assign_companies(
            self.conn, [(row[source_at], row[npwp_at], row[name_at]) for row in rows])
        return [row[:company_at] + (company,) + row[company_at + 1:] for row, company in zip(rows, companies)], moved

    def _kept_with_companies(self, spec: TableMapping, staging: Table, positions: list[int], rows: list[tuple]
                             ) -> list[tuple[int, int, int]]:
        """_with_companies for the rows left after the set-asides, staged again with their companies; returns the
        records moved to another company."""
        kept = set(self.conn.execute(select(staging.c.row_no)).scalars())
        pairs = [(position, row) for position, row in zip(positions, rows) if position in kept]
        if not pairs:
            return []
        filled, moved = self._with_companies(spec, [row for _position, row in pairs])
        self._stage(spec, [position for position, _row in pairs], filled)
        return moved

    def _refresh_statistics(self, target: str, written: int) -> None:
        """ANALYZE a table when a run's writes to it pass 10,000, 100,000, 1,000,000… rows.

        A first load fills empty tables whose statistics still say "empty"; the joins of later batches
        would otherwise be planned as if they were, and slow down badly. Steps of ten keep it to a few.
        """
        if self.dialect != "postgresql" or not written:
            return
        before = self.written.get(target, 0)
        after = self.written[target] = before + written
        threshold = 10_000
        while threshold <= before:
            threshold *= 10
        if after >= threshold:
            self.conn.execute(text(f"ANALYZE {target}"))

    # ------------------------------------------------------------ staging

    def _staging_table(self, spec: TableMapping) -> Table:
        """A temporary table shaped like the mapped rows: our column types, parents as source ids."""
        return _staging_table(self.dialect, spec)

    def _stage(self, spec: TableMapping, positions: list[int], rows: list[tuple], encoded: str | None = None) -> Table:
        staging = self._staging_table(spec)
        # Every time, not once per connection: a rolled-back transaction takes a new table with it.
        create = _statement(("create", self.dialect, staging.name), lambda: str(
            CreateTable(staging, if_not_exists=True).compile(dialect=self.conn.dialect)))
        self.conn.exec_driver_sql(create)
        if self.dialect == "postgresql":
            self.conn.execute(delete(staging))
            self._copy(staging, encoded if encoded is not None else encode_csv(positions, rows))
            if len(rows) > 1000:
                # Temporary tables are never analysed automatically: without it the planner guesses badly. Only the
                # columns the joins and the conflict check read (the row count comes with any of them).
                self.conn.execute(text(_statement(("analyze", staging.name), lambda: "ANALYZE {} ({})".format(
                    staging.name, ", ".join(f'"{c}"' for c in dict.fromkeys([*spec.conflict, *spec.refs])
                                            if c in staging.c)))))
        else:
            self.conn.execute(delete(staging))
            names = ["row_no"] + spec.row_columns
            times = [names.index(c) for c in spec.time_columns]
            payload = []
            for position, row in zip(positions, rows):
                values = [position, *row]
                for i in times:
                    values[i] = iqfast_codes.to_utc(values[i])
                payload.append(dict(zip(names, values)))
            self.conn.execute(staging.insert(), payload)
        return staging

    def _copy(self, staging: Table, encoded: str) -> None:
        """COPY the batch's CSV (encode_csv) into the staging table."""
        columns = ", ".join(f'"{c.name}"' for c in staging.columns)
        cursor = self.conn.connection.driver_connection.cursor()
        try:
            cursor.copy_expert(f"COPY {staging.name} ({columns}) FROM STDIN WITH (FORMAT csv)", io.StringIO(encoded))
        finally:
            cursor.close()

    # ------------------------------------------------------------ references

    def _set_aside_orphans(self, spec: TableMapping, staging: Table, result: WriteResult) -> None:
        """Rows pointing at a parent we do not hold are removed from the batch, each with its reason."""
        orphans: dict[int, str] = {}
        for column_name, ref in spec.refs.items():
            parent = table(ref.parent)
            query = _statement(("orphans", self.dialect, spec.name, column_name), lambda: (
                select(staging.c.row_no, staging.c[column_name])
                .outerjoin(parent, parent.c.source_id == staging.c[column_name])
                .where(staging.c[column_name].is_not(None), parent.c.id.is_(None))))
            found = self.conn.execute(query).all()
            for row_no, source_id in found:
                orphans.setdefault(row_no, phrase(f"sync.row.missing_parent.{ref.parent}", source_id=source_id,
                                                  column=ref.column))
        if orphans:
            numbers = sorted(orphans)
            for start in range(0, len(numbers), ID_CHUNK):
                self.conn.execute(delete(staging).where(staging.c.row_no.in_(numbers[start:start + ID_CHUNK])))
            result.rejected.extend((row_no, reason, True) for row_no, reason in orphans.items())

    def _set_aside_other_stations(self, spec: TableMapping, staging: Table, result: WriteResult) -> None:
        """Rows of a station another source holds are removed from the batch, each with its reason (holdings.py):
        a row of such a station (its own, or its application's), or one whose IQFast id is a record of one."""
        statement = _statement(("other stations", self.dialect, spec.name, self.holds),
                               lambda: self._other_stations(spec, staging))
        refused: dict[int, str] = {}
        for row_no, source_id, code, taken in self.conn.execute(statement):
            refused.setdefault(row_no, phrase("sync.row.id_taken_by_station" if taken else "sync.row.other_station",
                                              source_id=source_id, code=code))
        if refused:
            numbers = sorted(refused)
            for start in range(0, len(numbers), ID_CHUNK):
                self.conn.execute(delete(staging).where(staging.c.row_no.in_(numbers[start:start + ID_CHUNK])))
            result.rejected.extend((row_no, reason, False) for row_no, reason in refused.items())

    def _other_stations(self, spec: TableMapping, staging: Table):
        """(row_no, source id, station code, whether an existing record is taken) of the rows to refuse."""
        target, offices, applications = table(spec.target), table("offices"), table("applications")
        queries = []
        if "office_id" in staging.c:  # the row's own station
            queries.append(select(staging.c.row_no, staging.c.source_id, offices.c.code, literal(0).label("taken"))
                           .join(offices, offices.c.id == staging.c.office_id)
                           .where(self.holds.outside(staging.c.office_id)))
        for column_name, ref in spec.refs.items():  # the station of the application, company or handler it names
            parent = table(ref.parent).alias(f"holder_{column_name}")
            if "office_id" in parent.c:
                queries.append(select(staging.c.row_no, staging.c.source_id, offices.c.code, literal(0).label("taken"))
                               .join(parent, parent.c.source_id == staging.c[column_name])
                               .join(offices, offices.c.id == parent.c.office_id)
                               .where(self.holds.outside(parent.c.office_id)))
        same = [target.c.source_id == staging.c.source_id] + ([target.c.kind == spec.kind] if spec.kind else [])
        existing = select(staging.c.row_no, staging.c.source_id, offices.c.code, literal(1).label("taken")).join(
            target, and_(*same))
        if "office_id" in target.c:
            existing = existing.join(offices, offices.c.id == target.c.office_id).where(
                self.holds.outside(target.c.office_id))
        else:
            holder = applications.alias("holder_existing")
            existing = (existing.join(holder, holder.c.id == target.c.application_id)
                        .join(offices, offices.c.id == holder.c.office_id)
                        .where(self.holds.outside(holder.c.office_id)))
        queries.append(existing)
        return union_all(*queries)

    # ------------------------------------------------------------ the upsert

    def _upsert(self, spec: TableMapping, staging: Table) -> Written:
        statement = _statement(("upsert", self.dialect, spec.name), lambda: self._build_upsert(spec, staging))
        parameters = {"synced_now": self.now}
        if self.dialect == "postgresql":
            parameters["notify_from"] = self.notify_from
            count, ids, applications, notified = self.conn.execute(statement, parameters).one()
            return Written(count, ids or [], set(applications or ()), notified or [])
        rows = self.conn.execute(statement, parameters).all()
        since = self.notify_from
        # The time each row happened is the last column returned (tables whose rows notify).
        notified = ([row[0] for row in rows if since is None or (row[-1] is not None and _aware(row[-1]) >= since)]
                    if spec.target in NOTIFIED_TIMES else [])
        applications = {row[1] for row in rows} if spec.target == "stage_events" else set()
        return Written(len(rows), [row[0] for row in rows], applications, notified)

    def _build_upsert(self, spec: TableMapping, staging: Table):
        target = table(spec.target)
        names, values = [], []
        source = staging
        offset = iqfast_codes.SOURCE_UTC_OFFSET
        for column_name in spec.columns:
            names.append(column_name)
            if self.dialect == "postgresql" and column_name in spec.time_columns:
                # timestamp AT TIME ZONE interval: the wall-clock time at that offset, as an instant.
                values.append(func.timezone(literal(offset, Interval()), staging.c[column_name]))
            else:
                values.append(staging.c[column_name])
        for column_name, ref in spec.refs.items():
            parent = table(ref.parent).alias(f"p_{column_name}")
            condition = parent.c.source_id == staging.c[column_name]
            source = source.join(parent, condition) if ref.required else source.outerjoin(parent, condition)
            names.append(column_name)
            values.append(parent.c.id)
            if column_name == "application_id" and spec.copy_from_application:
                for ours, theirs in copied_pairs(spec):
                    names.append(ours)
                    values.append(parent.c[theirs])
        if "synced_at" in target.c:
            names.append("synced_at")
            values.append(bindparam("synced_now", type_=target.c.synced_at.type))
        if "deleted_at" in target.c:
            names.append("deleted_at")
            values.append(null())
        # "WHERE row_no >= 0": SQLite needs a WHERE before ON CONFLICT when the SELECT has a join.
        query = select(*values).select_from(source).where(staging.c.row_no >= 0)
        insert = (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(target)
        statement = insert.from_select(names, query)
        excluded = statement.excluded
        kept = set(spec.conflict) | ({"synced_at"} if "synced_at" in target.c else set())
        updated = [n for n in names if n not in kept] if spec.update is None else list(spec.update)
        changed = [target.c[n].is_distinct_from(excluded[n]) for n in updated if n != "deleted_at"]
        if "deleted_at" in target.c:
            changed.append(target.c.deleted_at.is_not(None))
        condition = or_(*changed)
        if "source_updated_at" in spec.columns:
            # An older copy (a stale export file, an overlap re-read) never overwrites a newer one.
            condition = and_(condition, or_(target.c.source_updated_at.is_(None),
                                            excluded.source_updated_at >= target.c.source_updated_at))
        set_ = {n: excluded[n] for n in updated}
        if "synced_at" in target.c:
            set_["synced_at"] = excluded.synced_at
        statement = statement.on_conflict_do_update(index_elements=list(spec.conflict), set_=set_, where=condition)
        returning = list(target.primary_key.columns)
        if spec.target == "stage_events":
            returning.append(target.c.application_id)
        if spec.target in NOTIFIED_TIMES:
            returning.append(target.c[NOTIFIED_TIMES[spec.target]])
        statement = statement.returning(*returning)
        if self.dialect != "postgresql":
            return statement
        # PostgreSQL sums the returned rows up in one row of arrays: a first load's batch returned 50,000 rows, each
        # made a Python row with its time converted, to keep a set of application ids and the few recent events.
        rows = statement.cte("written")
        key = rows.c[returning[0].name]  # the primary key (ids: the parents' copy and the moves read them)
        no_ids = literal([], postgresql.ARRAY(BigInteger))
        applications = (func.array_agg(rows.c.application_id.distinct()) if spec.target == "stage_events" else no_ids)
        if spec.target in NOTIFIED_TIMES:
            since = bindparam("notify_from", type_=target.c[NOTIFIED_TIMES[spec.target]].type)
            moment = rows.c[NOTIFIED_TIMES[spec.target]]
            notified = func.array_agg(key).filter(or_(since.is_(None), moment >= since))
        else:
            notified = no_ids
        return select(func.count(), func.array_agg(key), applications, notified).select_from(rows)

    # ------------------------------------------------------------ what depends on written rows

    def recompute_applications(self, application_ids: Iterable[int]) -> None:
        """current_stage/_at, completed_at and completion_stage from the application's live stage events.

        Set-based (one window query per few thousand applications), so it does not depend on the planner
        choosing an index per application, which a freshly loaded table has no statistics for.
        """
        ids = sorted(application_ids)
        if not ids:
            return
        if self.reach is not None:
            # The completion times about to be recomputed: a corrected or deleted event can take an application's
            # completion out of an old month. (The unchanged ones are among the changed applications' own times.)
            applications = table("applications")
            for start in range(0, len(ids), ID_CHUNK):
                self.reach.note(_aware(self.conn.execute(
                    select(func.min(applications.c.completed_at))
                    .where(applications.c.id.in_(ids[start:start + ID_CHUNK]))).scalar()))
        if self.dialect == "postgresql":
            # Two index probes per application (ix_stage_events_application_time), a third faster
            # than the window query below on a year of events.
            for start in range(0, len(ids), ID_CHUNK):
                self.conn.execute(_RECOMPUTE_PG, {"ids": ids[start:start + ID_CHUNK],
                                                  "completing": list(COMPLETING_STAGES)})
            return
        applications, events = table("applications"), table("stage_events")
        for start in range(0, len(ids), ID_CHUNK):
            part = ids[start:start + ID_CHUNK]
            live = select(events.c.application_id, events.c.stage, events.c.occurred_at,
                          func.row_number().over(partition_by=events.c.application_id,
                                                 order_by=(events.c.occurred_at.desc(), events.c.source_id.desc())
                                                 ).label("newest"),
                          func.row_number().over(partition_by=events.c.application_id,
                                                 order_by=(events.c.stage.in_(COMPLETING_STAGES).desc(),
                                                           events.c.occurred_at, events.c.source_id)).label("first_done"),
                          ).where(events.c.application_id.in_(part), events.c.deleted_at.is_(None)).subquery("live")
            current = select(live).where(live.c.newest == 1).subquery("current")
            done = select(live).where(live.c.first_done == 1, live.c.stage.in_(COMPLETING_STAGES)).subquery("done")
            wanted = (select(applications.c.id.label("application_id"), current.c.stage.label("current_stage"),
                             current.c.occurred_at.label("current_stage_at"), done.c.stage.label("completion_stage"),
                             done.c.occurred_at.label("completed_at"))
                      .select_from(applications.outerjoin(current, current.c.application_id == applications.c.id)
                                   .outerjoin(done, done.c.application_id == applications.c.id))
                      .where(applications.c.id.in_(part)).subquery("wanted"))
            derived = ("current_stage", "current_stage_at", "completion_stage", "completed_at")
            self.conn.execute(
                update(applications)
                .where(applications.c.id == wanted.c.application_id,
                       or_(*[applications.c[n].is_distinct_from(wanted.c[n]) for n in derived]))
                .values({n: wanted.c[n] for n in derived}))

    def copy_to_children(self, application_ids: Iterable[int]) -> None:
        """The rows that copy columns of their application (quarantine actions: service user, office, section;
        commodity lines: service user, submission time, deletion): keep them equal when the application changes."""
        ids = sorted(application_ids)
        applications = table("applications")
        for target, pairs in COPIED_FROM_APPLICATION.items():
            children = table(target)
            if not self._holds_rows(target):
                continue  # a first load writes the applications before their children: 1.2 s of joins over nothing
            for start in range(0, len(ids), ID_CHUNK):
                self.conn.execute(
                    update(children)
                    .where(children.c.application_id == applications.c.id,
                           applications.c.id.in_(ids[start:start + ID_CHUNK]),
                           or_(*[children.c[ours].is_distinct_from(applications.c[theirs]) for ours, theirs in pairs]))
                    .values({ours: applications.c[theirs] for ours, theirs in pairs}))

    def _holds_rows(self, target: str) -> bool:
        """Whether the table holds a row (once it does, it always will for this writer: rows are never removed)."""
        if target not in self.filled:
            if self.conn.execute(select(literal(1)).select_from(table(target)).limit(1)).first() is None:
                return False
            self.filled.add(target)
        return True

    # ------------------------------------------------------------ reconciliation

    def mark_deleted(self, spec: TableMapping, source_ids: list[int]) -> int:
        """Mark records the source no longer has: they stop counting but stay for the record."""
        target = table(spec.target)
        marked, touched, gone = 0, set(), set()
        for start in range(0, len(source_ids), ID_CHUNK):
            condition = [target.c.source_id.in_(source_ids[start:start + ID_CHUNK]), target.c.deleted_at.is_(None)]
            if spec.kind:
                condition.append(target.c.kind == spec.kind)
            returning = [target.c.id] + ([target.c.application_id] if spec.target == "stage_events" else [])
            # Stamped as written, so the after-sync refresh sees what stopped counting (changed_applications).
            stamp = {"synced_at": self.now} if "synced_at" in target.c else {}
            rows = self.conn.execute(update(target).where(*condition).values(deleted_at=self.now, **stamp)
                                     .returning(*returning)).all()
            marked += len(rows)
            touched.update(row[1] for row in rows if len(row) > 1)
            if spec.target == "applications":
                gone.update(row[0] for row in rows)
        self.recompute_applications(touched)
        self.copy_to_children(gone)  # their lines' copied deletion: out of the targeting history
        return marked

    def our_keys(self, spec: TableMapping, holds: Holdings = EVERYTHING) -> tuple[set[int], set[int]]:
        """(live source ids, deleted source ids) we hold for a mapping's target, of the stations the source holds."""
        target = table(spec.target)
        query = select(target.c.source_id, target.c.deleted_at.is_not(None))
        if spec.kind:
            query = query.where(target.c.kind == spec.kind)
        if not holds.everything:
            if "office_id" in target.c:
                query = query.where(holds.within(target.c.office_id))
            else:
                applications = table("applications")
                query = query.join(applications, applications.c.id == target.c.application_id).where(
                    holds.within(applications.c.office_id))
        live, deleted = set(), set()
        for source_id, is_deleted in self.conn.execute(query):
            (deleted if is_deleted else live).add(source_id)
        return live, deleted


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite returns our UTC times naive."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


_RECOMPUTE_PG = text("""
UPDATE applications a
SET current_stage = w.current_stage, current_stage_at = w.current_stage_at,
    completion_stage = w.completion_stage, completed_at = w.completed_at
FROM (SELECT t.id, cur.stage AS current_stage, cur.occurred_at AS current_stage_at,
             done.stage AS completion_stage, done.occurred_at AS completed_at
      FROM unnest(CAST(:ids AS bigint[])) AS t(id)
      LEFT JOIN LATERAL (SELECT e.stage, e.occurred_at FROM stage_events e
                         WHERE e.application_id = t.id AND e.deleted_at IS NULL
                         ORDER BY e.occurred_at DESC, e.source_id DESC LIMIT 1) cur ON true
      LEFT JOIN LATERAL (SELECT e.stage, e.occurred_at FROM stage_events e
                         WHERE e.application_id = t.id AND e.deleted_at IS NULL
                           AND e.stage = ANY(CAST(:completing AS varchar[]))
                         ORDER BY e.occurred_at, e.source_id LIMIT 1) done ON true) w
WHERE a.id = w.id
  AND (a.current_stage, a.current_stage_at, a.completion_stage, a.completed_at)
      IS DISTINCT FROM (w.current_stage, w.current_stage_at, w.completion_stage, w.completed_at)
""")

# Statements are built once per backend and mapping and reused, so SQLAlchemy's compiled cache serves
# them: building and compiling them again for every batch costs more than a small batch's writes.
_STAGING: dict[tuple[str, str], Table] = {}
_STATEMENTS: dict[tuple, Any] = {}


def _staging_table(dialect: str, spec: TableMapping) -> Table:
    name = f"stg_{spec.source}_{spec.target}"[:60]
    if (dialect, name) not in _STAGING:
        target = table(spec.target)
        columns = [SAColumn("row_no", Integer)]
        for column_name in spec.columns:
            kind = target.c[column_name].type
            if column_name in spec.time_columns and dialect == "postgresql":
                kind = postgresql.TIMESTAMP(timezone=False)  # IQFast's wall-clock time; the upsert converts it
            columns.append(SAColumn(column_name, kind))
        columns += [SAColumn(ref, BigInteger) for ref in spec.refs]
        # PostgreSQL empties it at every commit; DELETE clears it between batches of one transaction
        # (a TRUNCATE per batch would cost a new file each time, which adds up over a small run).
        _STAGING[(dialect, name)] = Table(name, MetaData(), *columns, prefixes=["TEMPORARY"],
                                          postgresql_on_commit="DELETE ROWS")
    return _STAGING[(dialect, name)]


def _statement(key: tuple, build: Callable[[], Any]):
    if key not in _STATEMENTS:
        _STATEMENTS[key] = build()
    return _STATEMENTS[key]


def save_cursor(connection: Connection, source_table: str, updated_at: datetime, last_id: int) -> None:
    """The cursor of one source table, written in the batch's own transaction."""
    cursors = table("sync_cursors")
    values = {"source_table": source_table, "updated_at": updated_at.isoformat(sep=" "), "last_id": last_id,
              "saved_at": utcnow()}
    insert = (postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert)(cursors)
    connection.execute(insert.values(**values).on_conflict_do_update(
        index_elements=["source_table"], set_={k: v for k, v in values.items() if k != "source_table"}))


def load_cursors(connection: Connection) -> dict[str, tuple[datetime, int]]:
    cursors = table("sync_cursors")
    return {name: (datetime.fromisoformat(updated), last_id)
            for name, updated, last_id in connection.execute(
                select(cursors.c.source_table, cursors.c.updated_at, cursors.c.last_id)) if updated}
