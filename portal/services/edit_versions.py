"""No lost updates: every edit form saves against the version of the record it opened (optimistic locking).

A form keeps `opened(version, values)` when it loads a record (its version and the values it showed); the save
passes that version and those values to the service, which calls `claim` before it writes. `claim` refuses a save
from a form opened on an older version with `StaleEdit`, naming each field changed since (its value then and
now) and who saved last and when; otherwise it takes the next version in one `UPDATE … WHERE version = loaded`,
so two saves racing past the check cannot both win. The form keeps everything typed: the refusal writes nothing.

The one mechanism for every form: NNC edit and follow-up, complaint, guidance, accounts, key/value settings,
correction requests, a service account's notification choices (a `version` column, models.base.EditVersion) and
the compliance scoring settings (whose versions are rows: `refuse_unless_current`).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models import AuditLog, Handler, Office, Section, ServiceUser, User
from portal.validation import StaleEdit

# A stale form sent no version (a crafted request, a page from before this release): never matches a record.
NO_VERSION = -1


def plain(value: Any) -> Any:
    """A value as a form keeps it (JSON): days and times as ISO text, decimals as text; "" and None alike."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return None if value == "" else value


def opened(version: int | None, values: dict[str, Any]) -> dict[str, Any]:
    """What a form keeps in the page when it opens a record: the version and the values it showed."""
    return {"version": version, "values": {key: plain(value) for key, value in values.items()}}


def expected(version: Any) -> int:
    """A version a form sent back, as a number: NO_VERSION for anything that is not a whole number."""
    return NO_VERSION if isinstance(version, bool) or not isinstance(version, int) else version


def from_form(kept: Any) -> tuple[int, dict[str, Any]]:
    """The version and values a form sent back with its save: (NO_VERSION, {}) for anything malformed."""
    if not isinstance(kept, dict):
        return NO_VERSION, {}
    values = kept.get("values")
    return expected(kept.get("version")), values if isinstance(values, dict) else {}


def changes_since(then: dict[str, Any], now: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, value then, value now) for every field of `now` whose value moved since the form opened."""
    found = []
    for key, value in now.items():
        current = plain(value)
        if key in then and plain(then[key]) != current:
            found.append((key, plain(then[key]), current))
    return found


def last_saved(session: Session, object_type: str, object_id: Any) -> tuple[str | None, datetime | None]:
    """Who saved the record last and when, from its newest entry in the audit log (None, None if it has none)."""
    row = session.execute(select(AuditLog.username, AuditLog.at)
                          .where(AuditLog.object_type == object_type, AuditLog.object_id == str(object_id))
                          .order_by(AuditLog.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (None, None)


# A field holding another record's id is shown by that record's name or code: "Pengguna jasa: PT A → PT B", not
# "1 → 2". Field → (table, attribute); the forms' callbacks word a code (a section) in the reader's language.
REFERENCES: dict[str, tuple[type, str]] = {
    "service_user_id": (ServiceUser, "name"), "handler_id": (Handler, "name"), "section_id": (Section, "code"),
    "office_id": (Office, "code"), "assignee_id": (User, "username"),
}


def _named(session: Session, field: str, value: Any) -> Any:
    if field not in REFERENCES or value is None or isinstance(value, bool):
        return value
    table, attribute = REFERENCES[field]
    try:
        number = int(value)
    except (TypeError, ValueError):
        return value
    found = session.get(table, number) if 0 < number < 2 ** 31 else None
    return getattr(found, attribute) if found is not None else value


def stale(session: Session, then: dict[str, Any], now: dict[str, Any], object_type: str,
          object_id: Any) -> StaleEdit:
    """The refusal of a save over a newer version: what changed since, who saved it and when."""
    by, at = last_saved(session, object_type, object_id)
    changes = [(field, _named(session, field, old), _named(session, field, new))
               for field, old, new in changes_since(then, now)]
    return StaleEdit(changes, by, at)


def is_current(version: int, expected_version: Any) -> bool:
    """Whether a save naming `expected_version` may go over `version` (None: a caller with no form)."""
    if expected_version is None:
        return True
    return not isinstance(expected_version, bool) and expected_version == version


def claim(session: Session, record: Any, expected_version: Any, then: dict[str, Any] | None,
          values_of: Callable[[Any], dict[str, Any]], object_type: str, object_id: Any = None) -> None:
    """Refuse the save unless `record` is still at `expected_version`, then take the next version for it.

    Call it after the input passed its checks and before the record changes, only when the save changes
    something (a save that changes nothing leaves every open form current). `expected_version=None` is a caller
    with no form (the CLI, an import, a job): it is not checked, but its change still makes open forms stale.
    `values_of(record)` gives the record's values by form field, to say what changed.
    """
    record_id = inspect(record).identity[0]
    object_id = record_id if object_id is None else object_id
    if not is_current(record.version, expected_version):
        raise stale(session, then or {}, values_of(record), object_type, object_id)
    model = type(record)
    key = inspect(model).primary_key[0]
    with session.no_autoflush:  # the guarded UPDATE first: the record's own changes are not written yet
        result = session.execute(update(model).where(key == record_id, model.version == record.version)
                                 .values(version=record.version + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        # Saved by someone else between our read and this write: read it again (dropping our unsaved changes).
        session.expire(record)
        raise stale(session, then or {}, values_of(record), object_type, object_id)
    set_committed_value(record, "version", record.version + 1)
