"""The complaints register: one place for complaints and information requests from every channel.

Validation happens here once; a refused complaint writes nothing. Every change is kept in the
complaint's own history and in the audit log.
"""
from __future__ import annotations

import re
import secrets
import statistics
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import (Application, Complaint, ComplaintAttachment, ComplaintEvent, Office,
                    ServiceUser, User)
from models.base import utcnow
from models.complaint import CATEGORIES, CHANNELS, STATUSES
from portal import audit
from portal.domain.periods import local_date
from portal.domain.working_days import add_working_days
from portal.security.permissions import roles_with
from portal.security.scope import scope_of
from portal.services import attachments, edit_versions, notifications
from portal.services.office_calendar import calendar_for
from portal.services.text_search import contains
from portal.settings import DEFAULT_TIMEZONE, Settings, load_settings
from portal.validation import ErrorCollector, Forbidden, NotFound

LIMITS = {"subject": 200, "text": 5000, "reporter_name": 120, "reporter_contact": 200, "reporter_email": 254,
          "answer": 5000}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Codes people read aloud on the phone: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
OPEN_STATUSES = ("new", "in_progress")
TRANSITIONS = {
    "new": {"in_progress", "answered", "closed"},
    "in_progress": {"answered", "closed"},
    "answered": {"closed", "in_progress"},   # reopened when the reporter follows up
    "closed": {"in_progress"},
}
PAGE_SIZE = 50


def new_tracking_code() -> str:
    """PGD-XXXX-XXXX: unguessable enough to be the only key a reporter holds."""
    part = lambda: "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))  # noqa: E731
    return f"PGD-{part()}-{part()}"


def office_today(tz: str, now: datetime | None = None) -> date:
    """'Today' is today in the office's time zone."""
    return (now or utcnow()).astimezone(ZoneInfo(tz)).date()


def due_date_for(session: Session, received: date, working_days: int = 5, office_id: int | None = None) -> date:
    """The answer is due this many working days after the day received: weekends, national holidays, cuti bersama
    and the office's own calendar edits skipped (portal.services.working_calendar)."""
    return add_working_days(received, working_days, calendar_for(session, office_id))


def answer_working_days(settings: Settings, category: str, needs_field_check: bool = False) -> int:
    """SP4N-LAPOR!'s tier for the answer: by category, or the field-check deadline when an officer must go and look."""
    if needs_field_check:
        return settings.complaint_due_field_check
    return getattr(settings, f"complaint_due_{category}")


def deadlines(session: Session, received: date, category: str, needs_field_check: bool = False,
              settings: Settings | None = None, office_id: int | None = None) -> dict[str, date]:
    """The first-response and answer due dates of a complaint received on `received` (the office's calendar day),
    on that office's working-day calendar."""
    settings = settings or load_settings()
    calendar = calendar_for(session, office_id)
    return {"first_response_due": add_working_days(received, settings.complaint_first_response_working_days,
                                                   calendar),
            "due_date": add_working_days(received, answer_working_days(settings, category, needs_field_check),
                                         calendar)}


def first_response_late(complaint: Complaint, today: date, tz: str) -> bool:
    """Taken up after its first-response due date, or still new past it."""
    if complaint.first_response_at is not None:
        return office_today(tz, complaint.first_response_at) > complaint.first_response_due
    return complaint.status == "new" and today > complaint.first_response_due


def follow_calendar(session: Session, actor, office: Office, day: date, before, after, reason: str) -> list[dict]:
    """After the office's calendar changed on `day`: each open complaint whose answer period (or, not yet taken up,
    first-response period) spans the day keeps its number of working days, so its due dates move; the move is kept
    in the complaint's history."""
    zone = ZoneInfo(office.timezone)
    # Received before the day ends anywhere (a day's margin for the zone), due on or after it: a small, indexed set.
    candidates = session.scalars(select(Complaint).where(
        Complaint.office_id == office.id, Complaint.status.in_(OPEN_STATUSES), Complaint.due_date >= day,
        Complaint.received_at < datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(days=1)))
    moved = []
    for complaint in candidates:
        received = complaint.received_at.astimezone(zone).date()
        if received >= day:
            continue
        fields = ("due_date", "first_response_due") if complaint.first_response_at is None else ("due_date",)
        old = {name: getattr(complaint, name) for name in fields if getattr(complaint, name) is not None}
        new = {name: after.add_working_days(received, before.working_days_between(received, value))
               for name, value in old.items()}
        changed = [name for name in old if new[name] != old[name]]
        if changed:
            moved.append({"id": complaint.id, **{name: new[name].isoformat() for name in changed}})
            _history(session, complaint, actor, "due_date_moved", {name: old[name].isoformat() for name in changed},
                     {**{name: new[name].isoformat() for name in changed}, "calendar_day": day.isoformat(),
                      "reason": reason})
            for name in changed:
                setattr(complaint, name, new[name])
    return moved


