"""NNC register (notifications of non-compliance, ISPM 13), their status history, and stored attachments.

Attachments are shared infrastructure: `attachment_blobs` holds each distinct content once (keyed by its
sha256), and a record type links to it (`nnc_attachments` here; complaints will add their own link table).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (Date, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint, case)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from models.application import Certificate
from models.base import Base, EditVersion, HistoryMixin, UTCDateTime, utcnow


class AttachmentBlob(Base):
    """One distinct file content, stored once however many records attach it."""

    __tablename__ = "attachment_blobs"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256, hex
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    mime_type: Mapped[str] = mapped_column(String(64))  # detected from the content, never from the name
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttachmentLinkMixin:
    """A record's link to a file in attachment_blobs: the name it was uploaded under, who uploaded it and when."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)  # first, as in every other table
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The consignment an NNC is about (DOMAIN, NNC record): an importing country notifies us about our export; we notify
# an exporting country about an import. A domestic consignment crosses no border, so no NNC is about one.
DIRECTION_OF_FLOW = {"received": "export", "issued": "import"}
FLOW_OF_DIRECTION = {direction: flow for flow, direction in DIRECTION_OF_FLOW.items()}
# An NNC recorded by mistake (a duplicate, the wrong company) is voided, never deleted: it keeps its history.
VOID = "void"


class Nnc(EditVersion, Base):
    """One notification of non-compliance, received from an importing country or issued by us."""

    __tablename__ = "nncs"
    __table_args__ = (
        UniqueConstraint("office_id", "number"),
        Index("ix_nncs_office_notice_date", "office_id", "notice_date"),
        Index("ix_nncs_office_status", "office_id", "status"),
        Index("ix_nncs_service_user_notice_date", "service_user_id", "notice_date"),
        Index("ix_nncs_section_notice_date", "section_id", "notice_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    number: Mapped[str] = mapped_column(String(100))
    notice_date: Mapped[date] = mapped_column(Date)
    received_date: Mapped[date] = mapped_column(Date)
    flow: Mapped[str] = mapped_column(String(16))  # received | issued
    notifying_authority: Mapped[str] = mapped_column(String(200))
    notifying_country: Mapped[str] = mapped_column(String(100))
    notified_authority: Mapped[str] = mapped_column(String(200))
    notified_country: Mapped[str] = mapped_column(String(100))
    # The company named: a synced service user, or a party typed by name when it is not in the registry.
    service_user_id: Mapped[int | None] = mapped_column(ForeignKey("service_users.id"), nullable=True)
    party_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    party_country: Mapped[str | None] = mapped_column(String(100), nullable=True)
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("handlers.id"), nullable=True)
    # As written on the notice; linked to the synced record when one has that number.
    application_number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id", ondelete="SET NULL"),
                                                       nullable=True, index=True)
    certificate_number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"),
                                                       nullable=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id"))
    commodity: Mapped[str] = mapped_column(String(200))
    scientific_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    hs_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    lot_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    container_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    air_waybill: Mapped[str | None] = mapped_column(String(60), nullable=True)
    point_of_entry: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Nature of the non-compliance (ISPM 13): category, document sub-category, the organism for pests.
    category: Mapped[str] = mapped_column(String(24))
    subcategory: Mapped[str | None] = mapped_column(String(24), nullable=True)
    organism: Mapped[str | None] = mapped_column(String(200), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    action_taken: Mapped[str] = mapped_column(String(32))
    # received → under_investigation → clarified → closed, or void (with a reason): a void NNC does not count.
    status: Mapped[str] = mapped_column(String(24), default="received")
    void_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    investigation_findings: Mapped[str | None] = mapped_column(Text, nullable=True)
    corrective_action: Mapped[str | None] = mapped_column(Text, nullable=True)
    guidance_given: Mapped[str | None] = mapped_column(Text, nullable=True)
    internal_notes: Mapped[str | None] = mapped_column(Text, nullable=True)  # officers only
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The rules below are the one home of what every count of NNCs asks (the compliance score and its rollups, the
    # profile, guidance, inspection targeting, the KPI panel): each works on a loaded NNC and, in a query, on the
    # table or an alias of it.

    @hybrid_property
    def counts_against_compliance(self) -> bool:
        """A void NNC counts nowhere; every other status counts, open or closed."""
        return self.status != VOID

    @hybrid_property
    def direction_by_flow(self) -> str | None:
        """The direction of the consignment the notice is about, read from who wrote it (DIRECTION_OF_FLOW)."""
        return DIRECTION_OF_FLOW.get(self.flow)

    @direction_by_flow.inplace.expression
    @classmethod
    def _direction_by_flow_expression(cls):
        return case(DIRECTION_OF_FLOW, value=cls.flow)

    @hybrid_property
    def partner_country(self) -> str:
        """The other country of the notice: who notified us of a received NNC, whom we notified of an issued one."""
        return self.notifying_country if self.flow == "received" else self.notified_country

    @partner_country.inplace.expression
    @classmethod
    def _partner_country_expression(cls):
        return case((cls.flow == "received", cls.notifying_country), else_=cls.notified_country)


class NncStatusChange(HistoryMixin, Base):
    """Every status change of an NNC: who, when, from, to, and why."""

    __tablename__ = "nnc_status_changes"

    nnc_id: Mapped[int] = mapped_column(ForeignKey("nncs.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_status: Mapped[str] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class NncAttachment(AttachmentLinkMixin, Base):
    """A file attached to an NNC (the scanned letter, evidence): the archive copy lives in attachment_blobs."""

    __tablename__ = "nnc_attachments"
    __table_args__ = (UniqueConstraint("nnc_id", "blob_hash"),)

    nnc_id: Mapped[int] = mapped_column(ForeignKey("nncs.id", ondelete="CASCADE"), index=True)
    blob_hash: Mapped[str] = mapped_column(ForeignKey("attachment_blobs.hash"), index=True)


# The NNC form links a certificate number to the synced certificate: that look-up needs an index.
Index("ix_certificates_number", Certificate.number)
