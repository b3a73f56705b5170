"""Applications (PTK) and everything the certification system records about them."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, BigId, UTCDateTime
from models.party import SyncedMixin, SyncStateMixin

STAGES = ("submitted", "verified", "inspected", "treated", "draft_certificate", "billed", "paid", "certified",
          "handed_over", "detained", "released", "refused", "destroyed")
COMPLETING_STAGES = ("handed_over", "refused", "destroyed")
DIRECTIONS = ("export", "import", "domestic_out", "domestic_in")
ACTION_KINDS = ("detention", "refusal", "destruction")


class Commodity(Base):
    """A carrier (media pembawa) from the certification system's reference list."""

    __tablename__ = "commodities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    scientific_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    hs_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id"), nullable=True)
    group: Mapped[str | None] = mapped_column(String(20), nullable=True)


class CertificateForm(Base):
    """Certificate form codes (KH-1, KT-1, …): they change with each regulation, so an admin edits them."""

    __tablename__ = "certificate_forms"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name_id: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    section_code: Mapped[str] = mapped_column(String(32))
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)


class OfApplication(SyncedMixin):
    """A synced record that belongs to one application and goes with it (a commodity line, a bill, a certificate)."""

    # First in the table, as in every other one (a mixin's columns otherwise come after the class's own).
    id: Mapped[int] = mapped_column(BigId, primary_key=True, sort_order=-1)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True,
                                                sort_order=-1)


class Officer:
    """The officer named on a stage or an action, as the certification system wrote them."""

    officer_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    officer_nip: Mapped[str | None] = mapped_column(String(20), nullable=True)