def _clean(value: Any) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


def _check_text_fields(errors: ErrorCollector, data: dict[str, Any], required: tuple[str, ...]) -> None:
    for field in required:
        if not _clean(data.get(field)):
            errors.add(field, "complaints.error.required")
    for field, limit in LIMITS.items():
        if len(_clean(data.get(field))) > limit:
            errors.add(field, "complaints.error.too_long", max=limit, length=len(_clean(data.get(field))))
    email = _clean(data.get("reporter_email"))
    if email and not EMAIL.match(email):
        errors.add("reporter_email", "complaints.error.email")


def _resolve_links(session: Session, errors: ErrorCollector, data: dict[str, Any]) -> tuple[int | None, int | None]:
    service_user_id = data.get("service_user_id") or None
    if service_user_id and session.get(ServiceUser, int(service_user_id)) is None:
        errors.add("service_user_id", "complaints.error.service_user")
    number = _clean(data.get("application_number"))
    application_id = None
    if number:
        application_id = session.scalar(select(Application.id).where(Application.number == number))
        if application_id is None:
            errors.add("application_number", "complaints.error.application", number=number)
    return (int(service_user_id) if service_user_id else None), application_id


def _check_application_submitted(session: Session, errors: ErrorCollector, application_id: int | None,
                                 number: str, received_day: date, zone: str) -> None:
    """A complaint can only be about an application already submitted when it was received: one submitted on a
    later day (both read as the office's calendar days, not UTC) is another consignment, refused on its field.
    A complaint may be about an application of any direction. An earlier problem with the number (not found,
    another company's) stays the one reported, so its dates are never shown to whom may not see it."""
    if application_id is None or "application_number" in errors.errors:
        return
    submitted_at = session.scalar(select(Application.submitted_at).where(Application.id == application_id))
    submitted = local_date(submitted_at, zone)
    if submitted > received_day:
        errors.add("application_number", "complaints.error.application_after_received", number=number,
                   submitted=submitted.strftime("%d/%m/%Y"), received=received_day.strftime("%d/%m/%Y"))


def _received_moment(errors: ErrorCollector, value: Any, zone: str, now: datetime) -> datetime | None:
    """When a complaint recorded by an officer was received, from the day its form gives (YYYY-MM-DD, the office's
    calendar day): required (left empty it used to become "now" unseen), a real day, not after today. Today is now;
    an earlier day is 08:00 there (the hour is not asked; the deadlines count the day)."""
    text = _clean(value)
    if not text:
        errors.add("received_date", "complaints.error.received_required")
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors.add("received_date", "complaints.error.date")
        return None
    today = office_today(zone, now)
    if day > today:
        errors.add("received_date", "complaints.error.future")
        return None
    return now if day == today else datetime.combine(day, time(8, 0), tzinfo=ZoneInfo(zone))


