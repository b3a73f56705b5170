"""An NNC saved with a PTK not synced yet is linked to its application by the sync that brings it."""
from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from sqlalchemy import func, select

from models import Application, AuditLog, Nnc
from portal.services.nnc import detail as nnc_detail
from portal.services.nnc import register as nnc
from portal.services.sync import runs as sync
from support.nnc_helpers import actor, valid_nnc
from support.sync_helpers import small_simulator


@pytest.fixture
def operator(database, make_user):
    return actor(database, make_user, "operator", username="petugas_tautan")


def _first_export(source: str) -> tuple[str, date]:
    """A PTK the simulator holds and we have not synced: an export's number and the day it was submitted."""
    with sqlite3.connect(source.removeprefix("sqlite:///")) as iqfast:
        number, submitted = iqfast.execute("SELECT no_ptk, tgl_pengajuan FROM ptk WHERE jenis_permohonan = 'EX' "
                                           "ORDER BY id_ptk LIMIT 1").fetchone()
    return number, date.fromisoformat(str(submitted)[:10])


def test_an_nnc_naming_a_ptk_not_synced_yet_is_linked_by_the_sync_that_brings_it(tmp_path, database, operator):
    source = f"sqlite:///{tmp_path / 'iqfast.db'}"
    small_simulator(source, days=2, seed=5)
    number, submitted = _first_export(source)
    notice = max(submitted, date.today())
    with database.session() as session:
        # Nothing synced yet, so no registered company either: the party is named as the notice names it.
        about = {"service_user_id": None, "party_name": "Unknown Exporter", "party_country": "Indonesia",
                 "notice_date": notice, "received_date": notice}
        waiting = nnc.create_nnc(session, operator, valid_nnc(session, number="GACC/2026/1", application_number=number,
                                                              **about))
        # An issued NNC is about an import: this export cannot be its consignment, and is not linked to it.
        misfit = nnc.create_nnc(session, operator, valid_nnc(
            session, number="ID/2026/2", application_number=number, flow="issued",
            notifying_authority="Badan Karantina Indonesia (Barantin)", notifying_country="Indonesia",
            notified_authority="MAFF", notified_country="Jepang", **about))
        never = nnc.create_nnc(session, operator, valid_nnc(session, number="GACC/2026/3",
                                                            application_number="2026.1.0300.0.K21.E.999999", **about))
        assert waiting["application_id"] is None and misfit["application_id"] is None

    assert sync.run_sync(database, source)["status"] == "success"

    with database.session() as session:
        application = session.scalar(select(Application.id).where(Application.number == number))
        assert session.get(Nnc, waiting["id"]).application_id == application
        assert session.get(Nnc, misfit["id"]).application_id is None
        assert session.get(Nnc, never["id"]).application_id is None
        linked = session.scalars(select(AuditLog).where(AuditLog.action == "nnc_linked")).all()
        assert [(row.object_id, row.username, row.after) for row in linked] == [
            (str(waiting["id"]), None, {"application_number": number})]
        # The NNC's history says the sync linked it.
        changes = nnc_detail.history(session, waiting["id"], operator)["changes"]
        assert changes[0]["action"] == "nnc_linked"

    # A later run finds nothing more to link: no second entry.
    assert sync.run_sync(database, source)["status"] == "success"
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "nnc_linked")) == 1
