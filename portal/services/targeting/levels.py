"""A service user's own inspection level per section, and how many clean consignments move it to the next.

What the service user may know of targeting (DOMAIN: inspection targeting): their level and the way to a lower
one — never whether a given consignment was selected. So this reads only the clean streaks the level follows
(compliance_streaks, current after every sync and NNC change), nothing of targeting_decisions.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Section, ServiceUser
from models.compliance import ALL_SECTIONS, ComplianceStreak
from portal.domain.compliance import NORMAL, REDUCED, TIGHTENED, intervention_level
from portal.services.compliance.scoring_settings import current_settings
from portal.services.my_applications import company_ids

NEXT_LEVEL = {TIGHTENED: NORMAL, NORMAL: REDUCED}


def my_levels(session: Session, viewer) -> list[dict[str, Any]]:
    """Per linked company and section: level, its inspection percentage, clean consignments to the next level.

    A company with no completed consignment in a section yet has no row there (it starts tightened).
    """
    ids = company_ids(session, viewer)
    if not ids:
        return []
    _version, settings = current_settings(session)
    percents = {TIGHTENED: settings.tightened_percent, NORMAL: settings.normal_percent,
                REDUCED: settings.reduced_percent}
    rows = session.execute(
        select(ServiceUser.id, ServiceUser.name, Section.code, ComplianceStreak.clean_streak)
        .join(ComplianceStreak, ComplianceStreak.service_user_id == ServiceUser.id)
        .join(Section, Section.id == ComplianceStreak.section_id)
        .where(ServiceUser.id.in_(ids), ComplianceStreak.section_id != ALL_SECTIONS)
        .order_by(ServiceUser.name, ServiceUser.id, Section.code)).all()
    result = []
    for company_id, name, section, streak in rows:
        level = intervention_level(streak, settings)
        following = NEXT_LEVEL.get(level.name)
        result.append({
            "company_id": company_id, "company": name, "section": section, "level": level.name,
            "percent": float(level.sampling_percent), "clean_streak": streak,
            "clean_to_next": level.clean_to_next_level, "next_level": following,
            "next_percent": float(percents[following]) if following else None,
        })
    return result