def create(session: Session, actor, data: dict[str, Any], *, source: str = "officer",
           files: list[tuple[str, bytes]] | None = None, settings=None) -> dict[str, Any]:
    """Record a complaint; `source` is officer (any channel), public (the web form) or portal (a service user).

    The moment received: `received_date` when the data carries that field (the officer's form: see
    `_received_moment`), else `received_at` (a UTC moment, e.g. the demo's), else now."""
    errors = ErrorCollector()
    channel = {"public": "web", "portal": "portal"}.get(source, data.get("channel"))
    if channel not in CHANNELS:
        errors.add("channel", "complaints.error.channel")
    category = data.get("category")
    if category not in CATEGORIES:
        errors.add("category", "complaints.error.category")
    _check_text_fields(errors, data, ("subject", "text"))
    service_user_id, application_id = _resolve_links(session, errors, data)
    if source == "portal" and application_id is not None and session.scalar(
            select(Application.service_user_id).where(Application.id == application_id)) not in actor.service_user_ids:
        errors.add("application_number", "complaints.error.application", number=_clean(data.get("application_number")))
    if source == "portal" and service_user_id is not None and service_user_id not in actor.service_user_ids:
        errors.add("service_user_id", "complaints.error.service_user")
    office_id = getattr(actor, "office_id", None) or data.get("office_id") or session.scalar(
        select(Office.id).order_by(Office.id))
    office = session.get(Office, office_id)
    now = utcnow()
    received_at = data.get("received_at")
    if "received_date" in data:  # the officer's form, whose day is asked and shown: the one stored
        received_at = _received_moment(errors, data["received_date"], office.timezone, now)
    elif received_at and received_at > now:
        errors.add("received_date", "complaints.error.future")
    received_day = office_today(office.timezone, received_at or now)
    _check_application_submitted(session, errors, application_id, _clean(data.get("application_number")),
                                 received_day, office.timezone)
    for filename, content in files or []:
        problem = attachments.problem(filename, content)
        if problem:
            errors.add("attachments", problem[0], **problem[1])
    errors.raise_if_any()

    reporter = {"name": _clean(data.get("reporter_name")) or None,
                "contact": _clean(data.get("reporter_contact")) or None,
                "email": _clean(data.get("reporter_email")) or None}
    if source == "portal":
        # Sent from a company's account: the officers answer that account (its name and email), and the company is
        # the application's when the account serves several (a forwarder) and named none. It read "Anonim".
        account = session.get(User, actor.id)
        reporter = {"name": account.full_name or account.username, "contact": None, "email": account.email or None}
        if service_user_id is None and application_id is not None:
            service_user_id = session.scalar(select(Application.service_user_id)
                                             .where(Application.id == application_id))
    complaint = Complaint(
        office_id=office_id, tracking_code=_unique_code(session), channel=channel, category=category,
        subject=_clean(data["subject"]), text=_clean(data["text"]),
        reporter_name=reporter["name"], reporter_contact=reporter["contact"], reporter_email=reporter["email"],
        service_user_id=service_user_id, application_id=application_id,
        submitted_by_id=actor.id if source == "portal" else None,
        created_by_id=actor.id if source == "officer" and actor else None,
        status="new", received_at=received_at or now,
        **deadlines(session, received_day, category, settings=settings, office_id=office.id), updated_at=now)
    session.add(complaint)
    session.flush()
    for filename, content in files or []:
        _attach(session, complaint, actor, filename, content)
    _history(session, complaint, actor, "created", None, {"status": "new", "channel": channel})
    return {"id": complaint.id, "tracking_code": complaint.tracking_code, "due_date": complaint.due_date,
            "first_response_due": complaint.first_response_due}


def _unique_code(session: Session) -> str:
    while True:
        code = new_tracking_code()
        if session.scalar(select(Complaint.id).where(Complaint.tracking_code == code)) is None:
            return code


def _attach(session: Session, complaint: Complaint, actor, filename: str, content: bytes) -> None:
    digest = attachments.store(session, filename, content)
    session.add(ComplaintAttachment(complaint_id=complaint.id, blob_hash=digest,
                                    filename=attachments.clean_filename(filename),
                                    uploaded_by_id=getattr(actor, "id", None)))


def _history(session: Session, complaint: Complaint, actor, action: str, before, after) -> None:
    actor_id, actor_name = getattr(actor, "id", None), getattr(actor, "username", None)
    session.add(ComplaintEvent(complaint_id=complaint.id, user_id=actor_id, username=actor_name, action=action,
                               before=before, after=after))
    audit.record(session, actor_id, actor_name, f"complaint_{action}", "complaint", complaint.id, before, after)


def _visible(viewer, complaint: Complaint) -> bool:
    """Readers (`complaints.view`) within their offices; a company-scoped user only what they submitted."""
    scope = scope_of(viewer)
    if scope.company_scoped:
        return scope.user_id is not None and complaint.submitted_by_id == scope.user_id
    return scope.can("complaints.view") and scope.sees_office(complaint.office_id)


