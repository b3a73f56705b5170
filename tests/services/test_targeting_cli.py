"""`qcorner targeting`: listing decisions, verifying one (and catching a tampered one), rotating the key."""
from __future__ import annotations

import json
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select, update

from models import AuditLog, TargetingDecision, TargetingKey
from models.base import utcnow
from portal.cli.main import main
from portal.services.targeting import decide_new_applications
from support.factories import gen_application, gen_service_user


def _env(database_url):
    return {"QCORNER_DATABASE_URL": database_url}


def _decided(session) -> int:
    company = gen_service_user(session)
    application = gen_application(session, company)
    decide_new_applications(session, [application.id])
    session.commit()
    return application.id


def test_verify_matches_a_stored_decision_and_exits_1_on_a_tampered_one(database_url, session):
    application_id = _decided(session)
    runner = CliRunner()
    result = runner.invoke(main, ["targeting", "verify", "--application", str(application_id)], env=_env(database_url))
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("match")
    session.execute(update(TargetingDecision).values(draw=TargetingDecision.draw / 2 + 0.5))
    session.commit()
    result = runner.invoke(main, ["targeting", "verify", "--application", str(application_id), "--json"],
                           env=_env(database_url))
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert not report["match"] and [c["what"] for c in report["checks"] if not c["match"]][0] == "draw"


def test_decisions_lists_the_period_as_json(database_url, session):
    application_id = _decided(session)
    today = utcnow().date()
    result = CliRunner().invoke(main, ["targeting", "decisions", "--from", str(today - timedelta(days=1)), "--to",
                                       str(today), "--json"], env=_env(database_url))
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["application_id"] for r in rows] == [application_id]
    assert {"level", "draw", "rate", "flags", "selected", "key_version"} <= set(rows[0])


def test_rotate_key_retires_the_old_version_and_is_audited(database_url, session):
    result = CliRunner().invoke(main, ["targeting", "rotate-key", "--office", "0300"], env=_env(database_url))
    assert result.exit_code == 0, result.output
    versions = session.execute(select(TargetingKey.version, TargetingKey.retired_at).order_by(
        TargetingKey.version)).all()
    assert [v for v, _ in versions] == [1, 2] and versions[0][1] is not None and versions[1][1] is None
    assert session.scalar(select(AuditLog.action).where(AuditLog.action == "targeting_key_rotated"))
