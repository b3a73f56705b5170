"""`qcorner demo` run twice: the second run adds nothing (issue #15; `make run` reruns the demo every time).

The demo is built twice once for the module (a build takes 5–12 s) and each test reads what the two runs left: the
counts, the summaries and what was recorded after each. The database goes back to its migrated content after the
module's last test."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from models import AuditLog, Base, SyncRun
from portal.demo.build import build_demo
from portal.settings import load_settings


@dataclass(frozen=True)
class Run:
    """What one `build_demo` returned and left in the database."""

    summary: dict
    counts: dict[str, int]
    sync_runs_by: list[str]                 # SyncRun.triggered_by of every run recorded so far
    audit_entries: list[tuple[str, str]]    # (username, action) of every audit entry so far


def _run(demo, database) -> Run:
    summary = build_demo(demo, days=3, say=lambda _text: None, sync_history_days=3)
    with database.session() as s:
        counts = {name: s.scalar(select(func.count()).select_from(table))
                  for name, table in Base.metadata.tables.items()}
        runs = s.scalars(select(SyncRun.triggered_by).where(SyncRun.triggered_by.is_not(None))).all()
        entries = [tuple(row) for row in s.execute(select(AuditLog.username, AuditLog.action)).all()]
    return Run(summary, counts, runs, entries)


@pytest.fixture(scope="module")
def demo_twice(settings, database, tmp_path_factory, reset_to_migrated):
    """The demo built on a migrated database, then built again: (first run, second run)."""
    demo = load_settings(**{**settings.model_dump(), "env": "demo",
                            "iqfast_url": f"sqlite:///{tmp_path_factory.mktemp('demo') / 'iqfast.db'}"})
    first = _run(demo, database)
    yield first, _run(demo, database)
    reset_to_migrated()


@pytest.fixture(autouse=True)
def clean_database():
    """Overrides the suite's reset after every test, which would empty the demo built once for the module: the
    tests here only read it."""
    yield


def test_building_the_demo_twice_leaves_every_table_count_equal(demo_twice):
    first, again = demo_twice
    assert first.counts["survey_invitations"] > 0 and first.counts["applications"] > 0
    # The demo company has asked about two drafts: the officers' list has one open, its portal one answer.
    assert first.summary["corrections"] == again.summary["corrections"] == {"open": 1, "answered": 1}
    assert {name: (first.counts[name], again.counts[name]) for name in first.counts
            if first.counts[name] != again.counts[name]} == {}


def test_the_demo_builders_own_actions_read_as_the_system_not_as_a_user_named_demo(demo_twice):
    """The builder's first sync and its guidance records were recorded under "demo", a user nobody has, which the
    sync page's "Dipicu oleh" and the audit log showed; they are the portal's own doing, read "Sistem" there, and
    a rerun adds none of them again. The demo accounts' own actions keep their names."""
    from callbacks.admin_sync import triggered_by_text
    from layouts.components.formatting import actor_name
    from portal.security.scope import SYSTEM_USERNAME

    first, again = demo_twice
    runs, entries = first.sync_runs_by, first.audit_entries
    assert runs == [SYSTEM_USERNAME] and triggered_by_text(runs[0]) == "Sistem"
    assert "demo" not in {username for username, _action in entries}
    guidance = [username for username, action in entries if action.startswith("guidance_")]
    assert guidance and set(guidance) == {SYSTEM_USERNAME} and actor_name(guidance[0]) == "Sistem"
    assert {username for username, _action in entries} & {"operator", "coordinator_plant"}  # people stay people
    assert (again.sync_runs_by, again.audit_entries) == (runs, entries)  # the second run records nothing more


def test_the_forwarder_account_has_the_busiest_company_and_the_service_user_one_with_every_kind_of_step(
        demo_twice, database):
    """`forwarder` sees every service-user page as the station's heaviest user (issue #14); `service_user` a company
    with the most different stages to show (the busiest one may have none of the problems)."""
    from models import Application, ServiceUserLink, User

    first, _again = demo_twice
    with database.session() as s:
        applications = dict(s.execute(select(Application.service_user_id, func.count()).where(
            Application.deleted_at.is_(None)).group_by(Application.service_user_id)).all())
        stages = dict(s.execute(select(Application.service_user_id, func.count(func.distinct(
            Application.current_stage))).where(Application.deleted_at.is_(None))
            .group_by(Application.service_user_id)).all())
        linked = dict(s.execute(select(User.username, ServiceUserLink.service_user_id).join(
            ServiceUserLink, ServiceUserLink.user_id == User.id)).all())
    assert first.summary["forwarder"]["service_user_id"] == linked["forwarder"]
    assert applications[linked["forwarder"]] == max(applications.values())
    assert stages[linked["service_user"]] == max(stages.values())


def test_demo_accounts_are_named_as_people_and_an_earlier_demos_name_with_its_role_is_cleaned(session):
    """"Agus Salim (Koordinator Wasdak)" filled a guidance form's officer beside colleagues' plain names: the role is
    the user menu's own line. A demo database of before keeps its accounts and loses only the role in the names."""
    from models import User
    from portal.demo.build import DEMO_ACCOUNTS, create_demo_accounts

    assert all("(" not in name for *_account, name in DEMO_ACCOUNTS)
    create_demo_accounts(session, "qcorner-demo")
    enforcement = session.scalar(select(User).where(User.username == "enforcement"))
    enforcement.full_name = "Agus Salim (Koordinator Wasdak)"
    head = session.scalar(select(User).where(User.username == "head"))
    head.full_name = "Kepala Balai Baru"  # renamed by an admin: left alone
    session.flush()
    create_demo_accounts(session, "qcorner-demo")
    assert (enforcement.full_name, head.full_name) == ("Agus Salim", "Kepala Balai Baru")
