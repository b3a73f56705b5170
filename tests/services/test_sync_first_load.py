"""A first load into empty tables: every index the migrations made is there (and usable) after it, also when it fails
midway, and what it and the next run write is the source row for row, counted right."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from iqfast_sim.simulator import tick
from models import Handler, Office
from portal.iqfast import mapping
from portal.services.kpi import rollup as kpi_rollup
from portal.services.sync import after_sync, runs as sync
from portal.services.sync.store import Writer
from support.sync_helpers import (checksums, copied_simulator, derived_stages, expected_stages, iqfast_rows,
                                  our_rows, small_simulator)

SYNCED_TABLES = ("applications", "application_commodities", "stage_events", "bills", "certificates",
                 "quarantine_actions", "service_users", "handlers")


@pytest.fixture(scope="module")
def simulator_template(tmp_path_factory):
    """Three days of one station (seed 11), built once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("sim") / "template.db"
    small_simulator(f"sqlite:///{path}", days=3, seed=11)
    return path


@pytest.fixture
def simulator(simulator_template, tmp_path):
    return copied_simulator(simulator_template, tmp_path)


def indexes(database) -> set[tuple]:
    """Each index of the synced tables as the catalogue has it, with whether queries may use it (valid, and not held
    back for older snapshots: indcheckxmin is set by CREATE INDEX over recently updated rows)."""
    with database.engine.connect() as c:
        return set(c.execute(text(
            "SELECT i.tablename, i.indexname, i.indexdef, x.indisvalid, x.indcheckxmin FROM pg_indexes i "
            "JOIN pg_class r ON r.relname = i.indexname AND r.relnamespace = 'public'::regnamespace "
            "JOIN pg_index x ON x.indexrelid = r.oid "
            "WHERE i.schemaname = 'public' AND i.tablename = ANY(:tables)"), {"tables": list(SYNCED_TABLES)}).all())


def counts(database) -> dict[str, int]:
    with database.engine.connect() as c:
        return {name: c.execute(text(f"SELECT count(*) FROM {name}")).scalar() for name in SYNCED_TABLES}


@pytest.mark.postgresql_only
def test_a_first_load_leaves_every_index_of_the_migrations_in_place_and_usable(database, simulator):
    before = indexes(database)
    assert before and all(valid and not check_xmin for *_, valid, check_xmin in before)
    assert sync.run_sync(database, simulator, chunk_size=500)["status"] == "success"
    assert indexes(database) == before


@pytest.mark.postgresql_only
def test_a_first_load_that_fails_midway_leaves_every_index_in_place(database, simulator, monkeypatch):
    before = indexes(database)

    class Killed(Exception):
        pass

    def stop(point, table, batch):
        if point == "in_batch" and table == "riwayat_ptk" and batch == 1:
            raise Killed("stopped inside the second batch of stage events")

    monkeypatch.setattr(sync, "_checkpoint", stop)
    with pytest.raises(Killed):
        sync.run_sync(database, simulator, chunk_size=500)
    assert counts(database)["stage_events"] > 0  # committed batches stay: the run stopped midway
    assert indexes(database) == before


def test_a_first_load_then_an_incremental_run_copy_the_source_and_count_what_they_wrote(database, simulator):
    first = sync.run_sync(database, simulator, chunk_size=500)
    assert first["status"] == "success", first["error"]
    assert first["kind"] == "first_load"  # the sync page says "Pemuatan awal", not a routine run
    loaded = counts(database)
    # Every row of an empty table is written once, and counted once (the upsert's returned rows summed up).
    assert {name: first["rows_written"].get(name, 0) for name in SYNCED_TABLES} == loaded
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))
    assert derived_stages(database) == expected_stages(simulator)

    changes = tick(simulator, 240)
    assert changes["inserted"].get("riwayat_ptk")
    later = sync.run_sync(database, simulator, chunk_size=500)
    assert later["status"] == "success", later["error"]
    assert later["kind"] == "incremental"
    assert later["events_written"] >= changes["inserted"]["riwayat_ptk"]
    assert counts(database)["stage_events"] - loaded["stage_events"] == changes["inserted"]["riwayat_ptk"] - sum(
        changes["deleted"].values())
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))
    assert derived_stages(database) == expected_stages(simulator)
    assert sum(sync.run_sync(database, simulator)["rows_written"].values()) == 0  # the overlap again: nothing new


def test_a_batch_repeating_a_key_writes_its_last_row_and_reports_the_first(database):
    spec = next(m for m in mapping.MAPPINGS if m.target == "handlers")
    columns = spec.row_columns
    with database.session() as session:
        office = session.scalar(select(Office.id).limit(1))

    def row(name: str) -> tuple:
        values = dict.fromkeys(columns)
        values.update(source_id=7, office_id=office, name=name)
        return tuple(values[c] for c in columns)

    with database.engine.begin() as connection:
        result = Writer(connection).write(spec, [row("PT Lama"), row("PT Baru")])
    assert result.written == 1
    assert [(position, orphan) for position, _reason, orphan in result.rejected] == [(0, False)]
    with database.session() as session:
        assert session.scalars(select(Handler.name).where(Handler.source_id == 7)).all() == ["PT Baru"]
        assert session.scalar(select(func.count(Handler.id))) == 1


def lanes_of_a_run(monkeypatch) -> dict[str, str]:
    """Source table → the thread that synced it, recorded over the runs that follow."""
    lanes: dict[str, str] = {}
    sync_table = sync._sync_table

    def recorded(database, source, source_table, *args, **kwargs):
        lanes[source_table] = threading.current_thread().name
        return sync_table(database, source, source_table, *args, **kwargs)

    monkeypatch.setattr(sync, "_sync_table", recorded)
    return lanes


