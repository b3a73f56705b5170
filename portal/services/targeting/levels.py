"""A service user's own inspection level per section, and how many clean consignments move it to the next.

What the service user may know of targeting (DOMAIN: inspection targeting): their level and the way to a lower
one — never whether a given consignment was selected. So this reads only the compliance snapshot the decisions
take their level from (compliance_scores, as portal.services.targeting.deciding does), nothing of
targeting_decisions.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Section, ServiceUser
from models.compliance import ALL_SECTIONS, ComplianceScore
from portal.domain.compliance import NORMAL, REDUCED, TIGHTENED, ScoringSettings, intervention_level
from portal.services.my_applications import company_ids
from portal.services.targeting.deciding import compliance_settings_of

NEXT_LEVEL = {TIGHTENED: NORMAL, NORMAL: REDUCED}


def my_levels(session: Session, viewer) -> list[dict[str, Any]]:
    """Per linked company and section: level, its inspection percentage, clean consignments to the next level.

    A company with no completed consignment in a section yet has no row there (it starts tightened).
    """
    ids = company_ids(session, viewer)
    if not ids:
        return []
    rows = session.execute(
        select(ServiceUser.id, ServiceUser.name, Section.code, ComplianceScore.clean_streak,
               ComplianceScore.settings_version)
        .join(ComplianceScore, ComplianceScore.service_user_id == ServiceUser.id)
        .join(Section, Section.id == ComplianceScore.section_id)
        .where(ServiceUser.id.in_(ids), ComplianceScore.section_id != ALL_SECTIONS)
        .order_by(ServiceUser.name, ServiceUser.id, Section.code)).all()
    settings_of: dict[int, ScoringSettings] = {}
    result = []
    for company_id, name, section, streak, version in rows:
        if version not in settings_of:
            settings_of[version] = compliance_settings_of(session, version)
        settings = settings_of[version]
        percents = {TIGHTENED: settings.tightened_percent, NORMAL: settings.normal_percent,
                    REDUCED: settings.reduced_percent}
        level = intervention_level(streak, settings)
        following = NEXT_LEVEL.get(level.name)
        result.append({
            "company_id": company_id, "company": name, "section": section, "level": level.name,
            "percent": float(level.sampling_percent), "clean_streak": streak,
            "clean_to_next": level.clean_to_next_level, "next_level": following,
            "next_percent": float(percents[following]) if following else None,
        })
    return result
