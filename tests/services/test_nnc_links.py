"""An NNC saved with a PTK not synced yet is linked to its application by the sync that brings it."""
from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from models import Application, ApplicationCommodity, AuditLog, Commodity, ComplianceMonthly, Nnc
from portal.services.compliance import rollup as compliance_rollup
from portal.services.nnc import detail as nnc_detail
from portal.services.nnc import links
from portal.services.nnc import register as nnc
from portal.services.sync import runs as sync
from support.factories import gen_application, gen_service_user
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


def _saved_before_its_ptk(session, operator, application, service_user) -> int:
    """An NNC recorded while `application` was not synced yet: its PTK as typed, no link (as the save left it)."""
    saved = nnc.create_nnc(session, operator, valid_nnc(session, number=f"GACC/{service_user.id}",
                                                        service_user=service_user,
                                                        application_number=application.number))
    record = session.get(Nnc, saved["id"])
    record.application_id = None
    session.flush()
    return record.id


def _nnc_commodities(session, service_user_id: int) -> set:
    """The primary commodities the compliance rollups file the company's NNCs under (None: no application)."""
    return set(session.scalars(select(ComplianceMonthly.commodity_id).where(
        ComplianceMonthly.service_user_id == service_user_id, ComplianceMonthly.k > 0)))


def test_a_linked_nnc_is_scored_under_its_applications_commodity_and_another_companys_ptk_is_not_linked(
        session, operator):
    company, other = gen_service_user(session), gen_service_user(session)
    application = gen_application(session, company, submitted_at=datetime(2025, 3, 1, 2, 0, tzinfo=UTC))
    mangosteen = Commodity(code="T-LINK", name="Manggis")
    session.add(mangosteen)
    session.flush()
    line = session.scalar(select(ApplicationCommodity).where(ApplicationCommodity.application_id == application.id))
    line.commodity_id = mangosteen.id
    own = _saved_before_its_ptk(session, operator, application, company)
    # A PTK mistyped as one of another company's consignments: no officer is looking, so it stays unlinked.
    mistyped = _saved_before_its_ptk(session, operator, application, other)
    compliance_rollup.refresh_rollups(session, service_user_ids=[company.id, other.id], scores=True)
    assert _nnc_commodities(session, company.id) == {None}

    assert links.link_synced(session) == 1
    assert session.get(Nnc, own).application_id == application.id
    assert session.get(Nnc, mistyped).application_id is None
    assert _nnc_commodities(session, company.id) == {mangosteen.id}  # the commodity-filtered score counts it now
