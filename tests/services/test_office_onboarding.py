"""Onboarding a station (issue #19): `qcorner offices add` and the sync that then reads the new station's records,
from the shared IQFast or from the station's own database."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select, text

from models import AuditLog, Office
from portal.cli.main import main
from portal.services import offices
from portal.services.sync import runs as sync
from portal.validation import InvalidInput
from support.sync_helpers import own_station_simulator, small_simulator


def _env(database_url):
    return {"QCORNER_DATABASE_URL": database_url}


def _records_by_office(database) -> dict[str, int]:
    with database.engine.connect() as c:
        return dict(c.execute(text("SELECT o.code, count(u.id) FROM offices o LEFT JOIN service_users u "
                                   "ON u.office_id = o.id GROUP BY o.code")).all())


def test_a_second_station_added_to_a_running_installation_is_synced_with_its_shared_companies(
        database, database_url, session, tmp_path):
    from iqfast_sim.simulator import add_station, tick

    iqfast = f"sqlite:///{tmp_path / 'iqfast.db'}"
    small_simulator(iqfast, days=1, seed=7, offices=1)
    assert sync.run_sync(database, iqfast)["status"] == "success"
    assert set(_records_by_office(database)) == {"0300"}

    added = CliRunner().invoke(main, ["offices", "add", "--code", "2000", "--name", "Balai Besar Karantina "
                                      "Denpasar", "--timezone", "Asia/Makassar", "--by", "admin.pusat"],
                               env=_env(database_url))
    assert added.exit_code == 0, added.output
    assert "2000" in CliRunner().invoke(main, ["offices", "list"], env=_env(database_url)).output
    assert add_station(iqfast)["code"] == "2000"  # the station's records arrive in IQFast
    tick(iqfast, minutes=120)
    assert sync.run_sync(database, iqfast)["status"] == "success"

    counts = _records_by_office(database)
    assert counts["0300"] > 0 and counts["2000"] > 0
    with database.engine.connect() as c:
        name, zone = c.execute(text("SELECT name, timezone FROM offices WHERE code = '2000'")).one()
        shared = c.execute(text(
            "SELECT count(*) FROM (SELECT u.company_id FROM service_users u JOIN offices o ON o.id = u.office_id "
            "GROUP BY u.company_id HAVING count(DISTINCT o.code) = 2) x")).scalar()
        applications = c.execute(text("SELECT count(*) FROM applications a JOIN offices o ON o.id = a.office_id "
                                       "WHERE o.code = '2000'")).scalar()
    assert (name, zone) == ("Balai Besar Karantina Denpasar", "Asia/Makassar")  # the admin's name stays
    assert shared > 0 and applications > 0
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "office_created")).one()
    assert entry.username == "admin.pusat" and entry.after["code"] == "2000"


def test_an_office_with_its_own_iqfast_database_is_read_with_its_own_cursors(database, settings, session, tmp_path):
    own = f"sqlite:///{tmp_path / 'own.db'}"
    own_station_simulator(own, 0)
    offices.add_office(session, None, "admin", {"code": "2000", "name": "Uji sumber sendiri",
                                                "timezone": "Asia/Makassar", "iqfast_url": own})
    session.commit()
    results = sync.sync_from_settings(database, settings.model_copy(update={"iqfast_url": "",
                                                                           "iqfast_export_dir": ""}))
    assert [r["status"] for r in results] == ["success"]
    with database.engine.connect() as c:
        cursors = c.execute(text("SELECT source_table FROM sync_cursors")).scalars().all()
    assert cursors and all(name.startswith("2000:") for name in cursors)
    assert _records_by_office(database)["2000"] > 0


def test_adding_an_office_refuses_a_taken_code_a_foreign_zone_and_a_bad_source(session):
    try:
        offices.add_office(session, None, "admin", {"code": "0300", "name": "", "timezone": "Asia/Singapore",
                                                    "iqfast_url": "ftp://iqfast"})
    except InvalidInput as error:
        assert set(error.errors) == {"code", "name", "timezone", "iqfast_url"}
    else:
        raise AssertionError("accepted")
    assert session.scalar(select(Office).where(Office.name == "")) is None


def test_the_cli_refuses_an_unknown_time_zone_and_writes_nothing(database_url, session):
    result = CliRunner().invoke(main, ["offices", "add", "--code", "9900", "--name", "Uji", "--timezone",
                                       "Europe/Paris"], env=_env(database_url))
    assert result.exit_code == 2
    assert session.scalar(select(Office).where(Office.code == "9900")) is None
