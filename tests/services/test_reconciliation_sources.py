"""The nightly reconciliation compares each source with the records it holds: the configured IQFast with every
station's but those that have a database of their own, each own database with its own station's. A station read
from its own database is not "deleted by IQFast" each night because the national database does not hold it
(docs/sync.md, docs/operations.md "Adding a station")."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, delete, select, text, update

from jobs.context import JobContext
from jobs.sync_jobs import reconcile_job
from portal.iqfast import schema as iq
from portal.services import offices
from portal.services.sync import runs as sync
from support.sync_helpers import small_simulator

OFFSET = 5_000_000  # the own database's ids, above the national series (as the operations guide requires)
PARENT_IDS = ("id_ptk", "id_pengguna_jasa", "id_ppjk")


def _own_station_database(url: str) -> None:
    """A simulator holding only the second station (2000, Denpasar), its record ids moved above the first's."""
    small_simulator(url, days=1, seed=7, offices=2)
    engine = create_engine(url)
    with engine.begin() as c:
        first = [row[0] for row in c.execute(select(iq.ptk.c.id_ptk).where(iq.ptk.c.id_upt == 1))]
        for table in iq.metadata.sorted_tables:
            if table.name.startswith("m_") or table.name == "sim_state":
                continue
            if "id_upt" in table.c:
                c.execute(delete(table).where(table.c.id_upt == 1))
            elif "id_ptk" in table.c:
                c.execute(delete(table).where(table.c.id_ptk.in_(first)))
            moved = {name for name in PARENT_IDS if name in table.c} | {table.primary_key.columns[0].name}
            c.execute(update(table).values({name: table.c[name] + OFFSET for name in moved}))
    engine.dispose()


def _deleted_by_office(database) -> dict[str, int]:
    with database.engine.connect() as c:
        return dict(c.execute(text(
            "SELECT o.code, count(*) FILTER (WHERE a.deleted_at IS NOT NULL) FROM applications a "
            "JOIN offices o ON o.id = a.office_id GROUP BY o.code")).all())


def test_the_nightly_reconciliation_leaves_a_station_read_from_its_own_database_alone(
        database, settings, session, tmp_path):
    national, own = f"sqlite:///{tmp_path / 'national.db'}", f"sqlite:///{tmp_path / 'own.db'}"
    small_simulator(national, days=1, seed=7, offices=1)
    _own_station_database(own)
    offices.add_office(session, None, "admin", {"code": "2000", "name": "BBKP Denpasar",
                                                "timezone": "Asia/Makassar", "iqfast_url": own})
    session.commit()
    settings = settings.model_copy(update={"iqfast_url": national, "iqfast_export_dir": ""})
    assert [r["status"] for r in sync.sync_from_settings(database, settings)] == ["success", "success"]
    assert _deleted_by_office(database) == {"0300": 0, "2000": 0}

    nightly = JobContext(settings=settings, database=database, scheduler=None, name="reconcile",
                         interval=timedelta(days=1))
    reconcile_job(nightly)
    assert _deleted_by_office(database) == {"0300": 0, "2000": 0}

    # Each database deletes an application: each deletion is found by the comparison with its own source.
    for url in (national, own):
        engine = create_engine(url)
        with engine.begin() as c:
            c.execute(delete(iq.ptk).where(iq.ptk.c.id_ptk == select(iq.ptk.c.id_ptk).order_by(iq.ptk.c.id_ptk)
                                           .limit(1).scalar_subquery()))
        engine.dispose()
    reconcile_job(nightly)
    assert _deleted_by_office(database) == {"0300": 1, "2000": 1}
    with database.engine.connect() as c:
        runs = c.execute(text("SELECT source, status FROM sync_runs WHERE kind = 'reconcile' ORDER BY id")).all()
    assert len(runs) == 4 and {status for _source, status in runs} == {"success"}
