"""Which of our synced records a source holds, by their station (office): the configured IQFast every station's
but those read from a database of their own (offices.iqfast_url), such a database only its own stations'.

Two things follow from it. The nightly reconciliation compares a source's keys with the records it holds only
(else the national comparison would "delete" a station read from its own database every night). And a source
writes only records it holds: a row of a station held by another source (a database whose ids overlap the
national series, or one carrying a station it does not own) is refused with its reason instead of overwriting
that station's record, or hanging an event on its application. A record's station is its own (applications,
service users, handlers, 3P actions) or its application's (events, commodity lines, bills, certificates). The
reads keep to the same stations (``Holdings.stations``): the configured IQFast's copy of a station with a database of
its own is not read at all, neither by each run nor by the nightly comparison."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import exists, false, select, true

from models import Application, Office
from portal.db import Database
from portal.iqfast.sql_source import Stations
from portal.services.offices import own_source_offices


@dataclass(frozen=True)
class Holdings:
    """Only ``offices``' records (an office's own database), or every office's but ``others``' (any other source)."""

    offices: frozenset[int] | None = None
    others: frozenset[int] = frozenset()
    codes: frozenset[str] = frozenset()  # the codes of the offices named above (``offices``, else ``others``)

    @property
    def everything(self) -> bool:
        """Every station's records: the usual installation, one IQFast and no station with a database of its own."""
        return self.offices is None and not self.others

    @property
    def stations(self) -> Stations | None:
        """What the source's reads keep (None: everything): rows of another source's station are left in IQFast,
        not read to be refused one by one."""
        if self.everything:
            return None
        return Stations(self.codes, only=self.offices is not None)

    def within(self, office):
        """SQL: the office column names a station this source holds."""
        if self.offices is not None:
            return office.in_(sorted(self.offices)) if self.offices else false()
        return office.not_in(sorted(self.others)) if self.others else true()

    def outside(self, office):
        """SQL: the office column names a station another source holds."""
        if self.offices is not None:
            return office.not_in(sorted(self.offices)) if self.offices else true()
        return office.in_(sorted(self.others)) if self.others else false()


EVERYTHING = Holdings()


def holdings_of(database: Database, url: str | None, configured: str | None = None) -> Holdings:
    """What the source at ``url`` holds (None: an export file, which is neither an office's own database).
    ``configured``: the configured IQFast's URL; an office whose database it is (read once, as the configured source)
    has no database of its own."""
    with database.session() as session:
        own = {u: ids for u, ids in own_source_offices(session).items() if u != configured}
        if url is not None and url in own:
            offices, others = own[url], None
        else:
            offices, others = None, frozenset(office for ids in own.values() for office in ids)
        listed = offices if offices is not None else others
        codes = frozenset(session.scalars(select(Office.code).where(Office.id.in_(sorted(listed))))) if listed \
            else frozenset()
    if offices is not None:
        return Holdings(offices=offices, codes=codes)
    return Holdings(others=others, codes=codes)


def without_stations_it_lacks(database: Database, holds: Holdings,
                              stations_present: Callable[[set[str]], set[str]]) -> tuple[Holdings, list[str]]:
    """``holds`` of the configured IQFast (every station but those with a database of their own) without the stations
    it has no application of at all, and their codes: a station fed by export files only, or one another IQFast
    holds, would otherwise have every record marked deleted by each night's comparison. ``stations_present``: of
    the codes given, those the source has applications of (SqlSource.stations_with_applications)."""
    if holds.offices is not None:
        return holds, []
    with database.session() as session:
        ours = dict(session.execute(select(Office.code, Office.id).where(
            Office.id.not_in(sorted(holds.others) or [-1]),
            exists().where(Application.office_id == Office.id, Application.deleted_at.is_(None)))).all())
    present = stations_present(set(ours)) if ours else set()
    absent = {code: office for code, office in ours.items() if code not in present}
    if not absent:
        return holds, []
    return (Holdings(others=holds.others | frozenset(absent.values()), codes=holds.codes | frozenset(absent)),
            sorted(absent))