def _get_for(session: Session, viewer, complaint_id: int) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(complaint_id)
    if not _visible(viewer, complaint):
        raise Forbidden(complaint_id)
    return complaint


def check_reach(session: Session, viewer, complaint_id: int) -> None:
    """NotFound / Forbidden as the complaint's page would meet them (`detail`), at the cost of one row: the page's
    document answers 404 for them (portal/app.py), before its callback draws."""
    _get_for(session, viewer, complaint_id)


# The fields of the complaint's handling form, to say what changed under a stale one (edit_versions).
EDIT_FIELDS = ("status", "category", "assignee_id", "answer", "needs_field_check")


def edit_values(complaint: Complaint) -> dict[str, Any]:
    """The complaint's values by field of the handling form."""
    return {name: getattr(complaint, name) for name in EDIT_FIELDS}


def update(session: Session, actor, complaint_id: int, data: dict[str, Any], *, settings=None,
           expected_version: int | None = None, opened: dict[str, Any] | None = None,
           emailing_answer: bool = False) -> dict[str, Any]:
    """Assign, categorise, link, answer, flag for a field check or move the status along; only allowed transitions.

    The category and the field-check flag decide the answer's due date, so changing either moves it (from the day
    received); the first status change out of `new` is the first response. A save from a form opened on an older
    version (`expected_version`, `opened`) is refused with StaleEdit. `emailing_answer`: the officer emails the answer
    to the reporter right after this save ("Simpan & kirim jawaban via email"; `mark_answer_emailed` once it went)."""
    if not scope_of(actor).can("complaints.edit"):
        raise Forbidden(complaint_id)
    complaint = _get_for(session, actor, complaint_id)
    # The version before the form's own rules: a form opened while "new" and saved after someone else answered it
    # is told who saved what meanwhile, not that "answered → new" is not allowed (as guidance._move does).
    if not edit_versions.is_current(complaint.version, expected_version):
        raise edit_versions.stale(session, opened or {}, edit_values(complaint), "complaint", complaint.id)
    errors = ErrorCollector()
    status = data.get("status") or complaint.status
    if status not in STATUSES:
        errors.add("status", "complaints.error.status")
    elif status != complaint.status and status not in TRANSITIONS[complaint.status]:
        errors.add("status", "complaints.error.transition", frm=complaint.status, to=status)
    answer = _clean(data.get("answer")) if "answer" in data else (complaint.answer or "")
    if status in ("answered", "closed") and not answer:
        errors.add("answer", "complaints.error.answer_required")
    if len(answer) > LIMITS["answer"]:
        errors.add("answer", "complaints.error.too_long", max=LIMITS["answer"], length=len(answer))
    category = data.get("category") or complaint.category
    if category not in CATEGORIES:
        errors.add("category", "complaints.error.category")
    assignee_id = data.get("assignee_id", complaint.assignee_id) or None
    if assignee_id:
        assignee = session.get(User, int(assignee_id))
        if assignee is None or assignee.role not in roles_with("complaints.edit") or not assignee.active:
            errors.add("assignee_id", "complaints.error.assignee")
    service_user_id, application_id = _resolve_links(session, errors, {
        "service_user_id": data.get("service_user_id", complaint.service_user_id),
        "application_number": data.get("application_number", "")})
    if data.get("application_number") is not None:
        zone = session.scalar(select(Office.timezone).where(Office.id == complaint.office_id))
        _check_application_submitted(session, errors, application_id, _clean(data.get("application_number")),
                                     office_today(zone, complaint.received_at), zone)
    field_check = data.get("needs_field_check", complaint.needs_field_check)
    if not isinstance(field_check, bool):
        errors.add("needs_field_check", "complaints.error.field_check")
    errors.raise_if_any()

    if not assignee_id and status in ("answered", "closed") and complaint.status not in ("answered", "closed") \
            and getattr(actor, "id", None):
        # Whoever answers (or closes) a complaint no one was assigned answers for it: the record said "belum
        # ditugaskan" under an answer. Only on that move: a later edit of an answered one assigns no one.
        assignee_id = actor.id
    planned = {"status": status, "answer": answer or None, "category": category,
               "assignee_id": int(assignee_id) if assignee_id else None, "service_user_id": service_user_id,
               "needs_field_check": field_check}
    if data.get("application_number") is not None:
        planned["application_id"] = application_id
    if any(getattr(complaint, name) != value for name, value in planned.items()):
        edit_versions.claim(session, complaint, expected_version, opened, edit_values, "complaint")
    before = _snapshot(complaint)
    now = utcnow()
    complaint.status, complaint.answer, complaint.category = status, answer or None, category
    complaint.assignee_id = int(assignee_id) if assignee_id else None
    complaint.service_user_id = service_user_id
    if data.get("application_number") is not None:
        complaint.application_id = application_id
    if status == "answered" and before["status"] != "answered":
        complaint.answered_at = now
    if status == "closed" and complaint.closed_at is None:
        complaint.closed_at = now
        complaint.answered_at = complaint.answered_at or now
    if status in OPEN_STATUSES:
        complaint.closed_at = None
    if status != "new" and complaint.first_response_at is None:
        complaint.first_response_at = now
    if (category, field_check) != (before["category"], before["needs_field_check"]):
        complaint.needs_field_check = field_check
        office = session.get(Office, complaint.office_id)
        complaint.due_date = deadlines(session, office_today(office.timezone, complaint.received_at), category,
                                       field_check, settings, office.id)["due_date"]
    old, new = audit.changed_fields(before, _snapshot(complaint))
    if new:  # a save that changes nothing leaves the complaint as it was, its time included
        complaint.updated_at = now
        _history(session, complaint, actor, "updated", old, new)
    if status in ("answered", "closed") and before["status"] not in ("answered", "closed"):
        _tell_the_sender(session, complaint, now, emailing_answer)
    return detail(session, actor, complaint_id)


