"""Complaints and information requests from every channel (pengaduan), in one register."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, EditVersion, HistoryMixin, JSONType, UTCDateTime, utcnow
from models.nnc import AttachmentLinkMixin

CHANNELS = ("web", "portal", "email", "whatsapp", "facebook", "twitter", "phone", "walk_in", "lapor")
CATEGORIES = ("service", "officer_conduct", "tariff", "information_request", "other")
STATUSES = ("new", "in_progress", "answered", "closed")


class Complaint(EditVersion, Base):
    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_office_status_due", "office_id", "status", "due_date"),
                      Index("ix_complaints_office_received", "office_id", "received_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    # What the reporter keeps to follow the complaint without an account.
    tracking_code: Mapped[str] = mapped_column(String(20), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(24))
    subject: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    reporter_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    reporter_contact: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reporter_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    # Set when the retention job erased the reporter's contact data (UU 27/2022).
    contact_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    service_user_id: Mapped[int | None] = mapped_column(ForeignKey("service_users.id"), nullable=True, index=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="SET NULL"),
                                                       nullable=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer_emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The answer is due this many working days after receipt, by category (SP4N-LAPOR!'s tiers, settings).
    due_date: Mapped[date] = mapped_column(Date)
    # The first response (taking the complaint up) is due sooner than the answer; met when it leaves `new`.
    first_response_due: Mapped[date] = mapped_column(Date)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Perlu cek lapangan: an officer must go and look, so the answer gets the longer field-check deadline.
    needs_field_check: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ComplaintEvent(HistoryMixin, Base):
    """The history of a complaint: every change, who, when, before and after."""

    __tablename__ = "complaint_events"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    before: Mapped[dict | None] = mapped_column(JSONType, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSONType, nullable=True)


class ComplaintAttachment(AttachmentLinkMixin, Base):
    """Evidence attached to a complaint: the archive copy lives in attachment_blobs."""

    __tablename__ = "complaint_attachments"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id", ondelete="CASCADE"), index=True)
    blob_hash: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.hash"))

