"""When a handover opens a survey invitation (DOMAIN.md, "Satisfaction survey"): the one home of the rule.

- A handover opens an invitation only if no other invitation of its company lies within `cooldown_days` of it,
  before or after: compared with every invitation of the company, so a handover synced late (older than the
  latest invitation) cannot slip in next to an earlier one.
- One prompt at a time: when an invitation opens, the company's older unanswered ones expire at that moment,
  and one opened before a later invitation (a late handover) expires when that later one is due.
- `repair` is the one-off clean-up (migration 0012s) of invitations made before the rule held: answered ones
  are kept as they are, the surplus unanswered ones expire.

The sync (notifications.enqueue_for_synced_events) and the demo both call `open_for_handovers`.
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models.service_portal import SurveyInvitation

VALID_DAYS = 30  # how long an invitation can be answered, unless a newer one opens first


def open_for_handovers(session: Session, handovers: Iterable[tuple[int, int, datetime]],
                       cooldown_days: int = 30) -> dict[int, int]:
    """Invitations for handovers given as (application id, company id, handed over at, UTC-aware), in any order.

    Returns application id → invitation id for each handover that has one (made earlier, or now); a handover
    within `cooldown_days` of another invitation of its company gets none. Flushes, never commits.
    """
    first: dict[int, tuple[datetime, int]] = {}
    for application_id, company_id, at in handovers:
        if application_id not in first or at < first[application_id][0]:
            first[application_id] = (at, company_id)
    if not first:
        return {}
    result = dict(session.execute(select(SurveyInvitation.application_id, SurveyInvitation.id)
                                  .where(SurveyInvitation.application_id.in_(list(first)))).all())
    todo = sorted((at, application_id, company) for application_id, (at, company) in first.items()
                  if application_id not in result)
    if not todo:
        return result
    cooldown, valid = timedelta(days=cooldown_days), timedelta(days=VALID_DAYS)
    # Every invitation that could be within the cooldown of a new one, or still open when one opens.
    reach = max(cooldown, valid)
    by_company: dict[int, list[SurveyInvitation]] = defaultdict(list)
    for invitation in session.scalars(
            select(SurveyInvitation)
            .where(SurveyInvitation.service_user_id.in_(sorted({company for _, _, company in todo})),
                   SurveyInvitation.invited_at > todo[0][0] - reach,
                   SurveyInvitation.invited_at < todo[-1][0] + reach)
            .order_by(SurveyInvitation.invited_at, SurveyInvitation.id)):
        by_company[invitation.service_user_id].append(invitation)
    for at, application_id, company in todo:
        known = by_company[company]
        times = [i.invited_at for i in known]
        where = bisect.bisect_left(times, at)
        before = known[where - 1] if where else None
        after = known[where] if where < len(known) else None
        if (before is not None and at - before.invited_at < cooldown) or \
                (after is not None and after.invited_at - at < cooldown):
            continue
        expires_at = at + valid
        if after is not None:
            expires_at = min(expires_at, after.invited_at)  # a later invitation is already the prompt then
        invitation = SurveyInvitation(application_id=application_id, service_user_id=company, invited_at=at,
                                      expires_at=expires_at)
        session.add(invitation)
        for older in known[:where]:
            if older.responded_at is None and older.expires_at > at:
                older.expires_at = at  # the new one is the company's prompt now
        session.flush()
        known.insert(where, invitation)
        result[application_id] = invitation.id
    return result


def repair(connection: Connection, cooldown_days: int = 30) -> int:
    """Expire the unanswered invitations the old rule made too many of; returns how many rows changed.

    Per company, in time order: an answered invitation is kept untouched; an unanswered one is kept only when
    no answered or earlier kept invitation lies within `cooldown_days`; the others expire at the moment they
    were made. A kept unanswered one expires no later than the company's next kept invitation. Plain Core on the
    migration's connection, so it runs the same on PostgreSQL and SQLite.
    """
    table = SurveyInvitation.__table__
    rows = connection.execute(select(table.c.id, table.c.service_user_id, table.c.invited_at, table.c.expires_at,
                                     table.c.responded_at)
                              .order_by(table.c.service_user_id, table.c.invited_at, table.c.id)).all()
    cooldown = timedelta(days=cooldown_days)
    companies: dict[int, list] = defaultdict(list)
    for row in rows:
        companies[row.service_user_id].append(row)
    changes = []
    for invitations in companies.values():
        answered = [row.invited_at for row in invitations if row.responded_at is not None]
        kept_open = []
        for row in invitations:
            if row.responded_at is not None:
                continue
            near = any(abs(row.invited_at - at) < cooldown for at in answered) or \
                (kept_open and row.invited_at - kept_open[-1].invited_at < cooldown)
            if near:
                if row.expires_at > row.invited_at:
                    changes.append({"row_id": row.id, "new_expiry": row.invited_at})
            else:
                kept_open.append(row)
        kept = sorted([row.invited_at for row in invitations if row.responded_at is not None]
                      + [row.invited_at for row in kept_open])
        for row in kept_open:
            later = kept[bisect.bisect_right(kept, row.invited_at):]
            if later and row.expires_at > later[0]:
                changes.append({"row_id": row.id, "new_expiry": later[0]})
    if changes:
        connection.execute(update(table).where(table.c.id == bindparam("row_id"))
                           .values(expires_at=bindparam("new_expiry")), changes)
    return len(changes)