# The "complaint answered" notification: its template, and its event keys (one per answering) by complaint.
ANSWERED_TEMPLATE = "complaint_answered"
# How long that notification's email waits while the officer emails the answer itself to the same address: far
# longer than the send (the mailer gives up after seconds); had the answer not gone by then, the notification goes.
ANSWER_EMAIL_HOLD = timedelta(minutes=10)


def _answered_event_prefix(complaint_id: int) -> str:
    return f"complaint_{complaint_id}_"


def _tell_the_sender(session: Session, complaint: Complaint, now, emailing_answer: bool = False) -> None:
    """A complaint sent from the portal, answered: its account is told on each of its channels, as of an application's
    news (it had to look at "Pengaduan saya" to find out). One message per answering: reopened and answered again,
    it is told again.

    When the officer is emailing the answer itself (`emailing_answer`), the notification's email to that same address
    is held: once the answer has gone it is withdrawn (`mark_answer_emailed`), so the sender reads the answer once,
    in full; should the send fail, the notification's email still goes after the hold."""
    if complaint.submitted_by_id is None:
        return
    event_key = f"{_answered_event_prefix(complaint.id)}{int(now.timestamp())}"
    notifications.notify_user(session, complaint.submitted_by_id, complaint.application_id, event_key,
                              ANSWERED_TEMPLATE, {"complaint_id": complaint.id, "subject": complaint.subject,
                                                  "tracking_code": complaint.tracking_code}, now=now)
    if emailing_answer and complaint.reporter_email:
        notifications.hold_email(session, complaint.submitted_by_id, event_key, complaint.reporter_email,
                                 now + ANSWER_EMAIL_HOLD)


def add_attachments(session: Session, actor, complaint_id: int, files: list[tuple[str, bytes]]) -> None:
    if not scope_of(actor).can("complaints.edit"):
        raise Forbidden(complaint_id)
    complaint = _get_for(session, actor, complaint_id)
    errors = ErrorCollector()
    for filename, content in files:
        problem = attachments.problem(filename, content)
        if problem:
            errors.add("attachments", problem[0], **problem[1])
    errors.raise_if_any()
    for filename, content in files:
        _attach(session, complaint, actor, filename, content)
    _history(session, complaint, actor, "attached", None, {"files": [f for f, _ in files]})


def _snapshot(complaint: Complaint) -> dict[str, Any]:
    return {"status": complaint.status, "answer": complaint.answer, "category": complaint.category,
            "assignee_id": complaint.assignee_id, "service_user_id": complaint.service_user_id,
            "application_id": complaint.application_id, "needs_field_check": complaint.needs_field_check,
            "due_date": complaint.due_date.isoformat() if complaint.due_date else None}


