"""Reading companies: which company an office record belongs to and the records a company holds at each office."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Company, Office, ServiceUser
from portal.domain.npwp import formatted
from portal.validation import NotFound


@dataclass(frozen=True)
class CompanyRecord:
    """One office's IQFast record of a company."""

    service_user_id: int
    office_id: int
    office_code: str
    office_name: str
    name: str
    tax_id: str
    source_id: int
    blocked: bool
    deleted: bool


def company_of(session: Session, service_user_id: int) -> int:
    """The id of the company an office record belongs to (NotFound for no such record)."""
    company_id = session.scalar(select(ServiceUser.company_id).where(ServiceUser.id == service_user_id))
    if company_id is None:
        raise NotFound(service_user_id)
    return company_id


def records_of(session: Session, company_id: int, *, include_deleted: bool = False) -> list[CompanyRecord]:
    """The company's record at each office (service_users rows), by office code then id. A company has one per
    office, a few at most: no paging needed."""
    query = (select(ServiceUser.id, ServiceUser.office_id, Office.code, Office.name, ServiceUser.name,
                    ServiceUser.tax_id, ServiceUser.source_id, ServiceUser.blocked, ServiceUser.deleted_at)
             .join(Office, Office.id == ServiceUser.office_id)
             .where(ServiceUser.company_id == company_id)
             .order_by(Office.code, ServiceUser.id))
    if not include_deleted:
        query = query.where(ServiceUser.deleted_at.is_(None))
    return [CompanyRecord(row[0], row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]), row[8] is not None)
            for row in session.execute(query)]


def company_summary(session: Session, company_id: int) -> dict[str, Any]:
    """The company as the admin page shows it: name, NPWP (as people read it), version, number of records."""
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(company_id)
    count = session.scalar(select(func.count()).select_from(ServiceUser).where(ServiceUser.company_id == company_id))
    return {"id": company.id, "name": company.name, "npwp": company.npwp, "npwp_text": formatted(company.npwp),
            "version": company.version, "records": count or 0}
