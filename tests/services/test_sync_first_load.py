"""A first load into empty tables: every index and foreign key the migrations made is there (and usable) after it, also
when it fails midway or is killed, and what it and the next run write is the source row for row, counted right."""
from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import IntegrityError

from iqfast_sim.simulator import tick
from models import Handler, Office
from portal.cli.main import main
from portal.iqfast import mapping
from portal.services.kpi import rollup as kpi_rollup
from portal.services.sync import after_sync, runs as sync, set_aside
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


def foreign_keys(database) -> set[tuple]:
    """Every foreign key of our tables as the catalogue has it, with whether it has been validated."""
    with database.engine.connect() as c:
        return set(c.execute(text(
            "SELECT r.relname, c.conname, pg_get_constraintdef(c.oid), c.convalidated FROM pg_constraint c "
            "JOIN pg_class r ON r.oid = c.conrelid "
            "WHERE c.contype = 'f' AND r.relnamespace = 'public'::regnamespace")).all())


def keys_of(keys: set[tuple], table: str) -> set[str]:
    return {name for relname, name, *_rest in keys if relname == table}


def set_aside_records(database) -> list[str]:
    with database.engine.connect() as c:
        return list(c.execute(text("SELECT name FROM sync_set_aside ORDER BY name")).scalars())


def counts(database) -> dict[str, int]:
    with database.engine.connect() as c:
        return {name: c.execute(text(f"SELECT count(*) FROM {name}")).scalar() for name in SYNCED_TABLES}


@pytest.mark.postgresql_only
def test_a_first_load_leaves_every_index_of_the_migrations_in_place_and_usable(database, simulator):
    before = indexes(database)
    assert before and all(valid and not check_xmin for *_, valid, check_xmin in before)
    assert sync.run_sync(database, simulator, chunk_size=500)["status"] == "success"
    assert indexes(database) == before


class Killed(Exception):
    """A run stopped from inside (stopped_inside)."""


def stopped_inside(monkeypatch, source_table: str, batch: int) -> None:
    """The runs that follow raise Killed inside that batch of that table, before it commits."""
    def stop(point, table, number):
        if point == "in_batch" and table == source_table and number == batch:
            raise Killed(f"stopped inside batch {batch + 1} of {source_table}")

    monkeypatch.setattr(sync, "_checkpoint", stop)


@pytest.mark.postgresql_only
def test_a_first_load_that_fails_midway_leaves_every_index_in_place(database, simulator, monkeypatch):
    before, keys = indexes(database), foreign_keys(database)
    stopped_inside(monkeypatch, "riwayat_ptk", 1)
    with pytest.raises(Killed):
        sync.run_sync(database, simulator, chunk_size=500)
    assert counts(database)["stage_events"] > 0  # committed batches stay: the run stopped midway
    assert indexes(database) == before
    assert foreign_keys(database) == keys and set_aside_records(database) == []  # back as the run failed


@pytest.mark.postgresql_only
def test_a_first_load_fills_its_empty_tables_without_their_foreign_keys_and_puts_every_one_back_validated(
        database, simulator, monkeypatch):
    # Checked per row, the stage events' key was half of a COPY's time; the upserts join every row to its parent.
    before = foreign_keys(database)
    assert keys_of(before, "stage_events") and keys_of(before, "targeting_decisions")
    during: dict[str, tuple] = {}

    def look(point, table, batch):
        if point == "in_batch" and table == "riwayat_ptk" and batch == 0:
            during["keys"], during["records"] = foreign_keys(database), set_aside_records(database)

    bring_current = sync.bring_current

    def after_sync_looking(*args, **kwargs):
        during["after-sync"] = foreign_keys(database)
        return bring_current(*args, **kwargs)

    monkeypatch.setattr(sync, "_checkpoint", look)
    monkeypatch.setattr(sync, "bring_current", after_sync_looking)
    first = sync.run_sync(database, simulator, chunk_size=500)
    assert first["status"] == "success", first["error"]
    for table in set_aside.first_load_tables():
        assert not keys_of(during["keys"], table), table
    assert not keys_of(during["after-sync"], "targeting_decisions")  # the after-sync fills it without its key too
    aside = {name for table in set_aside.first_load_tables() for name in keys_of(before, table)}
    assert set(during["records"]) == aside
    assert keys_of(during["keys"], "nncs") == keys_of(before, "nncs")  # other tables keep theirs
    assert foreign_keys(database) == before and set_aside_records(database) == []
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))

    # An incremental run writes into tables that hold rows: their keys stay in force throughout.
    tick(simulator, 240)
    during.clear()
    assert sync.run_sync(database, simulator, chunk_size=500)["status"] == "success"
    assert during["keys"] == before and during["records"] == []


