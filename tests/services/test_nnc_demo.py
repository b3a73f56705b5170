"""The demo register: realistic, complete, idempotent, and it names the companies with the most 3P actions."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from support.factories import gen_action, gen_application, gen_service_user
from models import AttachmentBlob, Nnc
from portal.demo.nnc import build_demo_nncs
from portal.services import attachments
from portal.services.nnc import rules as nnc_rules


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
        assert build_demo_nncs(s, "0300") == {"created": 0, "skipped": len(_all(s))}  # idempotent
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


def test_demo_nncs_without_synced_data_name_parties(database):
    with database.session() as s:
        created = build_demo_nncs(s, "0300")["created"]
    with database.session() as s:
        rows = _all(s)
        assert len(rows) == created and all(r.service_user_id is None and r.party_name for r in rows)


def _all(session):
    return session.scalars(select(Nnc)).all()
