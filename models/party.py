"""Service users (companies) and handlers (PPJK), copied from the certification system."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class SyncStateMixin:
    """When the source last changed a synced record, whether the source still has it, and when we copied it."""

    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set by the nightly reconciliation when the source no longer has the record: it stops counting.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SyncedMixin(SyncStateMixin):
    """Columns every synced record carries: where it came from (its id there, one record per id) and its state."""

    source_id: Mapped[int] = mapped_column(BigInteger, unique=True)


class ServiceUser(SyncedMixin, Base):
    """A company or person applying for quarantine actions (pengguna jasa)."""

    __tablename__ = "service_users"
    __table_args__ = (Index("ix_service_users_office_name", "office_id", "name"),
                      Index("ix_service_users_tax_id", "tax_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str] = mapped_column(String(32))
    # The company this office's record belongs to, matched by NPWP (portal/services/companies); set on insert.
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    business_type: Mapped[str | None] = mapped_column(String(30), nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    city: Mapped[str | None] = mapped_column(String(100), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Handler(SyncedMixin, Base):
    """A document handler (PPJK) acting for service users; tracked per application since it changes often."""

    __tablename__ = "handlers"
    __table_args__ = (Index("ix_handlers_office_name", "office_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)


class ServiceUserLink(Base):
    """Which companies a service-user account may see (a handler's account may serve several)."""

    __tablename__ = "service_user_links"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    service_user_id: Mapped[int] = mapped_column(ForeignKey("service_users.id", ondelete="CASCADE"),
                                                 primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
