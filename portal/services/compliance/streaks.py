"""Clean streaks under a direction or commodity filter (DOMAIN: compliance — the streak, the time since the last
violation, the tier and the intervention level follow the filters).

The unfiltered streaks (per section) are kept in compliance_streaks by the rollups. Under a direction or commodity
filter they are read from the raw tables for the service users of one ranking: the last violation among the
filtered consignments (3P actions of those applications, NNCs by their application's direction, else their flow,
and its primary commodity), then the filtered consignments completed after it, over all synced history.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import case, func, select, type_coerce
from sqlalchemy.orm import Session

from models import Application, Nnc, QuarantineAction
from portal.domain.periods import local_midnight
from portal.services.compliance.sources import _primary_commodity, nnc_consignment_direction

CHUNK = 1000  # service users per query (an IN list and a CASE of as many moments)
NEVER = datetime(1900, 1, 1, tzinfo=timezone.utc)


def filtered_streaks(session: Session, office_id: int, service_user_ids: list[int], *, tz: str,
                     section_id: int | None, direction: str | None, commodity_id: int | None) -> dict[int, dict[str, Any]]:
    """service user → {"clean_streak", "last_violation_at"} over the consignments the filters choose."""
    a, q = Application, QuarantineAction
    result: dict[int, dict[str, Any]] = {}
    for start in range(0, len(service_user_ids), CHUNK):
        ids = service_user_ids[start:start + CHUNK]
        actions = (select(q.service_user_id, func.max(q.action_at)).join(a, a.id == q.application_id)
                   .where(q.office_id == office_id, q.deleted_at.is_(None), q.service_user_id.in_(ids))
                   .group_by(q.service_user_id))
        nnc_direction = nnc_consignment_direction(Nnc, a)
        nncs = (select(Nnc.service_user_id, func.max(Nnc.notice_date)).outerjoin(a, a.id == Nnc.application_id)
                .where(Nnc.office_id == office_id, Nnc.counts_against_compliance, Nnc.service_user_id.in_(ids))
                .group_by(Nnc.service_user_id))
        apps = [a.office_id == office_id, a.completed_at.is_not(None), a.deleted_at.is_(None),
                a.service_user_id.in_(ids)]
        if section_id is not None:
            actions, nncs = actions.where(q.section_id == section_id), nncs.where(Nnc.section_id == section_id)
            apps.append(a.section_id == section_id)
        if direction is not None:
            actions, nncs = actions.where(a.direction == direction), nncs.where(nnc_direction == direction)
            apps.append(a.direction == direction)
        if commodity_id is not None:
            actions = actions.where(_primary_commodity(a.id) == commodity_id)
            nncs = nncs.where(_primary_commodity(Nnc.application_id) == commodity_id)
            apps.append(_primary_commodity(a.id) == commodity_id)
        last: dict[int, datetime] = dict(session.execute(actions).all())
        for su, notice in session.execute(nncs):
            moment = local_midnight(notice, tz)  # an NNC counts from the start of its notice date
            if su not in last or moment > last[su]:
                last[su] = moment
        after = type_coerce(case(last, value=a.service_user_id, else_=NEVER) if last else NEVER,
                            a.completed_at.type)
        counts = dict(session.execute(select(a.service_user_id, func.count(a.id))
                                      .where(*apps, a.completed_at > after).group_by(a.service_user_id)).all())
        for su in ids:
            result[su] = {"clean_streak": int(counts.get(su, 0)), "last_violation_at": last.get(su)}
    return result
