"""Notifications come out of the sync itself: in the batch's transaction, once, and never for old history."""
from __future__ import annotations

from datetime import timedelta, timezone

from sqlalchemy import create_engine, func, select, update

from models import Application, NotificationOutbox, ServiceUser, ServiceUserLink, StageEvent, SyncCursor, User
from models.base import utcnow
from iqfast_sim.simulator import tick
from portal.iqfast import mapping
from portal.iqfast import schema as iq
from portal.services import notifications, service_user_links
from portal.services.sync import after_sync
from portal.services.sync import runs as sync
from support.sync_helpers import END, WIB, small_simulator


def _busiest_company(session) -> int:
    return session.scalar(select(Application.service_user_id).group_by(Application.service_user_id)
                          .order_by(func.count().desc()).limit(1))


def test_first_sync_of_history_notifies_nobody_and_later_events_are_notified_once(tmp_path, database, make_user):
    source = f"sqlite:///{tmp_path / 'iqfast.db'}"
    small_simulator(source, days=4, seed=3)
    assert sync.run_sync(database, source)["status"] == "success"
    account = make_user("eksportir_sync", "service_user")
    with database.session() as session:
        company = _busiest_company(session)
        service_user_links.link(session, None, account["id"], company)
        # The history was synced before the account existed: none of it is news.
        assert session.scalar(select(func.count(NotificationOutbox.id))) == 0
    with database.session() as session:
        # The simulator's clock stands at END: date the account there, so what it makes next is news.
        opened = (END - WIB).replace(tzinfo=timezone.utc)
        session.execute(update(ServiceUserLink).values(created_at=opened))
        session.execute(update(User).where(User.id == account["id"]).values(created_at=opened))
    for _ in range(6):
        tick(source, minutes=240)
        assert sync.run_sync(database, source)["status"] == "success"
    with database.session() as session:
        first = session.scalar(select(func.count(NotificationOutbox.id)))
    assert first > 0, "events after the account exists are notified"
    # Rerunning over the same rows (a reset cursor) writes nothing new.
    with database.session() as session:
        session.execute(SyncCursor.__table__.delete())
    assert sync.run_sync(database, source)["status"] == "success"
    with database.session() as session:
        assert session.scalar(select(func.count(NotificationOutbox.id))) == first


def test_rollups_follow_what_a_sync_changed(tmp_path, database):
    source = f"sqlite:///{tmp_path / 'iqfast.db'}"
    small_simulator(source, days=3, seed=5)
    started = utcnow()
    assert sync.run_sync(database, source)["status"] == "success"
    with database.session() as session:
        result = after_sync.refresh_rollups(session, started)
        assert result["applications"] > 0
        assert after_sync.changed_applications(session, utcnow()) == []


def test_a_first_load_notifies_only_events_within_the_notification_horizon(tmp_path, database, make_user, monkeypatch):
    source = f"sqlite:///{tmp_path / 'iqfast.db'}"
    small_simulator(source, days=4, seed=3)
    engine = create_engine(source)
    with engine.connect() as connection:
        busiest = connection.execute(select(iq.ptk.c.id_pengguna_jasa).group_by(iq.ptk.c.id_pengguna_jasa)
                                     .order_by(func.count().desc()).limit(1)).scalar()
    engine.dispose()
    # The code lists and the companies first, so an account is linked before the applications' history arrives.
    with monkeypatch.context() as patch:
        patch.setattr(mapping, "SOURCE_TABLES", tuple(t for t in mapping.SOURCE_TABLES
                                                      if t.startswith("m_") or t in ("pengguna_jasa", "ppjk")))
        assert sync.run_sync(database, source)["status"] == "success"
    account = make_user("eksportir_horizon", "service_user")
    # The account dates from long before the history: only the horizon can keep an old event quiet.
    opened = (END - WIB - timedelta(days=30)).replace(tzinfo=timezone.utc)
    with database.session() as session:
        company = session.scalar(select(ServiceUser.id).where(ServiceUser.source_id == busiest))
        service_user_links.link(session, None, account["id"], company)
        session.execute(update(ServiceUserLink).values(created_at=opened))
        session.execute(update(User).where(User.id == account["id"]).values(created_at=opened))
    # The horizon ends two simulated days before the simulator's now: half of its four days are recent.
    cutoff = (END - WIB - timedelta(days=2)).replace(tzinfo=timezone.utc)
    assert sync.run_sync(database, source, notification_horizon=utcnow() - cutoff)["status"] == "success"

    with database.session() as session:
        notified = session.scalars(select(NotificationOutbox.occurred_at)
                                   .where(NotificationOutbox.recipient_user_id == account["id"])).all()
        older = session.scalar(select(func.count(StageEvent.id)).join(Application)
                               .where(Application.service_user_id == company,
                                      StageEvent.stage.in_(notifications.NOTIFIED_STAGES),
                                      StageEvent.occurred_at < cutoff))
    assert older > 0, "the company has notified stages from before the horizon"
    assert notified, "events within the horizon are notified on the first load"
    assert min(notified) >= cutoff
