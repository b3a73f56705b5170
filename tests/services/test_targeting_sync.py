"""Inspection decisions come out of the sync: every application a sync inserts gets one, once, never changed."""
from __future__ import annotations

from sqlalchemy import func, select, update

from iqfast_sim.simulator import tick
from models import Application, ComplianceScore, TargetingDecision, TargetingPending
from portal.services.compliance import scoring_settings
from portal.services.sync import runs as sync
from portal.services.targeting import deciding as decisions, keys, settings as targeting_settings
from portal.services.targeting.verify import verify
from support.sync_helpers import small_simulator


def _snapshot(session) -> dict[int, tuple]:
    d = TargetingDecision
    return {row[0]: tuple(row[1:]) for row in session.execute(select(
        d.application_id, d.level, d.rate, d.draw, d.selected, d.key_version, d.settings_version, d.decided_at))}


def test_a_first_load_decides_every_application_and_later_changes_never_touch_a_decision(tmp_path, database):
    source = f"sqlite:///{tmp_path / 'iqfast.db'}"
    small_simulator(source, days=3, seed=7)
    assert sync.run_sync(database, source)["status"] == "success"
    with database.session() as session:
        applications = session.scalar(select(func.count(Application.id)))
        first = _snapshot(session)
        assert applications > 0 and len(first) == applications
        assert session.scalar(select(func.count()).select_from(TargetingPending)) == 0
        # Levels come from the scores the run brought current, not "tightened" for everyone.
        assert {row[0] for row in first.values()} <= {"tightened", "normal", "reduced"}
        office = session.scalar(select(Application.office_id).limit(1))
        # A settings change, a tier change and a key rotation afterwards...
        targeting_settings.save_settings(session, None, "admin", {**targeting_settings.current_settings(session)[1]
                                                                 .to_dict(), "new_company": False})
        values = scoring_settings.current_settings(session)[1].to_dict()
        scoring_settings.save_settings(session, None, "admin", {**values, "normal_after_clean": 1})
        session.execute(update(ComplianceScore).values(tier="D", intervention="tightened", clean_streak=0))
        keys.rotate_key(session, office, None, "admin")
    tick(source, minutes=600)
    assert sync.run_sync(database, source)["status"] == "success"
    with database.session() as session:
        after = _snapshot(session)
        # ...and a later sync leave every earlier decision exactly as it was.
        assert {k: after[k] for k in first} == first
        new = set(after) - set(first)
        assert new, "the tick brought new applications, each decided"
        assert len(after) == session.scalar(select(func.count(Application.id)))
        # Every decision, old and new, still verifies from its stored key version and snapshot.
        assert all(verify(session, i)["match"] for i in sorted(after)[:: max(1, len(after) // 25)])
        # The new ones were drawn under the rotated key and the new settings; the old ones keep theirs.
        assert {after[i][4] for i in new} == {2} and {first[i][4] for i in first} == {1}
        assert {after[i][5] for i in new} == {1} and {first[i][5] for i in first} == {0}


def test_applications_synced_before_targeting_get_no_decision(tmp_path, database):
    source = f"sqlite:///{tmp_path / 'iqfast.db'}"
    small_simulator(source, days=2, seed=11)
    assert sync.run_sync(database, source)["status"] == "success"
    with database.session() as session:
        # As if these had been synced before the feature: no decision, and nothing queued for them.
        session.execute(TargetingDecision.__table__.delete())
        before = set(session.scalars(select(Application.id)))
    tick(source, minutes=300)
    assert sync.run_sync(database, source)["status"] == "success"
    with database.session() as session:
        decided = set(session.scalars(select(TargetingDecision.application_id)))
        assert decided and not decided & before
        assert decisions.decision_for(session, min(before)) is None
        one = decisions.decision_for(session, min(decided))
        assert one["application_id"] == min(decided) and 0 <= one["draw"] < 1