@pytest.mark.postgresql_only
def test_keys_a_killed_first_load_left_aside_are_back_before_the_next_run_writes_anything(
        database, simulator, monkeypatch):
    before = foreign_keys(database)
    stopped_inside(monkeypatch, "riwayat_ptk", 1)
    monkeypatch.setattr(sync, "_put_back_after_failure", lambda *args: None)  # a killed process runs nothing more
    with pytest.raises(Killed):
        sync.run_sync(database, simulator, chunk_size=500)
    assert keys_of(foreign_keys(database), "stage_events") == set()
    assert "fk_stage_events_application_id_applications" in set_aside_records(database)

    seen = []
    monkeypatch.setattr(sync, "_checkpoint", lambda point, table, batch: seen.append(foreign_keys(database)))
    resumed = sync.run_sync(database, simulator, chunk_size=500)
    assert resumed["status"] == "success" and resumed["kind"] == "incremental"
    assert seen and all(keys == before for keys in seen)  # from its first batch on
    assert set_aside_records(database) == []
    assert checksums(our_rows(database)) == checksums(iqfast_rows(simulator))

    with database.engine.connect() as c:  # the nightly reconciliation puts them back as well
        c.execute(text("DELETE FROM targeting_decisions"))
        c.commit()
        assert set_aside.set_aside(c, ("targeting_decisions",))
    assert sync.run_reconcile(database, simulator)["status"] == "success"
    assert foreign_keys(database) == before and set_aside_records(database) == []


@pytest.mark.postgresql_only
def test_only_empty_tables_have_their_keys_set_aside_and_none_while_a_page_holds_a_lock(database, simulator,
                                                                                         monkeypatch):
    assert sync.run_sync(database, simulator, chunk_size=500)["status"] == "success"
    before = foreign_keys(database)
    with database.engine.connect() as c:
        c.execute(text("DELETE FROM targeting_decisions"))
        c.commit()
        empty = set_aside.empty_tables(c, set_aside.first_load_tables())
        c.commit()
        assert "targeting_decisions" in empty and "stage_events" not in empty
        assert set(set_aside.set_aside(c)) == {name for table in empty for name in keys_of(before, table)}
        set_aside.put_back(c)
        c.execute(text("DELETE FROM targeting_decisions"))
        c.commit()
    assert foreign_keys(database) == before
    # A page's transaction reading the applications: the load goes on with its keys rather than queue every page.
    monkeypatch.setattr(set_aside, "LOCK_WAIT", "50ms")
    with database.engine.connect() as page, database.engine.connect() as c:
        page.execute(text("SELECT count(*) FROM applications"))
        assert set_aside.set_aside(c) == []
        page.rollback()
    assert foreign_keys(database) == before and set_aside_records(database) == []


@pytest.mark.postgresql_only
def test_a_key_whose_rows_lost_their_parent_while_aside_is_back_for_new_rows_without_failing_the_run(database):
    key = "fk_stage_events_application_id_applications"
    with database.engine.connect() as c:
        assert set_aside.set_aside(c, ("stage_events",)) == [key]
        orphan = ("INSERT INTO stage_events (source_id, application_id, stage, occurred_at, synced_at) "
                  "VALUES (:source_id, 999999, 'submitted', now(), now())")
        c.execute(text(orphan), {"source_id": 1})
        c.commit()
        try:
            assert set_aside.put_back(c) == [key]
            assert c.execute(text("SELECT convalidated FROM pg_constraint WHERE conname = :key"),
                             {"key": key}).scalar() is False
            with pytest.raises(IntegrityError):
                c.execute(text(orphan), {"source_id": 2})
            c.rollback()
            assert set_aside_records(database) == []
        finally:  # the key validated again for the tests after this one
            c.rollback()
            c.execute(text("DELETE FROM stage_events"))
            c.execute(text(f"ALTER TABLE stage_events VALIDATE CONSTRAINT {key}"))
            c.commit()


