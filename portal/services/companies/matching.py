"""Matching office records to companies by NPWP: in bulk for the sync's batches, one by one for the ORM.

The rule (portal/domain/npwp.py): the same valid NPWP is one company; a record with no valid NPWP gets a company
of its own. The sync relinks a record only when its NPWP changed (and records that change): a record an admin
moved by hand (merge/split) keeps its company while its NPWP stays what it was.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from sqlalchemy import Connection, event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from models import Company, CompanyLinkChange, ServiceUser
from models.base import utcnow
from portal.domain.npwp import normalize

CHUNK = 5000  # values per IN (...) list: well under SQLite's parameter limit
SYNC_REASON = "NPWP berubah di IQFast"


def _chunks(values: Sequence, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _companies_for_npwps(connection: Connection, wanted: dict[str, str]) -> dict[str, int]:
    """{npwp: company id} for every normalized NPWP in `wanted` ({npwp: name for a new one}), creating the missing
    companies in one insert."""
    table = Company.__table__
    keys = sorted(wanted)
    found: dict[str, int] = {}
    for part in _chunks(keys):
        found.update(connection.execute(select(table.c.npwp, table.c.id).where(table.c.npwp.in_(part))).all())
    missing = [key for key in keys if key not in found]
    if missing:
        now = utcnow()
        # DO NOTHING on a clash: another writer (an export import beside the sync) may add the same NPWP meanwhile.
        dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        connection.execute(dialect_insert(table).on_conflict_do_nothing(index_elements=["npwp"]),
                           [{"npwp": key, "name": wanted[key][:200], "created_at": now, "version": 1}
                            for key in missing])
        for part in _chunks(missing):
            found.update(connection.execute(select(table.c.npwp, table.c.id).where(table.c.npwp.in_(part))).all())
    return found


def _own_company(connection: Connection, name: str) -> int:
    """A new company with no NPWP, for one record whose NPWP is not valid."""
    table = Company.__table__
    return connection.execute(insert(table).values(npwp=None, name=name[:200], created_at=utcnow(), version=1)
                              .returning(table.c.id)).scalar_one()


def assign_companies(connection: Connection, rows: Sequence[tuple[int, str | None, str]]
                     ) -> tuple[list[int], list[tuple[int, int, int]]]:
    """The company of each incoming record of one sync batch, given as (source id, NPWP, name).

    Returns (company id per row, in order; [(service user id, old company, new company)] for the existing records
    whose NPWP changed to one of another company). A record we hold whose NPWP is unchanged keeps its company
    (an admin may have moved it). Set-based: a few queries per batch, one per new record with no valid NPWP.
    """
    records = ServiceUser.__table__
    source_ids = sorted({source_id for source_id, _npwp, _name in rows})
    held: dict[int, tuple[int, str, int]] = {}
    for part in _chunks(source_ids):
        for source_id, record_id, tax_id, company_id in connection.execute(
                select(records.c.source_id, records.c.id, records.c.tax_id, records.c.company_id)
                .where(records.c.source_id.in_(part))):
            if company_id is not None:  # a record being linked for the first time is new here
                held[source_id] = (record_id, tax_id, company_id)
    wanted: dict[str, str] = {}
    for source_id, npwp, name in rows:
        key = normalize(npwp)
        if key is not None:
            wanted.setdefault(key, name)
    by_npwp = _companies_for_npwps(connection, wanted) if wanted else {}
    result, moved = [], []
    for source_id, npwp, name in rows:
        key = normalize(npwp)
        current = held.get(source_id)
        if current is not None and (current[1] == npwp or (key is not None and normalize(current[1]) == key)):
            result.append(current[2])  # NPWP unchanged: keep the company, whoever chose it
            continue
        if key is not None:
            company_id = by_npwp[key]
        elif current is not None and _has_no_npwp(connection, current[2]):
            company_id = current[2]  # still no valid NPWP: it keeps the company of its own
        else:
            company_id = _own_company(connection, name)
        result.append(company_id)
        if current is not None and current[2] != company_id:
            moved.append((current[0], current[2], company_id))
    return result, moved


def _has_no_npwp(connection: Connection, company_id: int) -> bool:
    table = Company.__table__
    return connection.execute(select(table.c.npwp).where(table.c.id == company_id)).scalar_one_or_none() is None


def record_sync_moves(connection: Connection, moved: Iterable[tuple[int, int, int]], written: set[int]) -> None:
    """The history rows of the records the sync relinked (only those the batch really wrote)."""
    rows = [{"service_user_id": record_id, "from_company_id": old, "to_company_id": new, "reason": SYNC_REASON,
             "at": utcnow(), "username": "sync"}
            for record_id, old, new in moved if record_id in written]
    if rows:
        connection.execute(insert(CompanyLinkChange.__table__), rows)


def link_new_service_users(session: Session, ids: Iterable[int]) -> int:
    """Give the listed service users with no company theirs, by NPWP (records written outside the sync's batch);
    returns how many were linked."""
    pending = session.execute(select(ServiceUser.id, ServiceUser.source_id, ServiceUser.tax_id, ServiceUser.name)
                              .where(ServiceUser.id.in_(list(ids)), ServiceUser.company_id.is_(None))).all()
    if not pending:
        return 0
    companies, _moved = assign_companies(session.connection(), [(row[1], row[2], row[3]) for row in pending])
    for (record_id, *_rest), company_id in zip(pending, companies):
        session.get(ServiceUser, record_id).company_id = company_id
    session.flush()
    return len(pending)


@event.listens_for(ServiceUser, "before_insert")
def _company_before_insert(_mapper, connection: Connection, target: ServiceUser) -> None:
    """A service user added through a session (the demo, imports, tests) gets its company as it is inserted:
    company_id is NOT NULL, and the rule is the same as the sync's."""
    if target.company_id is None:
        key = normalize(target.tax_id)
        if key is None:
            target.company_id = _own_company(connection, target.name or "")
        else:
            target.company_id = _companies_for_npwps(connection, {key: target.name or ""})[key]
