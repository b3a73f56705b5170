"""`qcorner demo` run twice: the second run adds nothing (issue #15; `make run` reruns the demo every time)."""
from __future__ import annotations

from sqlalchemy import func, select

from models import Base
from portal.demo.build import build_demo
from portal.settings import load_settings


def _counts(database) -> dict[str, int]:
    with database.session() as s:
        return {name: s.scalar(select(func.count()).select_from(table))
                for name, table in Base.metadata.tables.items()}


def test_building_the_demo_twice_leaves_every_table_count_equal(settings, database, tmp_path):
    demo = load_settings(**{**settings.model_dump(), "env": "demo",
                            "iqfast_url": f"sqlite:///{tmp_path / 'iqfast.db'}"})
    summary = build_demo(demo, days=3, say=lambda _text: None, sync_history_days=3)
    first = _counts(database)
    again = build_demo(demo, days=3, say=lambda _text: None, sync_history_days=3)
    second = _counts(database)

    assert first["survey_invitations"] > 0 and first["applications"] > 0
    # The demo company has asked about two drafts: the officers' list has one open, its portal one answer.
    assert summary["corrections"] == again["corrections"] == {"open": 1, "answered": 1}
    assert {name: (first[name], second[name]) for name in first if first[name] != second[name]} == {}




def test_the_demo_builders_own_actions_read_as_the_system_not_as_a_user_named_demo(settings, database, tmp_path):
    """The builder's first sync and its guidance records were recorded under "demo", a user nobody has, which the
    sync page's "Dipicu oleh" and the audit log showed; they are the portal's own doing, read "Sistem" there, and
    a rerun adds none of them again. The demo accounts' own actions keep their names."""
    from callbacks.admin_sync import triggered_by_text
    from layouts.components.formatting import actor_name
    from models import AuditLog, SyncRun
    from portal.security.scope import SYSTEM_USERNAME

    demo = load_settings(**{**settings.model_dump(), "env": "demo",
                            "iqfast_url": f"sqlite:///{tmp_path / 'iqfast.db'}"})
    build_demo(demo, days=3, say=lambda _text: None, sync_history_days=3)

    def recorded():
        with database.session() as s:
            return (s.scalars(select(SyncRun.triggered_by).where(SyncRun.triggered_by.is_not(None))).all(),
                    s.execute(select(AuditLog.username, AuditLog.action)).all())

    runs, entries = recorded()
    assert runs == [SYSTEM_USERNAME] and triggered_by_text(runs[0]) == "Sistem"
    assert "demo" not in {username for username, _action in entries}
    guidance = [username for username, action in entries if action.startswith("guidance_")]
    assert guidance and set(guidance) == {SYSTEM_USERNAME} and actor_name(guidance[0]) == "Sistem"
    assert {username for username, _action in entries} & {"operator", "coordinator_plant"}  # people stay people

    build_demo(demo, days=3, say=lambda _text: None, sync_history_days=3)
    assert recorded() == (runs, entries)  # the second run records nothing more


def test_the_forwarder_account_has_the_busiest_company_and_the_service_user_one_with_every_kind_of_step(
        settings, database, tmp_path):
    """`forwarder` sees every service-user page as the station's heaviest user (issue #14); `service_user` a company
    with the most different stages to show (the busiest one may have none of the problems)."""
    from models import Application, ServiceUserLink, User

    demo = load_settings(**{**settings.model_dump(), "env": "demo",
                            "iqfast_url": f"sqlite:///{tmp_path / 'iqfast.db'}"})
    summary = build_demo(demo, days=3, say=lambda _text: None, sync_history_days=3)
    with database.session() as s:
        applications = dict(s.execute(select(Application.service_user_id, func.count()).where(
            Application.deleted_at.is_(None)).group_by(Application.service_user_id)).all())
        stages = dict(s.execute(select(Application.service_user_id, func.count(func.distinct(
            Application.current_stage))).where(Application.deleted_at.is_(None))
            .group_by(Application.service_user_id)).all())
        linked = dict(s.execute(select(User.username, ServiceUserLink.service_user_id).join(
            ServiceUserLink, ServiceUserLink.user_id == User.id)).all())
    assert summary["forwarder"]["service_user_id"] == linked["forwarder"]
    assert applications[linked["forwarder"]] == max(applications.values())
    assert stages[linked["service_user"]] == max(stages.values())