def is_overdue(status: str, due: date, today: date) -> bool:
    return status in OPEN_STATUSES and today > due


def search(session: Session, viewer, *, status: str | None = None, channel: str | None = None,
           category: str | None = None, text: str | None = None, overdue_only: bool = False,
           page: int = 0, page_size: int = PAGE_SIZE, tz: str = DEFAULT_TIMEZONE) -> dict[str, Any]:
    """A page of complaints the viewer may see, newest first, with counts per status."""
    reach = scope_of(viewer)
    if not reach.can("complaints.view") and not reach.company_scoped:
        raise Forbidden("complaints")
    if reach.company_scoped:  # what they submitted themselves, whichever company it names
        scope = select(Complaint).where(Complaint.submitted_by_id == reach.user_id)
    else:
        scope = reach.visible(select(Complaint), Complaint)
    today = office_today(tz)
    query = scope
    if status:
        query = query.where(Complaint.status == status)
    if channel:
        query = query.where(Complaint.channel == channel)
    if category:
        query = query.where(Complaint.category == category)
    if text:
        query = query.where(or_(contains(Complaint.subject, text), contains(Complaint.text, text),
                                contains(Complaint.tracking_code, text)))
    if overdue_only:
        query = query.where(Complaint.status.in_(OPEN_STATUSES), Complaint.due_date < today)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    counts = _status_counts(session, scope)
    overdue = session.scalar(select(func.count()).select_from(
        scope.where(Complaint.status.in_(OPEN_STATUSES), Complaint.due_date < today).subquery()))
    rows = session.scalars(query.order_by(Complaint.received_at.desc(), Complaint.id.desc())
                           .offset(max(page, 0) * page_size).limit(page_size)).all()
    return {"total": total, "page": page, "page_size": page_size, "counts": counts, "overdue": overdue,
            "rows": [_row(c, today, tz) for c in rows]}


MY_PAGE_SIZE = 10


def own_page(session: Session, viewer, *, page: int = 0, page_size: int = MY_PAGE_SIZE, preview: int = 120,
             tz: str = DEFAULT_TIMEZONE) -> dict[str, Any]:
    """A page of the complaints a service user sent, newest first, as their list shows them: one query for the page
    (and one for the total), paged in the database.

    The text and the answer come as their first `preview` characters with whether there is more: a page of cards
    must not carry ten texts and answers of up to 5,000 characters each, nor read each complaint's whole detail;
    `detail` reads the one the person opens."""
    reach = scope_of(viewer)
    if not reach.company_scoped or reach.user_id is None:
        raise Forbidden("complaints")
    mine = Complaint.submitted_by_id == reach.user_id
    total = session.scalar(select(func.count()).select_from(Complaint).where(mine)) or 0
    cut = preview + 1  # one character more than shown says whether there is more, without the length of it all
    query = (select(Complaint.id, Complaint.tracking_code, Complaint.category, Complaint.subject, Complaint.status,
                    Complaint.received_at, Complaint.due_date, Application.number, Application.id,
                    Complaint.answered_at, func.substr(Complaint.text, 1, cut), func.substr(Complaint.answer, 1, cut))
             .outerjoin(Application, Application.id == Complaint.application_id).where(mine)
             .order_by(Complaint.received_at.desc(), Complaint.id.desc())
             .offset(max(page, 0) * page_size).limit(page_size))
    today = office_today(tz)
    rows = []
    for (complaint_id, code, category, subject, status, received_at, due, number, application_id, answered_at, text,
         answer) in session.execute(query):
        text, answer = text or "", answer or ""
        rows.append({"id": complaint_id, "tracking_code": code, "category": category, "subject": subject,
                     "status": status, "received_at": received_at, "due_date": due,
                     "overdue": is_overdue(status, due, today), "application_number": number,
                     "application_id": application_id, "answered_at": answered_at,
                     "text": text[:preview], "text_more": len(text) > preview,
                     "answer": answer[:preview], "answer_more": len(answer) > preview})
    return {"total": total, "page": page, "page_size": page_size, "rows": rows}


