"""Searches match what was typed literally: `%` and `_` are LIKE's wildcards and matched everything (issue #16).
One helper (portal.services.text_search) builds every search's LIKE; here it is checked in the database and through
the complaint, audit, account, NNC and company searches."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditLog, User
from portal import audit
from portal.services import audit_log, complaints, users
from portal.services.nnc import register as nnc_register, search as nnc_search
from portal.services.text_search import contains, literal, starts_with
from support.factories import gen_service_user
from support.nnc_helpers import actor, valid_nnc


@pytest.mark.parametrize("typed, found", [
    ("%", {"diskon 100% lunas"}), ("_", {"kode_a1"}), ("0%", {"diskon 100% lunas"}), ("e_a", {"kode_a1"}),
    ("\\", {"jalur c:\\data"}), ("DISKON", {"diskon 100% lunas"}), ("x", {"kodexa1"}), ("zz", set()),
])
def test_a_wildcard_typed_in_a_search_matches_only_itself(session, typed, found):
    session.add_all([User(username=f"u{n}", full_name=name, role="operator", office_id=1, password_hash="x",
                          active=True, language="id")
                     for n, name in enumerate(["diskon 100% lunas", "kode_a1", "kodexa1", "jalur c:\\data"])])
    session.flush()
    assert set(session.scalars(select(User.full_name).where(contains(User.full_name, typed)))) == found


def test_starts_with_takes_the_text_literally(session):
    session.add_all([User(username=name, full_name=name, role="operator", office_id=1, password_hash="x",
                          active=True, language="id") for name in ("0801_10", "0801910")])
    session.flush()
    assert set(session.scalars(select(User.username).where(starts_with(User.username, "0801_")))) == {"0801_10"}
    assert literal(" A%b_c\\ ") == "a\\%b\\_c\\\\"


def test_the_complaint_search_takes_percent_and_underscore_literally(database, make_user):
    officer = actor(database, make_user, "operator")
    with database.session() as s:
        for subject in ("Tarif naik 50%", "Antrean lama", "kode_izin salah"):
            complaints.create(s, officer, {"channel": "phone", "category": "service", "subject": subject,
                                           "text": "Mohon dicek."}, source="officer")
    with database.session() as s:
        def subjects(text):
            return {row["subject"] for row in complaints.search(s, officer, text=text)["rows"]}

        assert subjects("%") == {"Tarif naik 50%"}
        assert subjects("_") == {"kode_izin salah"}
        assert len(subjects("")) == 3


def test_the_audit_search_takes_percent_and_underscore_literally(database, make_user):
    make_user("budi_santoso", "operator")
    make_user("budixsantoso", "operator")
    with database.session() as s:
        for name in ("budi_santoso", "budixsantoso"):
            audit.record(s, None, name, "login")
    with database.session() as s:
        assert {r["username"] for r in audit_log.search(s, username="budi_", action="login")["rows"]} == {
            "budi_santoso"}
        assert audit_log.search(s, username="%", action="login")["total"] == 0


def test_the_account_nnc_and_company_searches_take_wildcards_literally(database, make_user):
    make_user("petugas_a", "operator")
    make_user("petugasxa", "operator")
    officer = actor(database, make_user, "admin")
    with database.session() as s:
        assert {u["username"] for u in users.list_users(s, search="petugas_a")["rows"]} == {"petugas_a"}
        assert users.list_users(s, search="%")["rows"] == []
        company = gen_service_user(s, name="PT Maju_Jaya")
        gen_service_user(s, name="PT MajuXJaya")
        nnc_register.create_nnc(s, officer, valid_nnc(s, number="NNC/50%/1", service_user=company))
        nnc_register.create_nnc(s, officer, valid_nnc(s, number="NNC/500/2", service_user=company))
    with database.session() as s:
        assert [r["number"] for r in nnc_search.search_nncs(s, officer, {"text": "50%"})["rows"]] == ["NNC/50%/1"]
        from portal.services.nnc import lookups
        assert [c["name"] for c in lookups.search_service_users(s, officer, "maju_")] == ["PT Maju_Jaya"]
