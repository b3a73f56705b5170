"""Offices (UPT): the zone an office counts its days and months in, the list of stations, and adding one (the
CLI's `qcorner offices add` and the admin page's UPT section), with its own IQFast source when it has one."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from models import Office
from portal import audit
from portal.iqfast.sql_source import safe_url
from portal.settings import default_timezone
from portal.validation import ErrorCollector


def office_zone(session: Session, office_id: int | None) -> str:
    """The office's time zone from its row; the configured default when it has none (or no office is given)."""
    zone = None if office_id is None else session.scalar(select(Office.timezone).where(Office.id == office_id))
    return zone or default_timezone()


def zone_of(office) -> str:
    """The zone of an office row already loaded (None: the configured default)."""
    return (office.timezone if office is not None else None) or default_timezone()


def office_names(session: Session) -> dict[int, str]:
    """office id → name, for lists that write an office by its code and name it on hover or in an export."""
    return dict(session.execute(select(Office.id, Office.name)).all())


# Indonesia's three zones as IANA names: WIB (western; Pontianak is WIB too), WITA (central), WIT (eastern).
INDONESIAN_ZONES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}
# The drivers the sync can read IQFast with (portal/iqfast/sql_source.py).
SOURCE_DRIVERS = ("mysql+pymysql", "postgresql+psycopg2", "postgresql", "sqlite")
CODE = re.compile(r"^[0-9A-Za-z]{2,16}$")
MAX_NAME = 200


def list_offices(session: Session) -> list[dict[str, Any]]:
    """Every office, by code: code, name, zone (and WIB/WITA/WIT), active, its own IQFast source without the
    password (None: the installation's configured source)."""
    return [{"id": o.id, "code": o.code, "name": o.name, "timezone": o.timezone,
             "zone": INDONESIAN_ZONES.get(o.timezone, ""), "active": o.active,
             "iqfast_source": safe_url(o.iqfast_url) if o.iqfast_url else None}
            for o in session.scalars(select(Office).order_by(Office.code))]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def add_office(session: Session, actor_id: int | None, actor_username: str | None,
               values: dict[str, Any]) -> dict[str, Any]:
    """Add a station: code (unique, letters and digits), name, an Indonesian time zone, optionally its own IQFast
    database URL. Every field's error at once (InvalidInput); audited ("office_created", without the password)."""
    code, name, zone, url = (_text(values.get(k)) for k in ("code", "name", "timezone", "iqfast_url"))
    errors = ErrorCollector()
    if not CODE.match(code):
        errors.add("code", "offices.error.code")
    elif session.scalar(select(Office.id).where(Office.code == code)) is not None:
        errors.add("code", "offices.error.code_taken", code=code)
    if not name:
        errors.add("name", "offices.error.name_required")
    elif len(name) > MAX_NAME:
        errors.add("name", "offices.error.name_long", limit=MAX_NAME)
    if zone not in INDONESIAN_ZONES:
        errors.add("timezone", "offices.error.timezone", zones=", ".join(INDONESIAN_ZONES))
    if url:
        try:
            driver = make_url(url).drivername
        except ArgumentError:
            driver = None
        if driver not in SOURCE_DRIVERS or len(url) > 500:
            errors.add("iqfast_url", "offices.error.iqfast_url", drivers=", ".join(SOURCE_DRIVERS))
    errors.raise_if_any()
    office = Office(code=code, name=name, timezone=zone, active=True, iqfast_url=url or None)
    session.add(office)
    session.flush()
    audit.record(session, actor_id, actor_username, "office_created", "office", office.id, None,
                 {"code": code, "name": name, "timezone": zone,
                  "iqfast_source": safe_url(url) if url else None})
    return {"id": office.id, "code": code, "name": name, "timezone": zone,
            "iqfast_source": safe_url(url) if url else None}


def own_sources(session: Session) -> list[tuple[str, str]]:
    """(office code, URL) of each active office with its own IQFast database, one per distinct URL, by code."""
    seen, found = set(), []
    for code, url in session.execute(select(Office.code, Office.iqfast_url).where(
            Office.iqfast_url.is_not(None), Office.active.is_(True)).order_by(Office.code)):
        if url and url not in seen:
            seen.add(url)
            found.append((code, url))
    return found


def own_source_offices(session: Session) -> dict[str, frozenset[int]]:
    """URL → the ids of the offices read from it, for every office with its own IQFast database (inactive ones too:
    their records stay theirs, whoever no longer reads them)."""
    found: dict[str, set[int]] = {}
    for office_id, url in session.execute(select(Office.id, Office.iqfast_url).where(Office.iqfast_url.is_not(None))):
        if url:
            found.setdefault(url, set()).add(office_id)
    return {url: frozenset(ids) for url, ids in found.items()}
