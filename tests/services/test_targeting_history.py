"""Inspection targeting's history read by key: each commodity line carries copies of its application's service user,
submission time and deletion, kept by the sync, and a usual run's decisions read them instead of joining the lines to
the applications. The copies must equal their application's after any sync, and both ways of reading the history
must decide alike."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select

from iqfast_sim.simulator import tick
from models import Application, ApplicationCommodity, TargetingDecision
from portal.services.sync import runs as sync
from portal.services.targeting import deciding
from support.sync_helpers import small_simulator


def _stale_copies(session) -> list[tuple]:
    """Lines whose copies differ from a recomputation from their application's row."""
    a, line = Application, ApplicationCommodity
    rows = session.execute(select(line.id, line.service_user_id, line.submitted_at, line.application_deleted_at,
                                  a.service_user_id, a.submitted_at, a.deleted_at)
                           .join(a, a.id == line.application_id)).all()
    return [row for row in rows if tuple(row[1:4]) != tuple(row[4:7])]


def _change_the_source(path) -> dict:
    """IQFast corrects a year's worth of things at once: a PTK moves to another company and an earlier day, a line
    changes its commodity, unit and quantity, a line and a whole PTK are deleted. Returns the ids touched."""
    source = sqlite3.connect(path)
    try:
        later = "datetime((SELECT max(tgl_update) FROM ptk), '+1 minute')"
        moved, deleted_ptk = [r[0] for r in source.execute(
            "SELECT id_ptk FROM ptk WHERE id_ptk IN (SELECT id_ptk FROM ptk_komoditas) ORDER BY id_ptk LIMIT 2")]
        other = source.execute("SELECT id_pengguna_jasa FROM ptk WHERE id_pengguna_jasa <> "
                               "(SELECT id_pengguna_jasa FROM ptk WHERE id_ptk = ?) LIMIT 1", (moved,)).fetchone()[0]
        source.execute(f"UPDATE ptk SET id_pengguna_jasa = ?, tgl_pengajuan = datetime(tgl_pengajuan, '-1 day'), "
                       f"tgl_update = {later} WHERE id_ptk = ?", (other, moved))
        changed, gone = [r[0] for r in source.execute(
            "SELECT id_ptk_komoditas FROM ptk_komoditas WHERE id_ptk NOT IN (?, ?) ORDER BY id_ptk_komoditas "
            "LIMIT 2", (moved, deleted_ptk))]
        commodity, unit = source.execute("SELECT id_komoditas, kode_satuan FROM ptk_komoditas "
                                         "WHERE id_ptk_komoditas <> ? ORDER BY id_ptk_komoditas DESC LIMIT 1",
                                         (changed,)).fetchone()
        source.execute(f"UPDATE ptk_komoditas SET id_komoditas = ?, kode_satuan = ?, jumlah = jumlah * 7, "
                       f"tgl_update = {later.replace('ptk)', 'ptk_komoditas)')} WHERE id_ptk_komoditas = ?",
                       (commodity, unit, changed))
        source.execute("DELETE FROM ptk_komoditas WHERE id_ptk_komoditas = ?", (gone,))
        source.execute("DELETE FROM ptk WHERE id_ptk = ?", (deleted_ptk,))
        source.commit()
    finally:
        source.close()
    return {"moved": moved, "deleted_ptk": deleted_ptk, "changed_line": changed, "gone_line": gone}


def test_the_lines_copies_equal_their_applications_after_syncs_that_insert_update_and_delete(tmp_path, database):
    path = tmp_path / "iqfast.db"
    source = f"sqlite:///{path}"
    small_simulator(source, days=4, seed=23)
    assert sync.run_sync(database, source)["status"] == "success"
    with database.session() as session:
        assert session.scalar(select(ApplicationCommodity.id).limit(1)) is not None
        assert _stale_copies(session) == []
    touched = _change_the_source(path)
    tick(source, minutes=300)  # new applications and lines, and the simulator's own corrections
    assert sync.run_sync(database, source)["status"] == "success"
    assert sync.run_reconcile(database, source)["status"] in ("success", "partial")
    with database.session() as session:
        a, line = Application, ApplicationCommodity
        moved = session.execute(select(a.service_user_id, a.submitted_at).where(a.source_id == touched["moved"])).one()
        moved_lines = session.execute(select(line.service_user_id, line.submitted_at).join(
            a, a.id == line.application_id).where(a.source_id == touched["moved"])).all()
        assert moved_lines and set(moved_lines) == {tuple(moved)}
        gone = session.scalar(select(a.deleted_at).where(a.source_id == touched["deleted_ptk"]))
        assert gone is not None
        assert set(session.scalars(select(line.application_deleted_at).join(a, a.id == line.application_id)
                                   .where(a.source_id == touched["deleted_ptk"]))) == {gone}
        assert session.scalar(select(line.deleted_at).where(line.source_id == touched["gone_line"])) is not None
        assert _stale_copies(session) == []


def _decide_all(session, small_batch: int, monkeypatch) -> dict[int, tuple]:
    """Every application decided again with one way of reading the history (the caller rolls back)."""
    monkeypatch.setattr(deciding, "SMALL_BATCH", small_batch)
    ids = list(session.scalars(select(Application.id)))
    session.query(TargetingDecision).delete()
    deciding.decide_new_applications(session, ids)
    d = TargetingDecision
    return {row[0]: tuple(row[1:]) for row in session.execute(
        select(d.application_id, d.level, d.rate, d.draw, d.flags, d.selected, d.level_basis))}


def test_the_lookup_history_and_the_whole_history_walk_decide_alike_after_corrections(tmp_path, database,
                                                                                       monkeypatch):
    if database.engine.dialect.name != "postgresql":
        pytest.skip("the lookups are PostgreSQL's usual-run path; SQLite always walks the whole histories")
    path = tmp_path / "iqfast.db"
    source = f"sqlite:///{path}"
    small_simulator(source, days=6, seed=29)
    assert sync.run_sync(database, source)["status"] == "success"
    _change_the_source(path)
    tick(source, minutes=300)
    assert sync.run_sync(database, source)["status"] == "success"
    assert sync.run_reconcile(database, source)["status"] in ("success", "partial")
    with database.session() as session:
        by_lookups = _decide_all(session, 10 ** 6, monkeypatch)
        session.rollback()
        walked = _decide_all(session, 0, monkeypatch)
        session.rollback()
    assert len(by_lookups) > 100 and by_lookups == walked
    codes = {flag["code"] for row in walked.values() for flag in row[3]}
    # The history held what each history-based flag reads, so the comparison covered them.
    assert {"new_commodity", "new_country", "quantity_outlier"} <= codes