@pytest.mark.postgresql_only
def test_a_key_behind_a_writers_lock_or_put_back_by_hand_keeps_its_record_until_the_next_put_back(
        database, monkeypatch):
    before = foreign_keys(database)
    key = "fk_bills_application_id_applications"
    with database.engine.connect() as c:
        assert set_aside.set_aside(c, ("bills",)) == [key]
        monkeypatch.setattr(set_aside, "LOCK_WAIT", "50ms")
        with database.engine.connect() as writer:  # a transaction writing bills (an export file's import)
            writer.execute(text("LOCK TABLE bills IN ROW EXCLUSIVE MODE"))
            assert set_aside.put_back(c) == []
            writer.rollback()
        assert set_aside_records(database) == [key] and keys_of(foreign_keys(database), "bills") == set()
        # Someone added it back by hand: the next run drops the record instead of failing on "already exists".
        c.execute(text("ALTER TABLE bills ADD CONSTRAINT fk_bills_application_id_applications "
                       "FOREIGN KEY (application_id) REFERENCES applications(id) ON DELETE CASCADE"))
        c.commit()
        assert set_aside.put_back(c) == [key]
    assert foreign_keys(database) == before and set_aside_records(database) == []


@pytest.mark.postgresql_only
def test_a_migration_puts_back_the_keys_a_stopped_first_load_left_aside_and_refuses_while_one_stays_locked(
        database, database_url, monkeypatch):
    """A migration is written against the schema with every key in place: `qcorner db upgrade` puts back what a killed
    first load left aside before it migrates, and does not migrate over a key it could not put back."""
    before = foreign_keys(database)
    key = "fk_bills_application_id_applications"
    env = {"QCORNER_DATABASE_URL": database_url}
    with database.engine.connect() as c:
        assert set_aside.set_aside(c, ("bills",)) == [key]
    monkeypatch.setattr(set_aside, "LOCK_WAIT", "50ms")
    with database.engine.connect() as writer:  # a transaction writing bills holds the table
        writer.execute(text("LOCK TABLE bills IN ROW EXCLUSIVE MODE"))
        refused = CliRunner().invoke(main, ["db", "upgrade"], env=env)
        writer.rollback()
    assert refused.exit_code == 1 and f"not migrated: the foreign keys {key} are still set aside" in refused.output
    assert set_aside_records(database) == [key]
    migrated = CliRunner().invoke(main, ["db", "upgrade"], env=env)
    assert migrated.exit_code == 0, migrated.output
    assert "database at revision heads" in migrated.output
    assert foreign_keys(database) == before and set_aside_records(database) == []


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
    stopped_inside(monkeypatch, table, 1)
    with pytest.raises(Killed):
        sync.run_sync(database, simulator, chunk_size=200)
    with database.engine.connect() as c:
        run = c.execute(text("SELECT status, error FROM sync_runs ORDER BY id DESC LIMIT 1")).one()
        written = c.execute(text("SELECT count(*) FROM bills" if table == "billing" else
                                 "SELECT count(*) FROM stage_events")).scalar()
    assert run.status == "failed" and "stopped inside batch 2" in run.error
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


def test_a_first_loads_old_rows_whose_application_is_missing_are_reported_by_row_and_left_out(database, simulator):
    # The foreign keys set aside on PostgreSQL check nothing here: the upserts' joins leave these rows out themselves.
    engine = create_engine(simulator)
    with engine.begin() as c:
        gone = c.execute(text("SELECT id_ptk FROM ptk ORDER BY id_ptk LIMIT 1 OFFSET 40")).scalar()
        events = c.execute(text("SELECT id_riwayat FROM riwayat_ptk WHERE id_ptk = :id ORDER BY id_riwayat"),
                           {"id": gone}).scalars().all()
        c.execute(text("DELETE FROM ptk WHERE id_ptk = :id"), {"id": gone})
    engine.dispose()
    assert events
    first = sync.run_sync(database, simulator)  # one chunk: its newest row is days younger than the orphans
    assert first["status"] == "success", first["error"]
    with database.engine.connect() as c:
        error = c.execute(text("SELECT error FROM sync_runs ORDER BY id DESC LIMIT 1")).scalar()
        written = set(c.execute(text("SELECT source_id FROM stage_events")).scalars())
    assert not written & set(events)
    assert f"id_riwayat={events[0]}" in error and f"PTK dengan id {gone} (id_ptk) belum ada di Q-Corner" in error
    assert len(written) == first["events_written"] == len(iqfast_rows(simulator)["stage_events"]) - len(events)
