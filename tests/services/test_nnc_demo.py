"""The demo register: realistic, complete, idempotent, and it names the companies with the most 3P actions."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from support.compliance_data import gen_nnc
from support.factories import gen_action, gen_application, gen_service_user
from models import Application, AttachmentBlob, Nnc, TargetingDecision
from portal.domain.periods import local_date
from portal.demo.nnc import build_demo_nncs
from portal.services import attachments
from portal.services.nnc import rules as nnc_rules
from portal.services.targeting import decide_new_applications


def test_demo_nncs_cover_every_kind_and_name_the_worst_offenders(database):
    with database.session() as s:
        offenders = []
        for n in range(3):
            company = gen_service_user(s, name=f"PT Pelanggar {n}")
            application = gen_application(s, company, section="plant")
            for _ in range(5 - n):
                gen_action(s, application)
            offenders.append(company.id)
        gen_service_user(s, name="PT Patuh Selalu")  # no 3P at all
    with database.session() as s:
        assert build_demo_nncs(s, "0300")["created"] >= 15
    with database.session() as s:
        assert build_demo_nncs(s, "0300") == {"created": 0, "skipped": len(_all(s)), "redecided": 0}  # idempotent
        rows = _all(s)
        assert {r.flow for r in rows} == set(nnc_rules.FLOWS)
        assert {r.category for r in rows} == set(nnc_rules.CATEGORIES)
        assert {r.subcategory for r in rows if r.subcategory} == set(nnc_rules.DOCUMENT_PROBLEMS)
        assert {r.action_taken for r in rows} == set(nnc_rules.ACTIONS)
        assert {r.status for r in rows} == set(nnc_rules.STATUSES)
        named = Counter(r.service_user_id for r in rows if r.service_user_id)
        assert set(named) <= set(offenders) and sum(named.values()) > len(rows) / 2
        assert s.scalar(select(func.count()).select_from(AttachmentBlob)) >= 3
        types = {attachments.detect_type(b) for b in s.scalars(select(AttachmentBlob.content))}
        assert types == {"application/pdf", "image/png"}
        # A notice received from abroad is about our export, which entered there: its airport, not ours "(muat)"
        for row in rows:
            assert ("Soekarno-Hatta" in row.point_of_entry) == (row.flow == "issued"), (row.flow, row.point_of_entry)


def test_demo_nncs_without_synced_data_name_parties(database):
    with database.session() as s:
        created = build_demo_nncs(s, "0300")["created"]
    with database.session() as s:
        rows = _all(s)
        assert len(rows) == created and all(r.service_user_id is None and r.party_name for r in rows)



def test_demo_nncs_link_only_an_export_applied_for_by_the_notice_date(database):
    """Each offender's latest consignments are an import, a domestic one and an export applied for after every
    notice; a received NNC may name none of them, only an earlier export of its section."""
    today = date(2026, 12, 5)

    def at(days_ago: int) -> datetime:  # 10:00 WIB that day
        return datetime.combine(today - timedelta(days=days_ago), time(3, 0), timezone.utc)

    with database.session() as s:
        for n in range(3):
            company = gen_service_user(s, name=f"PT Pelanggar {n}")
            old_export = gen_application(s, company, direction="export", submitted_at=at(400))
            for _ in range(3 - n):
                gen_action(s, old_export)
            gen_application(s, company, direction="export", submitted_at=at(100))
            gen_application(s, company, direction="import", submitted_at=at(5))
            gen_application(s, company, direction="domestic_out", submitted_at=at(4))
            gen_application(s, company, direction="domestic_in", submitted_at=at(3))
            gen_application(s, company, direction="export", submitted_at=at(2))
    with database.session() as s:
        built = build_demo_nncs(s, "0300", today=today)
    with database.session() as s:
        assert build_demo_nncs(s, "0300", today=today) == {"created": 0, "skipped": built["created"],
                                                            "redecided": 0}
        linked = s.execute(select(Nnc.flow, Nnc.notice_date, Application.direction, Application.submitted_at)
                           .join(Application, Application.id == Nnc.application_id)).all()
        assert linked  # the demo still shows linked applications
        for flow, notice, direction, submitted_at in linked:
            assert (flow, direction) == ("received", "export")
            assert local_date(submitted_at, "Asia/Jakarta") <= notice
        # both earlier exports are used: the one of 100 days ago by the NNCs dated after it, the older one before
        assert {local_date(row.submitted_at, "Asia/Jakarta") for row in linked} == {
            today - timedelta(days=400), today - timedelta(days=100)}


def test_the_demos_decisions_after_a_companys_first_notice_see_its_nncs(database):
    """The demo's first copy decides every application before its NNCs exist: those of the named companies submitted
    since their first notice are decided again, so the recent-NNC flag shows where a station would have raised it;
    earlier decisions stay as they were, and a second build decides nothing again."""
    today = date(2026, 12, 5)
    with database.session() as s:
        company = gen_service_user(s, name="PT Pelanggar Demo")
        applications = [gen_application(s, company, section="plant", submitted_at=datetime.combine(
            today - timedelta(days=days_ago), time(3, 0), timezone.utc)) for days_ago in range(400, 0, -7)]
        for _ in range(3):
            gen_action(s, applications[0])
        # A company the demo does not name, with an NNC an operator recorded: its decisions are not the demo's to redo.
        other = gen_service_user(s, name="PT Bukan Pelanggar Demo")
        others = [gen_application(s, other, section="plant", submitted_at=datetime.combine(
            today - timedelta(days=days_ago), time(3, 0), timezone.utc)) for days_ago in (30, 20, 10)]
        gen_nnc(s, other, notice_date=today - timedelta(days=40))
        decide_new_applications(s, [a.id for a in applications + others])
    with database.session() as s:
        before = {d.application_id: (d.id, d.flags) for d in s.scalars(select(TargetingDecision))}
        assert not any(_flagged(before[a.id][1]) for a in applications)  # decided before any NNC of theirs
        built = build_demo_nncs(s, "0300", today=today)
    with database.session() as s:
        first = s.scalar(select(func.min(Nnc.notice_date)).where(Nnc.service_user_id == company.id,
                                                                 Nnc.status != "void"))
        after = {d.application_id: (d.id, d.flags) for d in s.scalars(select(TargetingDecision))}
        submitted = {a.id: local_date(a.submitted_at, "Asia/Jakarta") for a in s.scalars(select(Application))}
        assert set(after) == set(before)
        assert all(after[a.id] == before[a.id] for a in others)
        mine = {a.id for a in applications}
        again = {app_id for app_id in after if app_id in mine and submitted[app_id] >= first}
        assert built["redecided"] == len(again) > 0
        assert all(after[app_id] == before[app_id] for app_id in set(after) - again)  # kept, the same row
        assert any(_flagged(after[app_id][1]) for app_id in again)
        assert build_demo_nncs(s, "0300", today=today)["redecided"] == 0


def _flagged(flags) -> bool:
    return any(flag["code"] == "recent_nnc" for flag in flags or [])


def _all(session):
    return session.scalars(select(Nnc)).all()
