"""The satisfaction survey (SKM, PermenPANRB 14/2017) as service users answer it.

An invitation opens with a handover (see notifications.enqueue_for_synced_events); it is answered once,
through an emailed single-use link (`/survey/<token>`, no login) or from the portal. The answer is stored
without the company: only `survey_invitations.response_id` leads back to it, for an admin to trace.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Application, Office
from models.base import utcnow
from models.service_portal import AccessToken, SurveyInvitation, SurveyResponse
from portal.domain.ikm import ELEMENTS, MAX_ANSWER, MIN_ANSWER
from portal.services.my_applications import require_company_access
from portal.services.notifications import hash_token
from portal.validation import ErrorCollector, Forbidden, NotFound

GENDERS = ("male", "female")
AGE_GROUPS = ("under_25", "25_34", "35_44", "45_54", "55_plus")
EDUCATIONS = ("sd", "smp", "sma", "diploma", "s1", "s2", "s3")
OCCUPATIONS = ("civil_servant", "military_police", "private_employee", "entrepreneur", "student", "other")
PROFILE_CHOICES = {"gender": GENDERS, "age_group": AGE_GROUPS, "education": EDUCATIONS, "occupation": OCCUPATIONS}
MAX_COMMENT = 2000


class SurveyClosed(Exception):
    """The link or invitation cannot be used (unknown, used, expired, already answered). `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _invitation_view(session: Session, invitation: SurveyInvitation) -> dict[str, Any]:
    application = session.get(Application, invitation.application_id)
    office = session.get(Office, application.office_id)
    return {"invitation_id": invitation.id, "application_id": application.id, "number": application.number,
            "office_name": office.name, "timezone": office.timezone, "invited_at": invitation.invited_at,
            "expires_at": invitation.expires_at}


def _usable(invitation: SurveyInvitation | None, now: datetime) -> SurveyInvitation:
    if invitation is None:
        raise SurveyClosed("unknown")
    state = invitation.state(now)
    if state != "open":
        raise SurveyClosed(state)
    return invitation


def _token_row(session: Session, token: str, now: datetime) -> AccessToken:
    row = session.scalar(select(AccessToken).where(AccessToken.token_hash == hash_token(token or ""),
                                                   AccessToken.purpose == "survey"))
    if row is None:
        raise SurveyClosed("unknown")
    if row.used_at is not None:
        raise SurveyClosed("answered")
    if row.expires_at <= now:
        raise SurveyClosed("expired")
    return row


def open_by_token(session: Session, token: str, now: datetime | None = None) -> dict[str, Any]:
    """The invitation behind an emailed link, if it can still be answered."""
    now = now or utcnow()
    row = _token_row(session, token, now)
    return _invitation_view(session, _usable(session.get(SurveyInvitation, row.survey_invitation_id), now))


def open_for_viewer(session: Session, viewer, application_id: int, now: datetime | None = None) -> dict[str, Any]:
    """The invitation of one of the viewer's applications (company access checked first)."""
    now = now or utcnow()
    require_company_access(session, viewer, application_id)
    invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.application_id == application_id))
    return _invitation_view(session, _usable(invitation, now))


def validate_answers(form: dict[str, Any]) -> dict[str, Any]:
    """The nine elements (all required, 1–4), the optional profile and comment; every error at once."""
    errors = ErrorCollector()
    values: dict[str, Any] = {}
    for element in ELEMENTS:
        raw = form.get(f"element_{element.number}")
        try:
            answer = int(raw)
        except (TypeError, ValueError):
            answer = None
        if answer is None or not MIN_ANSWER <= answer <= MAX_ANSWER:
            errors.add(f"element_{element.number}", "skm.error.element_required", number=element.number)
        else:
            values[f"element_{element.number}"] = answer
    for field, choices in PROFILE_CHOICES.items():
        raw = (form.get(field) or "").strip()
        if raw and raw not in choices:
            errors.add(field, "skm.error.choice")
        values[field] = raw or None
    comment = (form.get("comment") or "").strip()
    if len(comment) > MAX_COMMENT:
        errors.add("comment", "skm.error.comment_long", max=MAX_COMMENT)
    values["comment"] = comment or None
    errors.raise_if_any()
    return values


def _record(session: Session, invitation: SurveyInvitation, values: dict[str, Any], now: datetime) -> int:
    application = session.get(Application, invitation.application_id)
    office = session.get(Office, application.office_id)
    response = SurveyResponse(office_id=application.office_id, section_id=application.section_id,
                              submitted_on=now.astimezone(ZoneInfo(office.timezone)).date(), **values)
    session.add(response)
    session.flush()
    invitation.responded_at, invitation.response_id = now, response.id
    # Every link minted for this invitation dies with the answer.
    for token in session.scalars(select(AccessToken).where(AccessToken.survey_invitation_id == invitation.id,
                                                           AccessToken.used_at.is_(None))):
        token.used_at = now
    return response.id


def answer_by_token(session: Session, token: str, form: dict[str, Any], now: datetime | None = None) -> int:
    """Store the answer given through an emailed link; the link's own invitation only, once."""
    now = now or utcnow()
    row = _token_row(session, token, now)
    invitation = _usable(session.get(SurveyInvitation, row.survey_invitation_id, with_for_update=True), now)
    values = validate_answers(form)
    return _record(session, invitation, values, now)


def answer_for_viewer(session: Session, viewer, application_id: int, form: dict[str, Any],
                      now: datetime | None = None) -> int:
    """Store the answer of a logged-in service user for one of their applications."""
    now = now or utcnow()
    require_company_access(session, viewer, application_id)
    invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.application_id == application_id)
                                .with_for_update())
    invitation = _usable(invitation, now)
    values = validate_answers(form)
    return _record(session, invitation, values, now)


def invitation_for_application(session: Session, application_id: int) -> SurveyInvitation:
    invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.application_id == application_id))
    if invitation is None:
        raise NotFound(application_id)
    return invitation


__all__ = ["SurveyClosed", "open_by_token", "open_for_viewer", "answer_by_token", "answer_for_viewer",
           "validate_answers", "Forbidden"]
