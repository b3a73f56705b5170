"""Offices (UPT) as the other services need them: the zone an office counts its days and months in."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Office
from portal.settings import default_timezone


def office_zone(session: Session, office_id: int | None) -> str:
    """The office's time zone from its row; the configured default when it has none (or no office is given)."""
    zone = None if office_id is None else session.scalar(select(Office.timezone).where(Office.id == office_id))
    return zone or default_timezone()


def zone_of(office) -> str:
    """The zone of an office row already loaded (None: the configured default)."""
    return (office.timezone if office is not None else None) or default_timezone()
