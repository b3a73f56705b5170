"""Demo data for the service users' portal, built on the synced (simulated) certification data.

Called by the demo set-up after the first sync: `build_demo_service_user` gives the `service_user` demo account a
real company with applications at every stage, its recent notifications and surveys (one answered, one open), and
`build_demo_corrections` two reports about its drafts (one open, one answered);
`simulate_survey_answers` answers the surveys of other handed-over applications the way the station's 2020
survey came out (mostly 3 and 4; element 2, "system, mechanism and procedure", lowest at about 3.2 of 4).
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Application, Certificate, Office, QuarantineAction, ServiceUser, ServiceUserLink, StageEvent, User
from models.base import utcnow
from models.service_portal import CorrectionRequest, SurveyInvitation, SurveyResponse
from portal.services import corrections, notifications, survey_invitations
from portal.services.accounts import current_user_from
from portal.services.my_applications import certificate_issued, is_ended
from portal.services.surveys import AGE_GROUPS, EDUCATIONS, GENDERS, OCCUPATIONS
from portal.validation import NotFound

# P(answer = 1, 2, 3, 4) per element: element 2 averages 3.20, the rest 3.35–3.60.
_DISTRIBUTIONS = {
    1: (0.01, 0.05, 0.45, 0.49), 2: (0.02, 0.11, 0.52, 0.35), 3: (0.01, 0.07, 0.49, 0.43),
    4: (0.01, 0.03, 0.31, 0.65), 5: (0.01, 0.05, 0.46, 0.48), 6: (0.00, 0.04, 0.44, 0.52),
    7: (0.00, 0.03, 0.40, 0.57), 8: (0.02, 0.07, 0.50, 0.41), 9: (0.01, 0.08, 0.52, 0.39),
}
_COMMENTS = (
    "Pelayanan cepat, petugas ramah.", "Mohon prosedur permohonan dijelaskan lebih sederhana.",
    "Notifikasi draf sertifikat sangat membantu.", "Ruang tunggu kurang nyaman saat ramai.",
    "Alur pengajuan masih membingungkan untuk pengguna baru.", "Terima kasih, tidak ada pungutan di luar PNBP.",
    "Jam layanan pemeriksaan sebaiknya diperpanjang.", "Informasi persyaratan di website perlu diperbarui.",
)
NOTIFY_WINDOW = timedelta(days=30)
LINKED_FOR = timedelta(days=45)


def _answers(rng: random.Random) -> dict[str, int]:
    return {f"element_{n}": rng.choices((1, 2, 3, 4), weights=_DISTRIBUTIONS[n])[0] for n in range(1, 10)}


def _profile(rng: random.Random) -> dict[str, Any]:
    def maybe(options, weights=None):
        return rng.choices(options, weights=weights)[0] if rng.random() < 0.85 else None

    return {"gender": maybe(GENDERS, (0.62, 0.38)), "age_group": maybe(AGE_GROUPS, (0.12, 0.34, 0.30, 0.17, 0.07)),
            "education": maybe(EDUCATIONS, (0.01, 0.02, 0.30, 0.17, 0.42, 0.07, 0.01)),
            "occupation": maybe(OCCUPATIONS, (0.03, 0.01, 0.58, 0.31, 0.02, 0.05)),
            "comment": rng.choice(_COMMENTS) if rng.random() < 0.25 else None}


def _respond(session: Session, invitation: SurveyInvitation, application_office_id: int, section_id: int,
             at: datetime, tz: str, rng: random.Random) -> None:
    response = SurveyResponse(office_id=application_office_id, section_id=section_id,
                              submitted_on=at.astimezone(ZoneInfo(tz)).date(), **_answers(rng), **_profile(rng))
    session.add(response)
    session.flush()
    invitation.responded_at, invitation.response_id = at, response.id


def _pick_company(session: Session, office_id: int, now: datetime, busiest: bool = False) -> int:
    """The company of the office with the most different current stages lately, then the most applications: every
    kind of step and problem to show (`service_user`). ``busiest``: the most applications lately, the forwarder whose
    pages must hold over 5,000 applications (issue #14; `forwarder`)."""
    recent = now - timedelta(days=120)
    stages = func.count(func.distinct(Application.current_stage))
    order = (func.count().desc(), stages.desc()) if busiest else (stages.desc(), func.count().desc())
    row = session.execute(
        select(Application.service_user_id, stages, func.count())
        .where(Application.office_id == office_id, Application.deleted_at.is_(None),
               Application.submitted_at >= recent)
        .group_by(Application.service_user_id).order_by(*order, Application.service_user_id).limit(1)).first()
    if row is None:
        raise NotFound(f"no synced applications in office {office_id}")
    return row[0]


def build_demo_service_user(session: Session, username: str = "service_user", office_code: str = "0300",
                            now: datetime | None = None, cooldown_days: int = 30, busiest: bool = False) -> dict[str, Any]:
    """Link the demo account to the best-matching real company (``busiest``: the one with the most applications)
    and give it notifications and surveys (idempotent)."""
    now = now or utcnow()
    office = session.scalar(select(Office).where(Office.code == office_code))
    user = session.scalar(select(User).where(User.username == username))
    if office is None or user is None or user.role != "service_user":
        raise NotFound((username, office_code))
    existing = session.scalar(select(ServiceUserLink.service_user_id).where(ServiceUserLink.user_id == user.id)
                              .order_by(ServiceUserLink.created_at).limit(1))
    company_id = existing or _pick_company(session, office.id, now, busiest)
    linked_at = now - LINKED_FOR
    if existing is None:
        session.add(ServiceUserLink(user_id=user.id, service_user_id=company_id, created_at=linked_at))
    user.created_at = min(user.created_at, linked_at)  # the demo account "existed" before the recent events
    session.flush()

    # Surveys, by the sync's own rule (one per 30 days, whatever order): invited before the notifications are
    # queued, so a rerun finds the same invitations and queues nothing new.
    rng = random.Random(f"demo-portal:{company_id}")
    handed_over = session.execute(
        select(Application.id, Application.section_id, Application.completed_at)
        .where(Application.service_user_id == company_id, Application.completion_stage == "handed_over",
               Application.completed_at <= now, Application.deleted_at.is_(None))
        .order_by(Application.completed_at.desc()).limit(50)).all()
    survey_invitations.open_for_handovers(session, [(a.id, company_id, a.completed_at) for a in handed_over],
                                          cooldown_days)
    invitations = session.scalars(select(SurveyInvitation).where(SurveyInvitation.service_user_id == company_id)
                                  .order_by(SurveyInvitation.invited_at.desc())).all()
    # The newest stays open for the demo account to answer (no newer one exists to supersede it) …
    if invitations and invitations[0].responded_at is None:
        invitations[0].expires_at = max(invitations[0].expires_at, now + timedelta(days=30))
    # … and an older one is shown answered.
    if len(invitations) > 1 and all(i.responded_at is None for i in invitations):
        older = invitations[1]
        _respond(session, older, office.id, session.get(Application, older.application_id).section_id, min(now, older.invited_at + timedelta(hours=3)),
                 office.timezone, rng)
    session.flush()

    since = now - NOTIFY_WINDOW
    stage_events = [{"application_id": a, "stage": s, "occurred_at": at} for a, s, at in session.execute(
        select(StageEvent.application_id, StageEvent.stage, StageEvent.occurred_at)
        .join(Application, Application.id == StageEvent.application_id)
        .where(Application.service_user_id == company_id, StageEvent.occurred_at >= since,
               StageEvent.occurred_at <= now, StageEvent.deleted_at.is_(None)))]
    actions = [{"application_id": a, "kind": k, "action_at": at} for a, k, at in session.execute(
        select(QuarantineAction.application_id, QuarantineAction.kind, QuarantineAction.action_at)
        .where(QuarantineAction.service_user_id == company_id, QuarantineAction.action_at >= since,
               QuarantineAction.action_at <= now, QuarantineAction.deleted_at.is_(None)))]
    created = notifications.enqueue_for_synced_events(session, stage_events, actions, now=now,
                                                      survey_cooldown_days=cooldown_days)
    session.flush()
    company = session.get(ServiceUser, company_id)
    return {
        "service_user_id": company_id, "company": company.name, "username": username,
        "applications": session.scalar(select(func.count()).select_from(Application).where(
            Application.service_user_id == company_id)),
        "notifications": created,
        "surveys_open": session.scalar(select(func.count()).select_from(SurveyInvitation).where(
            SurveyInvitation.service_user_id == company_id, SurveyInvitation.responded_at.is_(None),
            SurveyInvitation.expires_at > now)),
        "surveys_answered": session.scalar(select(func.count()).select_from(SurveyInvitation).where(
            SurveyInvitation.service_user_id == company_id, SurveyInvitation.responded_at.is_not(None))),
    }


def simulate_survey_answers(session: Session, office_code: str = "0300", seed: int = 1,
                            cooldown_days: int = 30, response_rate: float = 0.7,
                            now: datetime | None = None) -> int:
    """Invite and answer surveys for the office's handed-over applications (once per company per cooldown);
    returns how many answers were written. Deterministic for a seed; skips applications already invited."""
    now = now or utcnow()
    rng = random.Random(f"skm:{office_code}:{seed}")
    office = session.scalar(select(Office).where(Office.code == office_code))
    if office is None:
        raise NotFound(office_code)
    already = set(session.scalars(select(SurveyInvitation.application_id).join(
        Application, Application.id == SurveyInvitation.application_id).where(Application.office_id == office.id)))
    rows = session.execute(
        select(Application.id, Application.service_user_id, Application.section_id, Application.completed_at)
        .where(Application.office_id == office.id, Application.completion_stage == "handed_over",
               Application.completed_at <= now, Application.deleted_at.is_(None))
        .order_by(Application.completed_at, Application.id)).all()
    opened = survey_invitations.open_for_handovers(session, [(a, company, at) for a, company, _, at in rows],
                                                   cooldown_days)
    answered = 0
    for application_id, _company, section_id, completed_at in rows:
        if application_id not in opened or application_id in already:
            continue  # no survey for this handover, or a run before already answered it (or left it)
        invitation = session.get(SurveyInvitation, opened[application_id])
        answer_at = completed_at + timedelta(hours=rng.uniform(0.5, 96))
        if rng.random() < response_rate and answer_at <= min(now, invitation.expires_at):
            _respond(session, invitation, office.id, section_id, answer_at, office.timezone, rng)
            answered += 1
    session.flush()
    return answered


# What the demo company reports about two of its drafts: one still waiting for the station, one answered.
_CORRECTIONS = (
    ("scientific_name", "Nama ilmiah komoditas pada draf tertulis tanpa nama penulis.",
     "Nama ilmiah ditulis lengkap sesuai permohonan, termasuk nama penulisnya."),
    ("consignee", "Alamat penerima pada draf tidak lengkap (kode pos tidak ada).",
     "Alamat penerima lengkap dengan kode pos seperti pada dokumen permohonan."),
)
_ANSWER = ("Alamat penerima pada draf sudah sesuai data yang diajukan di IQFast. Bila alamat berubah, mohon ajukan "
           "perubahan data permohonan melalui IQFast; draf baru akan tampil di sini.")


def build_demo_corrections(session: Session, username: str = "service_user", officer: str = "operator") -> dict:
    """The demo company's correction requests on its drafts ("Ajukan koreksi"): one open on the officers' list, one
    answered with a reason (idempotent: nothing is added once the account has asked)."""
    user = session.scalar(select(User).where(User.username == username))
    company_id = user and session.scalar(select(ServiceUserLink.service_user_id).where(
        ServiceUserLink.user_id == user.id).order_by(ServiceUserLink.created_at).limit(1))
    if not company_id:
        return {"open": 0, "answered": 0}
    asked = session.scalar(select(func.count()).select_from(CorrectionRequest).where(
        CorrectionRequest.requested_by_id == user.id))
    if not asked:
        # The latest drafts still open to correction: not of an application whose certificate is out or that was
        # refused or destroyed (the service refuses those; which ones they are depends on the simulator's timing).
        candidates = session.scalars(
            select(Application.id).join(Certificate, Certificate.application_id == Application.id)
            .where(Application.service_user_id == company_id, Application.deleted_at.is_(None),
                   Certificate.is_draft.is_(True), Certificate.deleted_at.is_(None))
            .group_by(Application.id).order_by(func.max(Certificate.issued_at).desc()).limit(50)).all()
        drafts = [application_id for application_id in candidates
                  if not certificate_issued(session, application_id)
                  and not is_ended(session.get(Application, application_id))][:len(_CORRECTIONS)]
        member = current_user_from(user, "demo", (company_id,))
        made = [corrections.create_request(session, member, application_id, field, problem, expected)
                for application_id, (field, problem, expected) in zip(drafts, _CORRECTIONS)]
        answering = session.scalar(select(User).where(User.username == officer, User.active))
        if len(made) > 1 and answering is not None:
            corrections.resolve(session, current_user_from(answering, "demo"), made[1]["id"], reason=_ANSWER)
        session.flush()
    counts = dict(session.execute(select(CorrectionRequest.status, func.count()).where(
        CorrectionRequest.requested_by_id == user.id).group_by(CorrectionRequest.status)).all())
    return {"open": counts.get("open", 0), "answered": counts.get("resolved", 0)}
