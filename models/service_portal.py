"""The service users' portal: emailed links, notifications, surveys (SKM) and draft-correction requests."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (Boolean, Date, ForeignKey, Index, Integer, SmallInteger, String, Text,
                        UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, EditVersion, JSONType, UTCDateTime, utcnow


TOKEN_PURPOSES = ("invite", "reset", "register", "survey")
CHANNELS = ("inbox", "email", "whatsapp", "push")
OUTBOX_STATUSES = ("pending", "sent", "failed", "skipped")


class AccessToken(Base):
    """A single-use emailed link (invitation, password reset, registration, survey): only its hash is kept."""

    __tablename__ = "access_tokens"
    __table_args__ = (Index("ix_access_tokens_user_purpose", "user_id", "purpose", "created_at"),
                      Index("ix_access_tokens_subject", "purpose", "subject", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex of the token in the link
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    # What a cooldown is counted on when there is no account yet (the email of a registration).
    subject: Mapped[str | None] = mapped_column(String(254), nullable=True)
    survey_invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("survey_invitations.id", ondelete="CASCADE"), nullable=True, index=True)
    payload: Mapped[Any] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class NotificationPreference(EditVersion, Base):
    """What an account chooses beyond the mandatory messages and the inbox (always on): the channels, the
    optional stages (`stages`, a list of stage codes) and a daily digest instead of one message each.

    `push` sends each message to the account's subscribed devices too (PushSubscription, Web Push). `version`: the
    choices form saves against the version it opened (one account may be open in several staff's tabs).
    """

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
    whatsapp: Mapped[bool] = mapped_column(Boolean, default=False)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    push: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    stages: Mapped[Any] = mapped_column(JSONType, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationOutbox(Base):
    """One message to one account on one channel; written in the transaction of the event that caused it."""

    __tablename__ = "notification_outbox"
    __table_args__ = (
        # However often a sync reruns: one message per recipient, application, event and channel.
        UniqueConstraint("recipient_user_id", "application_id", "event_key", "channel", name="uq_notification_outbox_once"),
        Index("ix_notification_outbox_due", "status", "next_attempt_at"),
        # The bell (unread of the last 30 days) and the inbox (newest first) read only this index.
        Index("ix_notification_outbox_inbox", "recipient_user_id", "channel", "read_at", "occurred_at"),
        Index("ix_notification_outbox_inbox_time", "recipient_user_id", "channel", "occurred_at", "id"),
        Index("ix_notification_outbox_digest", "status", "digest_day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=True)
    recipient_address: Mapped[str | None] = mapped_column(String(254), nullable=True)  # email or phone used
    channel: Mapped[str] = mapped_column(String(16))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"),
                                                       nullable=True, index=True)
    event_key: Mapped[str] = mapped_column(String(40))
    template: Mapped[str] = mapped_column(String(40))
    params: Mapped[Any] = mapped_column(JSONType, default=dict)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Held for the account's daily digest of this office day (email and WhatsApp rows only); None: sent alone.
    digest_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PushSubscription(Base):
    """One device (a browser's PushSubscription) that receives an account's messages by Web Push.

    The endpoint is the push service's URL for that browser: unique, so subscribing again from the same device
    updates its row. Removed when the push service answers 404/410 (the browser dropped it) or the user removes it.
    """

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))   # the browser's P-256 public key, base64url
    auth: Mapped[str] = mapped_column(String(100))     # the browser's auth secret, base64url
    device_label: Mapped[str | None] = mapped_column(String(120), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # the browser's expirationTime
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # failed sends since the last success


class PushDelivery(Base):
    """One push of one message (an outbox row, or the first row of a digest) to one device: at most once.

    `claimed` is committed before the request goes out and `sent` after it is answered; a claim whose lease ran
    out was interrupted somewhere in between, so it is never sent again (`in_doubt`): nothing arrives twice.
    """

    __tablename__ = "push_deliveries"
    __table_args__ = (UniqueConstraint("outbox_id", "subscription_id", name="uq_push_deliveries_once"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("notification_outbox.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("push_subscriptions.id", ondelete="CASCADE"), index=True)
    payload: Mapped[Any] = mapped_column(JSONType)  # {title, body, url, tag}: fixed once, so a retry sends the same
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending claimed sent failed in_doubt
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyInvitation(Base):
    """An offer of the survey to a company for one handed-over application; answered at most once.

    `response_id` is the only link from a company to its answer: officers' results pages read
    survey_responses alone, and only an admin traces an answer back through this table.
    """

    __tablename__ = "survey_invitations"
    __table_args__ = (Index("ix_survey_invitations_company_time", "service_user_id", "invited_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    service_user_id: Mapped[int] = mapped_column(ForeignKey("service_users.id", ondelete="CASCADE"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the handover that opened it
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("survey_responses.id", ondelete="SET NULL"),
                                                    nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def state(self, now: datetime) -> str:
        """"answered", "expired" or "open" at `now`: the one rule for whether the survey can still be answered
        (the survey form refuses by it, an application's page offers the survey by it)."""
        if self.responded_at is not None:
            return "answered"
        return "expired" if self.expires_at <= now else "open"


class SurveyResponse(Base):
    """One answered SKM questionnaire: nine elements on 1–4, the optional profile and comment — no company."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_office_day", "office_id", "submitted_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), nullable=True)
    submitted_on: Mapped[date] = mapped_column(Date)  # a day, not a moment: harder to match to an invitation
    element_1: Mapped[int] = mapped_column(SmallInteger)
    element_2: Mapped[int] = mapped_column(SmallInteger)
    element_3: Mapped[int] = mapped_column(SmallInteger)
    element_4: Mapped[int] = mapped_column(SmallInteger)
    element_5: Mapped[int] = mapped_column(SmallInteger)
    element_6: Mapped[int] = mapped_column(SmallInteger)
    element_7: Mapped[int] = mapped_column(SmallInteger)
    element_8: Mapped[int] = mapped_column(SmallInteger)
    element_9: Mapped[int] = mapped_column(SmallInteger)
    gender: Mapped[str | None] = mapped_column(String(16), nullable=True)
    age_group: Mapped[str | None] = mapped_column(String(16), nullable=True)
    education: Mapped[str | None] = mapped_column(String(16), nullable=True)
    occupation: Mapped[str | None] = mapped_column(String(24), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)


class CorrectionRequest(EditVersion, Base):
    """A service user's report of a mistake in a draft certificate, and the officer's answer."""

    __tablename__ = "correction_requests"
    __table_args__ = (Index("ix_correction_requests_status_time", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"),
                                                       nullable=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    field: Mapped[str] = mapped_column(String(40))
    problem: Mapped[str] = mapped_column(Text)
    expected: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, resolved
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)  # new_draft, reason
    resolution_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificates.id", ondelete="SET NULL"), nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
