"""Re-checking a stored decision from its inputs: the draw from the key version and the IQFast id, the level and
rate from the compliance snapshot it names (clean streak under its settings version), and what follows from them."""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import Application
from models.compliance import ComplianceTierHistory
from models.targeting import TargetingDecision
from portal.domain import targeting as rules
from portal.services.targeting.deciding import level_from_basis
from portal.services.targeting.keys import key_of
from portal.validation import NotFound

# Floats stored and recomputed may differ in the last bits on the way through the database.
TOLERANCE = 1e-12


def find_application(session: Session, reference: str) -> int:
    """Our application id from an id or an application number (nomor PTK)."""
    condition = Application.number == reference
    if reference.isdigit():
        condition = or_(condition, Application.id == int(reference))
    found = session.scalar(select(Application.id).where(condition).limit(1))
    if found is None:
        raise NotFound("application")
    return found


def verify(session: Session, application_id: int) -> dict[str, Any]:
    """{"application_id", "match", "checks": [{"what", "stored", "recomputed", "match"}]}; NotFound without a
    decision."""
    decision = session.scalar(select(TargetingDecision).where(TargetingDecision.application_id == application_id))
    if decision is None:
        raise NotFound("targeting_decision")
    source_id = session.scalar(select(Application.source_id).where(Application.id == application_id))
    checks: list[dict[str, Any]] = []

    def check(what: str, stored: Any, recomputed: Any, same: bool | None = None) -> None:
        checks.append({"what": what, "stored": stored, "recomputed": recomputed,
                       "match": (stored == recomputed) if same is None else same})

    check("iqfast_id", decision.iqfast_id, source_id)
    key = key_of(session, decision.office_id, decision.key_version)
    u = rules.draw(key, int(decision.iqfast_id)) if key is not None else None
    check("draw", decision.draw, u, u is not None and abs(u - decision.draw) <= TOLERANCE)
    basis = dict(decision.level_basis or {})
    level, rate = level_from_basis(session, basis)
    check("level", decision.level, level)
    if basis.get("source") == "compliance_scores":
        # The snapshot's tier against the tier history as it stood when the decision was made.
        h = ComplianceTierHistory
        recorded = session.scalar(select(h.tier).where(
            h.service_user_id == decision.service_user_id, h.section_id == decision.section_id,
            h.recorded_at <= decision.decided_at).order_by(h.recorded_at.desc(), h.id.desc()).limit(1))
        if recorded is not None:
            check("tier_at_decision", basis.get("tier"), recorded)
    check("rate", decision.rate, rate, abs(rate - decision.rate) <= TOLERANCE)
    random_selected = u is not None and rules.randomly_selected(u, rate)
    check("random_selected", decision.random_selected, random_selected)
    check("selected", decision.selected, rules.selected(u if u is not None else 1.0, rate, decision.flags or []))
    return {"application_id": application_id, "key_version": decision.key_version,
            "match": all(c["match"] for c in checks), "checks": checks}
