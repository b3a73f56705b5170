"""NNCs saved with a PTK no synced application had yet, linked once a sync brings that application.

An NNC from a foreign authority may name a PTK before IQFast's copy of it reaches us (the form accepts a well-formed
number it cannot find, and says so). Left alone, such an NNC read "tidak ditemukan" for good, until someone happened
to save its form again. Each sync run links them here, by the same rules as the form's save (validation: the office's
live application with that number, whose direction and date fit the notice), and the NNC's history says so.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Application, Nnc
from portal import audit
from portal.services.nnc.validation import certificate_id, link_problem, spellings
from portal.services.offices import office_zone

# Numbers asked for in one statement (an IN list): the unlinked NNCs are few, a broken import may leave many.
CHUNK = 1000


def link_synced(session: Session) -> int:
    """Link every NNC that names a PTK but no application to the synced application now having that number in its
    office, where it fits the notice (a misfit stays for an officer to read on the form). Returns how many were
    linked; each is written to the audit log (the NNC's history) as the sync's, with no account."""
    waiting = session.execute(select(Nnc.id, Nnc.office_id, Nnc.application_number, Nnc.flow, Nnc.notice_date)
                              .where(Nnc.application_id.is_(None), Nnc.application_number.is_not(None))).all()
    if not waiting:
        return 0
    numbers = sorted({spelling for row in waiting for spelling in spellings(row.application_number)})
    found: dict[tuple[int, str], object] = {}
    for start in range(0, len(numbers), CHUNK):
        for application in session.execute(
                select(Application.id, Application.number, Application.office_id, Application.direction,
                       Application.submitted_at)
                .where(Application.number.in_(numbers[start:start + CHUNK]), Application.deleted_at.is_(None))
                .order_by(Application.id)):
            found.setdefault((application.office_id, application.number), application)
    zones: dict[int, str] = {}
    linked = 0
    for row in waiting:
        application = next((found[(row.office_id, spelling)] for spelling in (row.application_number,
                                                                                row.application_number.upper())
                            if (row.office_id, spelling) in found), None)
        if application is None:
            continue
        zone = zones.setdefault(row.office_id, office_zone(session, row.office_id))
        if link_problem(row.flow, row.notice_date, application.direction, application.submitted_at, zone):
            continue
        nnc = session.get(Nnc, row.id)
        nnc.application_id = application.id
        if nnc.certificate_number and nnc.certificate_id is None:
            nnc.certificate_id = certificate_id(session, nnc.certificate_number, application.id)
        audit.record(session, None, None, "nnc_linked", "nnc", nnc.id, after={"application_number": application.number})
        linked += 1
    return linked
