"""Scores are current when a sync run or an NNC change ends, not at the next daily job (DOMAIN: compliance):
the company's tier history, its handler's flag and the KPI panel's tier counts follow in the same job."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import time_machine
from sqlalchemy import create_engine, func, insert, select

from models import Application, ComplianceScore, ComplianceTierHistory, SyncRun
from models.compliance import ALL_SECTIONS
from portal.domain.compliance import DEFAULT_SETTINGS
from portal.iqfast import schema as iq
from portal.services.compliance import profile as compliance_profile
from portal.services.compliance.scoring_settings import save_settings
from portal.services.kpi.panel import compliance_tiers
from portal.services.sync import runs as sync
from support.sync_helpers import END, WIB, small_simulator

UTC = timezone.utc
# The simulator's "now" (END, naive WIB) as the clock, so its history lies inside the window whatever the date.
CLOCK = (END - WIB).replace(tzinfo=UTC) + timedelta(hours=2)


def _state(session, company: int, office: int, handler: int) -> dict:
    return {
        "tier": session.scalar(select(ComplianceScore.tier).where(ComplianceScore.service_user_id == company,
                                                                  ComplianceScore.section_id == ALL_SECTIONS)),
        "history": session.scalar(select(func.count(ComplianceTierHistory.id)).where(
            ComplianceTierHistory.service_user_id == company, ComplianceTierHistory.section_id == ALL_SECTIONS)),
        "flagged": compliance_profile.handler_profile(session, handler, office_id=office,
                                                      section_scope=None)["flagged"],
        "tiers": compliance_tiers(session, office, None)["tiers"],
    }


def _clean_company(session) -> tuple[int, int, int, int]:
    """A company with a completed application through a handler, not tier D: (company, office, handler, PTK id)."""
    a = Application
    rows = session.execute(
        select(a.service_user_id, a.office_id, a.handler_id, a.source_id)
        .join(ComplianceScore, (ComplianceScore.service_user_id == a.service_user_id)
              & (ComplianceScore.section_id == ALL_SECTIONS) & (ComplianceScore.tier != "D"))
        .where(a.completed_at.is_not(None), a.handler_id.is_not(None), a.deleted_at.is_(None))
        .order_by(a.service_user_id, a.id)).all()
    assert rows, "the simulator's first sync scored companies"
    return tuple(rows[0])


def test_a_sync_that_adds_detentions_leaves_tier_history_handler_flag_and_kpi_tiers_current(tmp_path, database):
    source = f"sqlite:///{tmp_path / 'iqfast.db'}"
    with time_machine.travel(CLOCK, tick=True):
        small_simulator(source, days=3, seed=11)
        assert sync.run_sync(database, source)["status"] == "success"
        with database.session() as session:
            company, office, handler, ptk = _clean_company(session)
            # Flag the handler at one more tier-D company than it serves now: the company's fall must flag it.
            served = compliance_profile.handler_profile(session, handler, office_id=office,
                                                        section_scope=None)["tier_d_companies"]
            save_settings(session, None, "test", {**DEFAULT_SETTINGS.to_dict(), "handler_flag_tier_d": served + 1})
            before = _state(session, company, office, handler)
        assert before["tier"] != "D" and before["flagged"] is False
        # IQFast records two detentions of the company's consignment (two records in the window: tier D).
        engine = create_engine(source)
        with engine.begin() as connection:
            for number in (1, 2):
                connection.execute(insert(iq.penahanan).values(
                    id_penahanan=9_000_000 + number, id_ptk=ptk, no_penahanan=f"TAHAN-UJI-{number}",
                    tgl_penahanan=END - timedelta(hours=number), alasan="OPT karantina ditemukan",
                    nama_petugas="Petugas Uji", nip_petugas="199001012020121001", tgl_update=END + timedelta(minutes=5)))
        engine.dispose()

        run = sync.run_sync(database, source)
        # Right as the run reports success: no other job has run since.
        assert run["status"] == "success"
        with database.session() as session:
            after = _state(session, company, office, handler)
            finished = session.get(SyncRun, run["run_id"]).finished_at
            latest = session.scalar(select(func.max(ComplianceTierHistory.recorded_at)).where(
                ComplianceTierHistory.service_user_id == company))
    assert after["tier"] == "D"
    assert after["history"] == before["history"] + 1  # the fall to D is in the tier history
    assert latest <= finished  # written before the run was recorded as finished
    assert after["flagged"] is True
    assert after["tiers"]["D"] == before["tiers"]["D"] + 1
    assert after["tiers"][before["tier"]] == before["tiers"][before["tier"]] - 1


def test_an_nnc_recorded_moves_the_tier_counts_at_once(session):
    """An NNC change refreshes the snapshots in its own transaction (two NNCs: tier D, counted on the KPI panel)."""
    from support.compliance_data import gen_nnc
    from support.factories import gen_application, gen_service_user
    from portal.services.compliance import rollup as compliance_rollup
    from portal.services.nnc.register import refresh_compliance

    with time_machine.travel(datetime(2026, 6, 15, 5, 0, tzinfo=UTC), tick=True):
        su = gen_service_user(session, name="PT Baru Sekali")
        for day in range(3):
            gen_application(session, su, submitted_at=datetime(2026, 5, 4 + day, 1, 0, tzinfo=UTC),
                            stages=("submitted", "handed_over"))
        compliance_rollup.refresh_rollups(session, service_user_ids=[su.id], scores=True)
        before = compliance_tiers(session, su.office_id, None)["tiers"]
        tier = session.scalar(select(ComplianceScore.tier).where(ComplianceScore.service_user_id == su.id,
                                                                 ComplianceScore.section_id == ALL_SECTIONS))
        for notice in (date(2026, 6, 1), date(2026, 6, 2)):
            gen_nnc(session, su, notice_date=notice)
        refresh_compliance(session, [su.id], date(2026, 6, 1))
        after = compliance_tiers(session, su.office_id, None)["tiers"]
    assert tier != "D" and after["D"] == before["D"] + 1 and after[tier] == before[tier] - 1
