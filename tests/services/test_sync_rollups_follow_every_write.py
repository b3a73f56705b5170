"""The rollups and scores follow every write a sync makes, not only the rows it upserts: a record the nightly
reconciliation marks deleted (IQFast removed it) and a commodity line IQFast corrected both move the company's
monthly rollup as a rebuild of the whole history would (DOMAIN: compliance; after_sync.changed_applications)."""
from __future__ import annotations

from datetime import date, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import create_engine, func, select, update

from models import Application
from models.compliance import ComplianceMonthly
from portal.iqfast import schema as iq
from portal.services.compliance.sources import monthly_source
from portal.services.sync import runs as sync
from support.sync_helpers import END, WIB, small_simulator

UTC = timezone.utc
CLOCK = (END - WIB).replace(tzinfo=UTC) + timedelta(hours=2)  # the simulator's "now", so its history is in the window
KEY = ("office_id", "service_user_id", "section_id", "direction", "commodity_id", "month", "n", "d", "r", "x", "k")
LATER = END + timedelta(minutes=5)  # a correction's tgl_update: after everything the first sync read


def _values(row) -> tuple:
    return (*row[:5], date.fromisoformat(str(row[5])[:10]), *row[6:])


def _stored(session) -> set[tuple]:
    m = ComplianceMonthly
    return {_values(row) for row in session.execute(select(*(getattr(m, c) for c in KEY)))}


def _rebuilt(session) -> set[tuple]:
    return {_values(row) for row in session.execute(monthly_source(session))}


@pytest.fixture
def synced(tmp_path, database):
    """A 3-day station in the simulator (its clock the simulator's "now"), synced once: (its URL, an engine on it)."""
    source = f"sqlite:///{tmp_path / 'iqfast.db'}"
    engine = create_engine(source)
    with time_machine.travel(CLOCK, tick=True):
        small_simulator(source, days=3, seed=11)
        assert sync.run_sync(database, source)["status"] == "success"
        yield source, engine
    engine.dispose()


def _detentions(session) -> int:
    return session.scalar(select(func.coalesce(func.sum(ComplianceMonthly.d), 0)))


def test_a_detention_iqfast_deleted_stops_counting_after_the_reconciliation(synced, database):
    source, engine = synced
    with database.session() as session:
        before = _detentions(session)
        assert before > 0 and _stored(session) == _rebuilt(session)
    with engine.begin() as connection:  # IQFast removes a detention recorded by mistake
        gone = connection.execute(select(iq.penahanan.c.id_penahanan).order_by(iq.penahanan.c.id_penahanan)
                                  .limit(1)).scalar_one()
        connection.execute(iq.penahanan.delete().where(iq.penahanan.c.id_penahanan == gone))
    engine.dispose()
    result = sync.run_reconcile(database, source)
    assert result["status"] == "success", result["error"]
    assert result["rows_written"].get("quarantine_actions_deleted") == 1
    with database.session() as session:
        assert _stored(session) == _rebuilt(session)
        assert _detentions(session) == before - 1


def test_a_commodity_line_iqfast_corrected_moves_the_application_to_its_new_commodity(synced, database):
    source, engine = synced
    with engine.begin() as connection:
        # A detained application's first line: its commodity counts the detention in the rollup.
        ptk = connection.execute(select(iq.penahanan.c.id_ptk).order_by(iq.penahanan.c.id_penahanan)
                                 .limit(1)).scalar_one()
        line = connection.execute(select(iq.ptk_komoditas).where(iq.ptk_komoditas.c.id_ptk == ptk)
                                  .order_by(iq.ptk_komoditas.c.id_ptk_komoditas).limit(1)).mappings().one()
        other = connection.execute(select(iq.m_komoditas.c.id_komoditas)
                                   .where(iq.m_komoditas.c.id_komoditas != line["id_komoditas"])
                                   .order_by(iq.m_komoditas.c.id_komoditas).limit(1)).scalar_one()
        connection.execute(update(iq.ptk_komoditas)
                           .where(iq.ptk_komoditas.c.id_ptk_komoditas == line["id_ptk_komoditas"])
                           .values(id_komoditas=other, tgl_update=LATER))
    engine.dispose()
    with database.session() as session:
        before = _stored(session)
        assert before == _rebuilt(session)
    assert sync.run_sync(database, source)["status"] == "success"
    with database.session() as session:
        assert session.scalar(select(Application.id).where(Application.source_id == ptk)) is not None
        rebuilt = _rebuilt(session)
        assert rebuilt != before  # the correction moves a count from one commodity to another
        assert _stored(session) == rebuilt


def test_an_application_iqfast_moved_to_another_company_leaves_the_old_company_s_counts(synced, database):
    source, engine = synced
    with engine.begin() as connection:
        # A detained application filed under the wrong company: IQFast corrects its applicant.
        ptk = connection.execute(select(iq.ptk).join(iq.penahanan, iq.penahanan.c.id_ptk == iq.ptk.c.id_ptk)
                                 .order_by(iq.penahanan.c.id_penahanan).limit(1)).mappings().one()
        other = connection.execute(select(iq.ptk.c.id_pengguna_jasa)
                                   .where(iq.ptk.c.id_pengguna_jasa != ptk["id_pengguna_jasa"])
                                   .order_by(iq.ptk.c.id_ptk).limit(1)).scalar_one()
        connection.execute(update(iq.ptk).where(iq.ptk.c.id_ptk == ptk["id_ptk"])
                           .values(id_pengguna_jasa=other, tgl_update=LATER))
    engine.dispose()
    with database.session() as session:
        before = _stored(session)
    assert sync.run_sync(database, source)["status"] == "success"
    with database.session() as session:
        rebuilt = _rebuilt(session)
        assert rebuilt != before
        assert _stored(session) == rebuilt
