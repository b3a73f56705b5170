"""NNCs saved with a PTK no synced application had yet, linked once a sync brings that application.

An NNC from a foreign authority may name a PTK before IQFast's copy of it reaches us (the form accepts a well-formed
number it cannot find, and says so). Left alone, such an NNC read "tidak ditemukan" for good, until someone happened
to save its form again. Each sync run links them here, by the same rules as the form's save (validation: the office's
live application with that number, whose direction and date fit the notice), and the NNC's history says so.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Application, Nnc
from portal import audit
from portal.services.nnc.register import refresh_compliance
from portal.services.nnc.validation import certificate_id, link_problem, spellings
from portal.services.offices import office_zone

# Numbers asked for in one statement (an IN list): the unlinked NNCs are few, a broken import may leave many.
CHUNK = 1000


def link_synced(session: Session) -> int:
    """Link every NNC that names a PTK but no application to the synced application now having that number in its
    office (validation._application's rule, for all of them at once), where it fits the notice and is the same
    company's (a misfit, or another company's consignment behind a mistyped PTK, stays for an officer to read on the
    form). The linked NNCs' companies are scored again as after a save (the rollups file an NNC under its
    application's commodity). Returns how many were linked; each is written to the audit log (the NNC's history) as
    the sync's, with no account."""
    waiting = session.execute(select(Nnc.id, Nnc.office_id, Nnc.service_user_id, Nnc.application_number, Nnc.flow,
                                     Nnc.notice_date)
                              .where(Nnc.application_id.is_(None), Nnc.application_number.is_not(None))).all()
    if not waiting:
        return 0
    numbers = sorted({spelling for row in waiting for spelling in spellings(row.application_number)})
    found: dict[tuple[int, str], object] = {}
    for start in range(0, len(numbers), CHUNK):
        for application in session.execute(
                select(Application.id, Application.number, Application.office_id, Application.service_user_id,
                       Application.direction, Application.submitted_at)
                .where(Application.number.in_(numbers[start:start + CHUNK]), Application.deleted_at.is_(None))
                .order_by(Application.id)):
            found.setdefault((application.office_id, application.number), application)
    zones: dict[int, str] = {}
    touched: dict[int, date] = {}
    linked = 0
    for row in waiting:
        # As typed first, then the other spellings the save would match.
        candidates = [row.application_number, *sorted(spellings(row.application_number) - {row.application_number})]
        application = next((found[(row.office_id, spelling)] for spelling in candidates
                            if (row.office_id, spelling) in found), None)
        if application is None or row.service_user_id not in (None, application.service_user_id):
            continue
        zone = zones.setdefault(row.office_id, office_zone(session, row.office_id))
        if link_problem(row.flow, row.notice_date, application.direction, application.submitted_at, zone):
            continue
        nnc = session.get(Nnc, row.id)
        nnc.application_id = application.id
        if nnc.certificate_number and nnc.certificate_id is None:
            nnc.certificate_id = certificate_id(session, nnc.certificate_number, application.id)
        audit.record(session, None, None, "nnc_linked", "nnc", nnc.id, after={"application_number": application.number})
        if row.service_user_id is not None:
            touched[row.service_user_id] = min(row.notice_date, touched.get(row.service_user_id, row.notice_date))
        linked += 1
    for service_user_id, since in touched.items():
        refresh_compliance(session, [service_user_id], since)
    return linked