def _status_counts(session: Session, scope) -> dict[str, int]:
    sub = scope.subquery()
    return {status: count for status, count in session.execute(
        select(sub.c.status, func.count()).group_by(sub.c.status)).all()}


def _row(complaint: Complaint, today: date, tz: str) -> dict[str, Any]:
    return {"id": complaint.id, "tracking_code": complaint.tracking_code, "channel": complaint.channel,
            "category": complaint.category, "subject": complaint.subject, "status": complaint.status,
            "received_at": complaint.received_at, "due_date": complaint.due_date,
            "overdue": is_overdue(complaint.status, complaint.due_date, today),
            "first_response_due": complaint.first_response_due, "first_response_at": complaint.first_response_at,
            "first_response_late": first_response_late(complaint, today, tz),
            "needs_field_check": complaint.needs_field_check, "reporter_name": complaint.reporter_name}


def detail(session: Session, viewer, complaint_id: int, tz: str = DEFAULT_TIMEZONE) -> dict[str, Any]:
    """Everything about one complaint the viewer may see (service users: their own, without officer details); its
    history newest first."""
    complaint = _get_for(session, viewer, complaint_id)
    today = office_today(tz)
    result = _row(complaint, today, tz) | {
        "text": complaint.text, "answer": complaint.answer, "answered_at": complaint.answered_at,
        "closed_at": complaint.closed_at, "reporter_contact": complaint.reporter_contact,
        "reporter_email": complaint.reporter_email, "contact_erased_at": complaint.contact_erased_at,
        "service_user_id": complaint.service_user_id, "application_id": complaint.application_id,
        "assignee_id": complaint.assignee_id, "answer_emailed_at": complaint.answer_emailed_at,
        "version": complaint.version,
        "service_user_name": session.scalar(select(ServiceUser.name).where(
            ServiceUser.id == complaint.service_user_id)) if complaint.service_user_id else None,
        "application_number": session.scalar(select(Application.number).where(
            Application.id == complaint.application_id)) if complaint.application_id else None,
        "attachments": [{"id": a.id, "filename": a.filename, "uploaded_at": a.uploaded_at}
                        for a in session.scalars(select(ComplaintAttachment).where(
                            ComplaintAttachment.complaint_id == complaint.id).order_by(ComplaintAttachment.id))],
    }
    if scope_of(viewer).company_scoped:
        return {k: result[k] for k in ("id", "tracking_code", "category", "subject", "text", "status",
                                       "received_at", "due_date", "overdue", "answer", "answered_at",
                                       "application_number")}
    # Newest first, as an NNC's history reads (portal/services/nnc/detail.py): the latest handling is what an
    # officer opening the complaint looks for, and a long history no longer hides it at the foot of the page.
    result["history"] = [{"at": e.at, "username": e.username, "action": e.action, "before": e.before,
                          "after": e.after} for e in session.scalars(select(ComplaintEvent).where(
                              ComplaintEvent.complaint_id == complaint.id).order_by(ComplaintEvent.at.desc(),
                                                                                    ComplaintEvent.id.desc()))]
    # The people the history names as assignees, by name (an assignee may since have left the office's list).
    assignee_ids = {int(side["assignee_id"]) for e in result["history"] for side in (e["before"], e["after"])
                    if isinstance(side, dict) and side.get("assignee_id")}
    result["assignee_names"] = {u.id: u.full_name or u.username for u in session.scalars(
        select(User).where(User.id.in_(sorted(assignee_ids))))} if assignee_ids else {}
    return result


def attachment_for(session: Session, viewer, attachment_id: int) -> tuple[str, attachments.Blob]:
    """An attachment's name and content, only for someone who may see its complaint."""
    link = session.get(ComplaintAttachment, attachment_id)
    if link is None:
        raise NotFound(attachment_id)
    complaint = _get_for(session, viewer, link.complaint_id)
    if scope_of(viewer).company_scoped:
        raise Forbidden(attachment_id)
    audit.record(session, viewer.id, viewer.username, "complaint_attachment_downloaded", "complaint", complaint.id,
                 after={"attachment_id": attachment_id})
    return link.filename, attachments.fetch(session, link.blob_hash)


