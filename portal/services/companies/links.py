"""Correcting a wrong match by hand (admins): move an office record to another company, split it into a company
of its own, undo a change. Every change is a history row (company_link_changes) and an audit entry, and names the
version of the company the form opened, so a save over someone else's newer change is refused (StaleEdit)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models import Company, CompanyLinkChange, Office, ServiceUser
from models.base import utcnow
from portal import audit
from portal.domain.npwp import formatted, normalize
from portal.services import edit_versions  # noqa: I001
from portal.validation import ErrorCollector, NotFound

MAX_REASON = 500
PAGE_SIZE = 20


@dataclass(frozen=True)
class LinkChange:
    id: int
    at: datetime
    username: str | None
    service_user_id: int
    record_name: str
    office_code: str
    from_company_id: int | None
    to_company_id: int
    reason: str
    undo_of: int | None
    undone: bool


def pick_companies(session: Session, text: Any, limit: int = 20) -> list[dict[str, Any]]:
    """At most `limit` companies for a search-as-you-type picker: id, name, NPWP as people read it."""
    rows, _total = search_companies(session, text, page_size=limit)
    return [{"id": r["id"], "name": r["name"], "tax_id": formatted(r["npwp"]) if r["npwp"] else None} for r in rows]


def search_companies(session: Session, text: Any, *, page: int = 0, page_size: int = PAGE_SIZE
                     ) -> tuple[list[dict[str, Any]], int]:
    """Companies whose name, or a record's name, contains `text`, or whose NPWP is `text` in any writing; one page
    ordered by name, and the total. Paged in the database."""
    text = (text or "").strip() if isinstance(text, str) else ""
    query = select(Company.id).select_from(Company)
    if text:
        digits = normalize(text)
        pattern = f"%{text.lower()}%"
        records = select(ServiceUser.company_id).where(func.lower(ServiceUser.name).like(pattern))
        conditions = [func.lower(Company.name).like(pattern), Company.id.in_(records)]
        if digits:
            conditions.append(Company.npwp == digits)
        query = query.where(or_(*conditions))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    counts = (select(ServiceUser.company_id, func.count().label("n")).group_by(ServiceUser.company_id).subquery())
    rows = session.execute(
        select(Company.id, Company.name, Company.npwp, Company.version, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.company_id == Company.id)
        .where(Company.id.in_(query)).order_by(Company.name, Company.id)
        .offset(max(int(page), 0) * page_size).limit(page_size)).all()
    return [{"id": r[0], "name": r[1], "npwp": r[2], "npwp_text": formatted(r[2]) if r[2] else "", "version": r[3],
             "records": r[4]} for r in rows], total


def _company_values(company: Company) -> dict[str, Any]:
    return {"name": company.name, "npwp": company.npwp}


def _reason(errors: ErrorCollector, reason: Any) -> str:
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        errors.add("reason", "companies.error.reason_required")
    elif len(reason) > MAX_REASON:
        errors.add("reason", "companies.error.reason_long", limit=MAX_REASON)
    return reason


def _number(value: Any) -> int | None:
    """A record id a form sent, or None for anything that is no id (text, a bool, out of the column's range)."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2 ** 31 else None


def _record(session: Session, service_user_id: Any) -> ServiceUser:
    number = _number(service_user_id)
    record = session.get(ServiceUser, number, with_for_update=True) if number is not None else None
    if record is None:
        raise NotFound(service_user_id)
    return record


def _company(session: Session, company_id: Any) -> Company | None:
    number = _number(company_id)
    return session.get(Company, number) if number is not None else None


def _relink(session: Session, actor_id: int | None, actor_username: str | None, record: ServiceUser,
            target: Company, reason: str, undo_of: int | None = None) -> dict[str, Any]:
    before = record.company_id
    record.company_id = target.id
    change = CompanyLinkChange(service_user_id=record.id, from_company_id=before, to_company_id=target.id,
                               reason=reason, undo_of=undo_of, user_id=actor_id, username=actor_username,
                               at=utcnow())
    session.add(change)
    session.flush()
    return {"change_id": change.id, "service_user_id": record.id, "from_company_id": before,
            "to_company_id": target.id}


def _audited(done: dict[str, Any], reason: str) -> tuple[dict, dict]:
    """The audit entry's before and after of a relink."""
    return ({"company_id": done["from_company_id"]},
            {"company_id": done["to_company_id"], "reason": reason, "change_id": done["change_id"]})


def _claim_both(session: Session, source: Company, source_version: Any, opened: dict | None,
                target: Company | None) -> None:
    """The form opened `source` at `source_version`: refuse a save over a newer change, then bump both companies
    so every other open form on either is stale."""
    edit_versions.claim(session, source, source_version, opened, _company_values, "company")
    if target is not None and target.id != source.id:
        edit_versions.claim(session, target, None, None, _company_values, "company")


def move_record(session: Session, actor_id: int | None, actor_username: str | None, *, service_user_id: Any,
                to_company_id: Any, version: Any, reason: Any, opened: dict | None = None) -> dict[str, Any]:
    """Move an office record to another company (a merge of a wrong split), with a reason; audited. `version` is
    the version of the record's current company as the form opened it."""
    record = _record(session, service_user_id)
    errors = ErrorCollector()
    target = _company(session, to_company_id)
    if target is None:
        errors.add("to_company", "companies.error.no_company")
    elif target.id == record.company_id:
        errors.add("to_company", "companies.error.same_company")
    reason = _reason(errors, reason)
    errors.raise_if_any()
    source = session.get(Company, record.company_id)
    _claim_both(session, source, version, opened, target)
    done = _relink(session, actor_id, actor_username, record, target, reason)
    audit.record(session, actor_id, actor_username, "company_record_moved", "service_user", record.id,
                 *_audited(done, reason))
    return done


def split_record(session: Session, actor_id: int | None, actor_username: str | None, *, service_user_id: Any,
                 version: Any, reason: Any, opened: dict | None = None) -> dict[str, Any]:
    """Take an office record out of its company into a new company of its own (no NPWP: the NPWP's company stays
    the other records'), with a reason; audited."""
    record = _record(session, service_user_id)
    errors = ErrorCollector()
    reason = _reason(errors, reason)
    others = session.scalar(select(func.count()).select_from(ServiceUser).where(
        ServiceUser.company_id == record.company_id, ServiceUser.id != record.id))
    if not others:
        errors.add("service_user", "companies.error.alone")
    errors.raise_if_any()
    source = session.get(Company, record.company_id)
    _claim_both(session, source, version, opened, None)
    target = Company(npwp=None, name=record.name, created_at=utcnow())
    session.add(target)
    session.flush()
    done = _relink(session, actor_id, actor_username, record, target, reason)
    audit.record(session, actor_id, actor_username, "company_record_split", "service_user", record.id,
                 *_audited(done, reason))
    return done


def undo_change(session: Session, actor_id: int | None, actor_username: str | None, *, change_id: Any,
                version: Any, reason: Any = None, opened: dict | None = None,
                company_id: Any = None) -> dict[str, Any]:
    """Put the record of a change back where it was before it; refused when the record has moved since (undo the
    later change first). `version` is the version of the company the page showed (`company_id`, one of the two the
    change names; default the record's current company)."""
    number = _number(change_id)
    change = session.get(CompanyLinkChange, number) if number is not None else None
    if change is None:
        raise NotFound(change_id)
    record = _record(session, change.service_user_id)
    errors = ErrorCollector()
    if change.from_company_id is None:
        errors.add("change", "companies.error.not_undoable")
    elif record.company_id != change.to_company_id:
        errors.add("change", "companies.error.moved_since")
    elif session.scalar(select(CompanyLinkChange.id).where(CompanyLinkChange.undo_of == change.id).limit(1)):
        errors.add("change", "companies.error.already_undone")
    text = reason.strip() if isinstance(reason, str) and reason.strip() else f"undo #{change.id}"
    if len(text) > MAX_REASON:
        errors.add("reason", "companies.error.reason_long", limit=MAX_REASON)
    shown = _company(session, company_id) if company_id is not None else None
    if company_id is not None and (shown is None or shown.id not in (change.from_company_id, change.to_company_id)):
        errors.add("change", "companies.error.not_undoable")
    errors.raise_if_any()
    source = session.get(Company, record.company_id)
    target = session.get(Company, change.from_company_id)
    if shown is not None and shown.id != source.id:
        _claim_both(session, shown, version, opened, source)
        edit_versions.claim(session, target, None, None, _company_values, "company")
    else:
        _claim_both(session, source, version, opened, target)
    done = _relink(session, actor_id, actor_username, record, target, text, undo_of=change.id)
    audit.record(session, actor_id, actor_username, "company_change_undone", "service_user", record.id,
                 *_audited(done, text))
    return done


def history(session: Session, company_id: int, *, page: int = 0, page_size: int = PAGE_SIZE
            ) -> tuple[list[LinkChange], int]:
    """The link changes into or out of a company, newest first, one page; and the total."""
    c = CompanyLinkChange
    where = or_(c.from_company_id == company_id, c.to_company_id == company_id)
    total = session.scalar(select(func.count()).select_from(c).where(where)) or 0
    undone = select(c.undo_of).where(c.undo_of.is_not(None)).scalar_subquery()
    rows = session.execute(
        select(c.id, c.at, c.username, c.service_user_id, ServiceUser.name, Office.code, c.from_company_id,
               c.to_company_id, c.reason, c.undo_of, c.id.in_(undone))
        .join(ServiceUser, ServiceUser.id == c.service_user_id).join(Office, Office.id == ServiceUser.office_id)
        .where(where).order_by(c.id.desc()).offset(max(int(page), 0) * page_size).limit(page_size)).all()
    return [LinkChange(*row[:10], bool(row[10])) for row in rows], total
