"""The data version (issue #17): every write a cached view shows changes the stamp in its own transaction, and
nothing else does (a login or an audit row must not empty every cache)."""
from __future__ import annotations

from datetime import UTC, date, datetime

from click.testing import CliRunner
from sqlalchemy import text

from models import ComplianceMonthly, ServiceUser, User
from portal import audit, data_version
from portal.cli.main import main
from portal.services.compliance.bulk import bulk_insert
from portal.services.targeting import decide_new_applications, keys
from support.factories import gen_application, gen_service_user, office_id


def _stamp(database) -> tuple[str, int]:
    with database.engine.connect() as connection:
        return data_version.current(connection), data_version.counter(connection)


def test_the_statements_that_write_a_watched_table_are_told_from_the_rest():
    assert data_version.writes_watched("INSERT INTO nncs (number) VALUES (%(number)s)")
    assert data_version.writes_watched('UPDATE "complaints" SET status = ? WHERE id = ?')
    assert data_version.writes_watched("DELETE FROM kpi_daily WHERE office_id = :office")
    assert data_version.writes_watched("WITH moved AS (SELECT 1) INSERT INTO compliance_scores SELECT * FROM moved")
    assert data_version.writes_watched("INSERT INTO stage_events (a) SELECT a FROM staging_stage_events "
                                       "ON CONFLICT (source_id) DO UPDATE SET a = excluded.a")
    assert not data_version.writes_watched("INSERT INTO user_sessions (id) VALUES (?)")
    assert not data_version.writes_watched("INSERT INTO audit_log (action) VALUES (?)")
    assert not data_version.writes_watched("INSERT INTO staging_stage_events (a) VALUES (?)")  # a sync's temp table
    assert not data_version.writes_watched("SELECT id FROM notification_outbox FOR UPDATE SKIP LOCKED")
    assert not data_version.writes_watched("SELECT id FROM nncs WHERE id = ? FOR UPDATE")


def test_a_committed_write_to_a_watched_table_changes_the_stamp_in_its_own_transaction(database):
    before, count = _stamp(database)
    with database.session() as session:
        gen_service_user(session, name="PT Versi Data")
    after, count_after = _stamp(database)
    assert after != before and count_after == count + 1


def test_a_rolled_back_write_leaves_the_stamp(database):
    before = _stamp(database)
    with database.sessionmaker() as session:
        gen_service_user(session, name="PT Batal")
        session.rollback()
    with database.sessionmaker() as session:
        session.execute(text("UPDATE service_users SET name = name"))
        session.rollback()
    assert _stamp(database) == before


def test_a_sign_in_and_its_audit_row_leave_the_stamp(database, make_user):
    """A login writes the account's row, its session and the audit log: no view shows them, no cache empties."""
    created = make_user("penanda_masuk", "operator")
    before = _stamp(database)
    with database.session() as session:
        session.get(User, created["id"]).last_login_at = datetime.now(UTC)
        audit.record(session, None, "tester", "login", "user", "1", {})
    assert _stamp(database) == before


def test_a_plain_sql_write_and_a_bulk_copy_change_the_stamp(database):
    with database.session() as session:
        company = gen_service_user(session, name="PT Massal")
        company_id, office = company.id, office_id(session)
    before = _stamp(database)
    with database.session() as session:
        session.execute(text("UPDATE service_users SET city = 'Bogor' WHERE id = :id"), {"id": company_id})
    middle = _stamp(database)
    assert middle[0] != before[0]
    with database.session() as session:  # COPY on PostgreSQL: round SQLAlchemy, marked by hand
        bulk_insert(session, ComplianceMonthly, [{"service_user_id": company_id, "office_id": office,
                                                  "section_id": 0, "direction": None, "commodity_id": None,
                                                  "month": date(2026, 5, 1), "n": 1, "d": 0, "r": 0, "x": 0,
                                                  "k": 0}])
    assert _stamp(database)[0] != middle[0]
    assert ServiceUser.__tablename__ in data_version.WATCHED


def test_inspection_decisions_written_by_copy_change_the_stamp_on_their_own(database):
    """Decisions go into PostgreSQL by a raw COPY, round the hook; the effectiveness panel and the KPI panel show
    them, so the write must change the stamp even in a transaction that writes nothing else."""
    with database.session() as session:
        application_id = gen_application(session, gen_service_user(session, name="PT Diputuskan"),
                                         stages=("submitted",)).id
        keys.current_key(session, office_id(session))  # the office's first key: a watched write of its own
    before = _stamp(database)
    with database.session() as session:
        assert decide_new_applications(session, [application_id]) == 1
    assert _stamp(database) != before


def test_a_database_upgrade_gives_the_data_a_new_stamp_so_a_restore_serves_no_answer_cached_before_it(
        database, database_url):
    """A restored dump comes back with the stamp it had, under which the cache may hold an answer computed from a
    write committed just after the dump; the restore's `qcorner db upgrade` (docs/operations.md) leaves it behind."""
    before, count = _stamp(database)
    upgraded = CliRunner().invoke(main, ["db", "upgrade"], env={"QCORNER_DATABASE_URL": database_url})
    assert upgraded.exit_code == 0, upgraded.output
    after, count_after = _stamp(database)
    assert after != before and count_after == count + 1
