"""An incremental sync rebuilds the touched companies' monthly rollup only from the earliest month its changes can
reach — the changed applications' completion and 3P action months, the old ones its writes overwrote as well as the
new (issue #17, docs/performance.md) — and still ends where a rebuild of the whole history ends when a correction
moves an old completion, or an old detention, into the current month."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import time_machine
from sqlalchemy import create_engine, insert, select, update

from models import Application
from models.application import COMPLETING_STAGES
from models.compliance import ComplianceMonthly
from portal.iqfast import schema as iq
from portal.services.compliance.sources import monthly_source
from portal.services.sync import runs as sync
from support.sync_helpers import END, STAGE, WIB, small_simulator

UTC = timezone.utc
# The simulator's "now" (END, naive WIB) as the clock, so its history lies inside the window whatever the date.
CLOCK = (END - WIB).replace(tzinfo=UTC) + timedelta(hours=2)
COMPLETING_CODES = [code for code, stage in STAGE.items() if stage in COMPLETING_STAGES]
KEY = ("office_id", "service_user_id", "section_id", "direction", "commodity_id", "month", "n", "d", "r", "x", "k")
DETENTION = 9_100_001
YESTERDAY = END - timedelta(days=1)
CORRECTED = END + timedelta(minutes=5)  # the corrections' tgl_update: after everything the first sync read


def _values(row) -> tuple:
    """A rollup row's values, its month a date (SQLite's raw query returns it as text)."""
    return (*row[:5], date.fromisoformat(str(row[5])[:10]), *row[6:])


def _stored(session) -> dict[tuple, int]:
    """Each monthly rollup row's values → its id (a rewritten row gets a new one)."""
    m = ComplianceMonthly
    return {_values(row[:-1]): row[-1] for row in session.execute(select(*(getattr(m, c) for c in KEY), m.id))}


def _as_a_rebuild_and_only_from(session, before: dict[tuple, int], first: datetime) -> None:
    """Every stored row is what a rebuild of the whole history computes, and the rows of the months before the one
    of ``first`` (the earliest old time the correction moved a count from) were not rewritten."""
    after = _stored(session)
    assert set(after) == {_values(row) for row in session.execute(monthly_source(session))}
    assert set(after) != set(before)
    earlier = {key: row_id for key, row_id in before.items() if key[5] < first.date().replace(day=1)}
    assert earlier and all(after.get(key) == row_id for key, row_id in earlier.items())


def _completion(session, ptk: int) -> datetime:
    return session.scalar(select(Application.completed_at).where(Application.source_id == ptk))


def test_corrections_moving_an_old_completion_or_detention_into_this_month_leave_the_rollup_as_a_rebuild(
        tmp_path, database):
    source = f"sqlite:///{tmp_path / 'iqfast.db'}"
    engine = create_engine(source)
    with time_machine.travel(CLOCK, tick=True):
        small_simulator(source, days=75, seed=5, daily=60)
        with engine.begin() as connection:
            # An application completed in the simulator's January, nothing else of it in an earlier month.
            old = connection.execute(
                select(iq.riwayat_ptk.c.id_ptk).join(iq.ptk, iq.ptk.c.id_ptk == iq.riwayat_ptk.c.id_ptk)
                .where(iq.riwayat_ptk.c.kode_status.in_(COMPLETING_CODES),
                       iq.riwayat_ptk.c.waktu.between(END - timedelta(days=55), END - timedelta(days=45)),
                       iq.ptk.c.tgl_pengajuan > END - timedelta(days=58))
                .order_by(iq.riwayat_ptk.c.waktu)).scalar()
            # A February application with a detention mistyped into January.
            detained = connection.execute(
                select(iq.ptk.c.id_ptk).where(iq.ptk.c.tgl_pengajuan.between(END - timedelta(days=20),
                                                                               END - timedelta(days=15)))
                .order_by(iq.ptk.c.id_ptk)).scalar()
            connection.execute(insert(iq.penahanan).values(
                id_penahanan=DETENTION, id_ptk=detained, no_penahanan="TAHAN-UJI-1", alasan="OPT karantina ditemukan",
                tgl_penahanan=END - timedelta(days=50), tgl_update=END - timedelta(days=15),
                nama_petugas="Petugas Uji", nip_petugas="199001012020121001"))
        assert sync.run_sync(database, source)["status"] == "success"
        with database.session() as session:
            before = _stored(session)
            moved = _completion(session, old)
        assert moved is not None and moved.month == 1 and moved.day > 1

        # IQFast corrects the January application: its completing events happened yesterday.
        with engine.begin() as connection:
            connection.execute(update(iq.riwayat_ptk).where(
                iq.riwayat_ptk.c.id_ptk == old, iq.riwayat_ptk.c.kode_status.in_(COMPLETING_CODES))
                .values(waktu=YESTERDAY, tgl_update=CORRECTED))
        assert sync.run_sync(database, source)["status"] == "success"
        with database.session() as session:
            assert _completion(session, old).month == YESTERDAY.month
            _as_a_rebuild_and_only_from(session, before, moved)
            before = _stored(session)

        # …and the detention's date: it happened yesterday, not in January.
        with engine.begin() as connection:
            connection.execute(update(iq.penahanan).where(iq.penahanan.c.id_penahanan == DETENTION)
                               .values(tgl_penahanan=YESTERDAY, tgl_update=CORRECTED + timedelta(minutes=5)))
        engine.dispose()
        assert sync.run_sync(database, source)["status"] == "success"
        with database.session() as session:
            _as_a_rebuild_and_only_from(session, before, (END - WIB - timedelta(days=50)).replace(tzinfo=UTC))