def public_status(session: Session, tracking_code: str, tz: str = DEFAULT_TIMEZONE) -> dict[str, Any]:
    """What a reporter holding the tracking code may read: status and answer, nothing about officers."""
    code = (tracking_code or "").strip().upper()
    complaint = session.scalar(select(Complaint).where(Complaint.tracking_code == code)) if code else None
    if complaint is None:
        raise NotFound(code)
    return {"tracking_code": complaint.tracking_code, "subject": complaint.subject, "status": complaint.status,
            "received_at": complaint.received_at, "due_date": complaint.due_date,
            "answer": complaint.answer if complaint.status in ("answered", "closed") else None,
            "answered_at": complaint.answered_at}


def editors(session: Session, office_id: int) -> list[dict[str, Any]]:
    """Who a complaint can be assigned to."""
    return [{"id": u.id, "name": u.full_name or u.username} for u in session.scalars(
        select(User).where(User.office_id == office_id, User.role.in_(roles_with("complaints.edit")), User.active)
        .order_by(User.full_name))]


def mark_answer_emailed(session: Session, actor, complaint_id: int, *, to: str, answer: str) -> None:
    """Record that `answer` was emailed to `to`: the words that went out, which a later save may change on the
    complaint but never in what the reporter received. A portal sender's "answered" notification still waiting to be
    emailed to `to` is withdrawn: they get the answer once."""
    complaint = _get_for(session, actor, complaint_id)
    complaint.answer_emailed_at = utcnow()
    _history(session, complaint, actor, "answer_emailed", None, {"to": to, "answer": answer})
    if complaint.submitted_by_id is not None:
        # The answer in that mailbox is the news itself: the "answered" notification's email to the same address, not
        # sent yet (held for this send, waiting for a digest or for the scheduler), is not sent as well.
        notifications.withdraw_email(session, complaint.submitted_by_id, ANSWERED_TEMPLATE,
                                     _answered_event_prefix(complaint.id), to,
                                     "not sent: the answer itself was emailed to this address")


def kpi_figures(session: Session, office_id: int, start: datetime, end: datetime, today: date,
                tz: str = DEFAULT_TIMEZONE) -> dict[str, Any]:
    """For the KPI panel: open now, overdue now, and of those received in the period the median hours to answer
    and how many first responses came on time or late (late includes those still new past their due date)."""
    open_now = session.scalar(select(func.count()).where(Complaint.office_id == office_id,
                                                         Complaint.status.in_(OPEN_STATUSES)))
    overdue = session.scalar(select(func.count()).where(Complaint.office_id == office_id,
                                                        Complaint.status.in_(OPEN_STATUSES),
                                                        Complaint.due_date < today))
    # Complaints are a few hundred a period: fetching the durations is cheaper than a portable percentile.
    pairs = session.execute(select(Complaint.received_at, Complaint.answered_at).where(
        Complaint.office_id == office_id, Complaint.received_at >= start, Complaint.received_at < end,
        Complaint.answered_at.is_not(None))).all()
    hours = [(answered - received).total_seconds() / 3600 for received, answered in pairs]
    received = session.scalars(select(Complaint).where(
        Complaint.office_id == office_id, Complaint.received_at >= start, Complaint.received_at < end)).all()
    late = sum(first_response_late(c, today, tz) for c in received)
    on_time = sum(c.first_response_at is not None and not first_response_late(c, today, tz) for c in received)
    return {"open": open_now, "overdue": overdue, "received": len(received), "answered": len(hours),
            "median_hours_to_answer": round(statistics.median(hours), 1) if hours else None,
            "first_response_on_time": on_time, "first_response_late": late}


def erase_expired_contacts(session: Session, retention_days: int, now: datetime | None = None) -> int:
    """Erase reporters' contact data from complaints closed longer ago than the retention period (UU 27/2022)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    expired = session.scalars(select(Complaint).where(
        Complaint.closed_at.is_not(None), Complaint.closed_at < cutoff, Complaint.contact_erased_at.is_(None),
        or_(Complaint.reporter_name.is_not(None), Complaint.reporter_contact.is_not(None),
            Complaint.reporter_email.is_not(None)))).all()
    for complaint in expired:
        complaint.reporter_name = complaint.reporter_contact = complaint.reporter_email = None
        complaint.contact_erased_at = now
        _history(session, complaint, None, "contact_erased", None, {"retention_days": retention_days})
    return len(expired)
