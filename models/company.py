"""One company across offices (DOMAIN.md, "One company across stations"): each office's IQFast record of a
service user links to one company, matched by NPWP; the history of the links an admin changed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, EditVersion, HistoryMixin, UTCDateTime, utcnow


class Company(EditVersion, Base):
    """A company as the whole agency knows it; its per-office records are the service_users rows linking here.

    `npwp` holds the 16-digit key (portal/domain/npwp.py: a 15-digit NPWP as 0 + its digits) and is unique; a
    record whose NPWP is not valid gets a company of its own with no NPWP (NULLs never collide), so it is never
    matched across offices. `version` goes up with every merge/split touching the company, so an admin form opened
    before is refused (EditVersion).
    """

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    npwp: Mapped[str | None] = mapped_column(String(16), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CompanyLinkChange(HistoryMixin, Base):
    """One office record moved from one company to another: by an admin (merge/split, with a reason), by the sync
    (its NPWP changed) or by an undo (`undo_of` names the change it reverses). The history makes a wrong merge
    reversible and says who did it."""

    __tablename__ = "company_link_changes"

    service_user_id: Mapped[int] = mapped_column(ForeignKey("service_users.id"), index=True)
    from_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), nullable=True, index=True)
    to_company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    undo_of: Mapped[int | None] = mapped_column(ForeignKey("company_link_changes.id"), nullable=True)