def test_a_first_load_writes_lines_bills_and_certificates_beside_the_stage_events_and_the_copy_agrees(
        database, simulator, monkeypatch):
    # PostgreSQL's second backend takes the applications' other children while the run's connection writes the stage
    # events; every count of the run is the sum of both lanes'. SQLite has one writer: everything on the run's own.
    lanes = lanes_of_a_run(monkeypatch)
    first = sync.run_sync(database, simulator, chunk_size=500)
    assert first["status"] == "success", first["error"]
    beside = {table for table, thread in lanes.items() if thread == "sync-second-lane"}
    assert beside == ({"ptk_komoditas", "billing", "sertifikat"} if database.engine.dialect.name == "postgresql"
                      else set())
    assert lanes["riwayat_ptk"] == lanes["ptk"] == threading.main_thread().name
    assert {name: first["rows_written"].get(name, 0) for name in SYNCED_TABLES} == counts(database)
    assert first["rows_read"]["sertifikat"] == len(iqfast_rows(simulator)["certificates"])
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))
    assert derived_stages(database) == expected_stages(simulator)
    with database.engine.connect() as c:
        cursors = set(c.execute(text("SELECT source_table FROM sync_cursors")).scalars())
    assert {"ptk_komoditas", "billing", "sertifikat", "riwayat_ptk"} <= cursors

    lanes.clear()
    tick(simulator, 240)
    later = sync.run_sync(database, simulator, chunk_size=500)  # an incremental run: one connection, one transaction
    assert later["status"] == "success", later["error"]
    assert set(lanes.values()) == {threading.main_thread().name}


@pytest.mark.postgresql_only
@pytest.mark.parametrize("table", ["billing", "riwayat_ptk"])
def test_a_first_load_failing_in_either_lane_fails_the_run_and_the_next_run_completes_the_copy(
        database, simulator, monkeypatch, table):
    # A failure in one lane stops the other at its next chunk; each table's committed chunks carry their cursor, so
    # the next run resumes where each lane stopped and the copy equals a clean one.
    class Killed(Exception):
        pass

    def stop(point, source_table, batch):
        if point == "in_batch" and source_table == table and batch == 1:
            raise Killed(f"stopped inside the second batch of {source_table}")

    monkeypatch.setattr(sync, "_checkpoint", stop)
    with pytest.raises(Killed):
        sync.run_sync(database, simulator, chunk_size=200)
    with database.engine.connect() as c:
        run = c.execute(text("SELECT status, error FROM sync_runs ORDER BY id DESC LIMIT 1")).one()
        written = c.execute(text("SELECT count(*) FROM bills" if table == "billing" else
                                 "SELECT count(*) FROM stage_events")).scalar()
    assert run.status == "failed" and "stopped inside the second batch" in run.error
    assert written == 200  # the failing table's first chunk only: the second rolled back with its cursor
    monkeypatch.setattr(sync, "_checkpoint", lambda *args: None)
    assert sync.run_sync(database, simulator, chunk_size=200)["status"] == "success"
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))
    assert derived_stages(database) == expected_stages(simulator)


def kpi_rollups(database) -> dict[str, list]:
    with database.engine.connect() as c:
        return {name: sorted(map(tuple, c.execute(text(f"SELECT * FROM {name}")).all()), key=repr)
                for name in after_sync.KPI_REBUILT}


def test_a_first_loads_full_rebuild_builds_the_kpi_rollups_beside_the_compliance_ones_and_they_equal_a_rebuild(
        database, simulator, monkeypatch):
    # On PostgreSQL the KPI rollups are rebuilt on a second connection while the run's session rebuilds the compliance
    # rollups and decides the new applications; the run waits for them before it says success.
    monkeypatch.setattr(after_sync, "FULL_REBUILD_AT", 0)  # this small first load takes the first load's path
    threads = []
    rebuild = kpi_rollup.rebuild_kpi_rollups

    def recorded(session):
        threads.append(threading.current_thread().name)
        return rebuild(session)

    monkeypatch.setattr(kpi_rollup, "rebuild_kpi_rollups", recorded)
    assert sync.run_sync(database, simulator, chunk_size=500)["status"] == "success"
    assert threads == (["kpi-rebuild"] if database.engine.dialect.name == "postgresql"
                       else [threading.main_thread().name])
    built = kpi_rollups(database)
    assert built["kpi_application_times"] and built["kpi_daily"]
    with database.session() as session:
        rebuild(session)
    assert kpi_rollups(database) == built


@pytest.mark.postgresql_only
def test_a_kpi_rebuild_that_fails_beside_the_run_fails_the_run(database, simulator, monkeypatch):
    monkeypatch.setattr(after_sync, "FULL_REBUILD_AT", 0)

    def broken(session):
        raise RuntimeError("kpi rebuild broke")

    monkeypatch.setattr(kpi_rollup, "rebuild_kpi_rollups", broken)
    with pytest.raises(RuntimeError, match="kpi rebuild broke"):
        sync.run_sync(database, simulator, chunk_size=500)
    with database.engine.connect() as c:
        run = c.execute(text("SELECT status, error FROM sync_runs ORDER BY id DESC LIMIT 1")).one()
        decided = c.execute(text("SELECT count(*) FROM targeting_decisions")).scalar()
    assert run.status == "failed" and "kpi rebuild broke" in run.error
    assert decided == 0  # the run's own after-sync transaction rolled back with it