class Application(SyncedMixin, Base):
    """One request for quarantine action on one consignment (PPK/PTK)."""

    __tablename__ = "applications"
    __table_args__ = (
        Index("ix_applications_office_completed", "office_id", "completed_at"),
        # A company's completions by time; on PostgreSQL carrying what the clean streak's count filters on, so a sync's
        # refresh counts a busy company's completions from the index alone (migration 0036c).
        Index("ix_applications_service_user_completed", "service_user_id", "completed_at",
              postgresql_include=["section_id", "deleted_at"]),
        # Inspection targeting's earlier consignments of a company (portal/services/targeting/deciding.py).
        Index("ix_applications_service_user_submitted", "service_user_id", "submitted_at"),
        Index("ix_applications_section_completed", "section_id", "completed_at"),
        Index("ix_applications_office_submitted", "office_id", "submitted_at"),
        # A handler's applications; on PostgreSQL with their company and deletion, so the handler flag's (handler,
        # company) pairs are read from the index alone (migration 0037h).
        Index("ix_applications_handler", "handler_id", "submitted_at",
              postgresql_include=["service_user_id", "deleted_at"]),
        Index("ix_applications_stage", "office_id", "current_stage"),
        # What a sync run wrote (after_sync.changed_applications), as in the four tables below.
        Index("ix_applications_synced_at", "synced_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(60), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    service_user_id: Mapped[int] = mapped_column(ForeignKey("service_users.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("handlers.id"), nullable=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"))
    direction: Mapped[str] = mapped_column(String(16))
    consignor_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    consignor_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    consignee_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    consignee_address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    origin_country: Mapped[str | None] = mapped_column(String(100), nullable=True)
    origin_place: Mapped[str | None] = mapped_column(String(100), nullable=True)
    origin_port: Mapped[str | None] = mapped_column(String(150), nullable=True)
    destination_country: Mapped[str | None] = mapped_column(String(100), nullable=True)
    destination_place: Mapped[str | None] = mapped_column(String(100), nullable=True)
    destination_port: Mapped[str | None] = mapped_column(String(150), nullable=True)
    conveyance: Mapped[str | None] = mapped_column(String(40), nullable=True)
    conveyance_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    voyage_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    transport_document: Mapped[str | None] = mapped_column(String(30), nullable=True)
    packaging: Mapped[str | None] = mapped_column(String(60), nullable=True)
    package_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    marks: Mapped[str | None] = mapped_column(String(200), nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(60), nullable=True)
    declarations: Mapped[str | None] = mapped_column(Text, nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Derived from the stage events after each sync, so lists and counts need no join.
    current_stage: Mapped[str | None] = mapped_column(String(24), nullable=True)
    current_stage_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completion_stage: Mapped[str | None] = mapped_column(String(24), nullable=True)


class ApplicationCommodity(OfApplication, Base):
    """One commodity line of an application (an application may carry several)."""

    __tablename__ = "application_commodities"
    # Inspection targeting's earlier lines of a (company, commodity), read by key (portal/services/targeting). On
    # PostgreSQL only the live lines of live applications, with the quantity and unit the medians read, so the read
    # is index-only where the visibility map is current (autovacuum); SQLite keeps the plain index (migration 0032t).
    __table_args__ = (Index("ix_application_commodities_history", "service_user_id", "commodity_id", "submitted_at",
                            postgresql_include=["quantity", "unit"],
                            postgresql_where=text("deleted_at IS NULL AND application_deleted_at IS NULL")),
                      Index("ix_application_commodities_synced_at", "synced_at"),  # after_sync's changed lines
                      # An application's lines in order: its primary commodity (the first live line), which the
                      # compliance rollups read for every application they count, is the index's first entry, read
                      # from the index alone on PostgreSQL; the application's lines by id for the rest (migration
                      # 0039p, in place of the plain application_id index every synced child has).
                      Index("ix_application_commodities_application_line", "application_id", "line_no",
                            postgresql_include=["commodity_id", "deleted_at"]))

    # The plain application_id index of OfApplication is replaced by the one above.
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), sort_order=-1)
    line_no: Mapped[int] = mapped_column(Integer)
    commodity_id: Mapped[int | None] = mapped_column(ForeignKey("commodities.id"), nullable=True, index=True)
    commodity_name: Mapped[str] = mapped_column(String(200))
    scientific_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    hs_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(16, 3), nullable=True)
    unit: Mapped[str | None] = mapped_column(String(30), nullable=True)
    net_weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(16, 3), nullable=True)
    packaging: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # Copies of the application's, kept equal by the sync (Writer.copy_to_children), so a company's lines of a
    # commodity before a time are one index range: inspection targeting's history.
    service_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    application_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class StageEvent(Officer, SyncedMixin, Base):
    """One stage change of an application: the timeline is drawn from these."""

    __tablename__ = "stage_events"
    __table_args__ = (Index("ix_stage_events_application_time", "application_id", "occurred_at"),
                      Index("ix_stage_events_stage_time", "stage", "occurred_at"),
                      Index("ix_stage_events_synced_at", "synced_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(24))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(String(300), nullable=True)


class QuarantineAction(Officer, SyncStateMixin, Base):
    """A detention, refusal or destruction record (3P): what the compliance score counts."""

    __tablename__ = "quarantine_actions"
    __table_args__ = (UniqueConstraint("kind", "source_id"),
                      Index("ix_quarantine_actions_service_user_time", "service_user_id", "action_at"),
                      Index("ix_quarantine_actions_office_time", "office_id", "action_at"),
                      Index("ix_quarantine_actions_synced_at", "synced_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int] = mapped_column(BigInteger)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    # Copied from the application so the ranking reads one table.
    service_user_id: Mapped[int] = mapped_column(ForeignKey("service_users.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"))
    number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    action_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(30), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    follow_up: Mapped[str | None] = mapped_column(String(120), nullable=True)
    method: Mapped[str | None] = mapped_column(String(60), nullable=True)


class Bill(OfApplication, Base):
    """The receipt to pay (kuitansi): PNBP amount, billing code, payment reference (NTPN)."""

    __tablename__ = "bills"
    __table_args__ = (Index("ix_bills_synced_at", "synced_at"),)

    receipt_number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    billing_code: Mapped[str | None] = mapped_column(String(30), nullable=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(15, 2))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    payment_ref: Mapped[str | None] = mapped_column(String(30), nullable=True)


class Certificate(OfApplication, Base):
    """A draft or final certificate (HC, PC, KH-1, KT-1…), with what the certificate shows."""

    __tablename__ = "certificates"
    __table_args__ = (Index("ix_certificates_synced_at", "synced_at"),)

    form_code: Mapped[str] = mapped_column(String(16))
    number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    is_draft: Mapped[bool] = mapped_column(Boolean, default=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    treatment_method: Mapped[str | None] = mapped_column(String(100), nullable=True)
    treatment_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    treatment_dose: Mapped[str | None] = mapped_column(String(60), nullable=True)
    additional_declaration: Mapped[str | None] = mapped_column(Text, nullable=True)
    signer_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    signer_nip: Mapped[str | None] = mapped_column(String(20), nullable=True)
