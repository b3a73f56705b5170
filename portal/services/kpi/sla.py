"""The KPI panel's service levels: the target hours per certification stage, set by an admin."""
from __future__ import annotations

import math
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Setting
from models.base import utcnow
from portal import audit
from portal.services import edit_versions
from portal.validation import ErrorCollector

SLA_SETTING_KEY = "kpi.sla_hours"
# Calendar hours (the airport station works around the clock). "service" is submitted → certified.
DEFAULT_SLA_HOURS: dict[str, float] = {"service": 24.0, "verified": 2.0, "inspected": 4.0, "treated": 24.0,
                                       "draft_certificate": 2.0, "billed": 1.0, "paid": 8.0, "certified": 2.0,
                                       "handed_over": 24.0}


def sla_hours(session: Session) -> dict[str, float]:
    """The SLA per stage in calendar hours: the admin's values over the defaults."""
    return _hours(session.get(Setting, SLA_SETTING_KEY))


def sla_version(session: Session) -> int:
    """The version of the stored SLA hours, which the form keeps (0 while only the defaults apply)."""
    stored = session.get(Setting, SLA_SETTING_KEY)
    return stored.version if stored is not None else 0


def _hours(stored: Setting | None) -> dict[str, float]:
    values = dict(DEFAULT_SLA_HOURS)
    if stored is not None and isinstance(stored.value, dict):
        values.update({k: float(v) for k, v in stored.value.items() if k in DEFAULT_SLA_HOURS})
    return values


def save_sla_hours(session: Session, actor_id: int | None, actor_username: str | None,
                   values: dict[str, Any], *, expected_version: int | None = None,
                   opened: dict[str, Any] | None = None) -> dict[str, float]:
    """Validate and store the SLA hours (every stage, 0 < hours ≤ 2160); audited before/after.

    The settings row carries a version: a save from a form opened on an older one (`expected_version`, `opened`)
    is refused with StaleEdit (edit_versions); 0 is the form opened on the defaults, before any save."""
    errors = ErrorCollector()
    cleaned: dict[str, float] = {}
    for key in DEFAULT_SLA_HOURS:
        raw = values.get(key)
        try:
            number = float(str(raw).replace(",", "."))
        except (TypeError, ValueError):
            errors.add(key, "kpi.error.sla_number")
            continue
        if not math.isfinite(number) or not 0 < number <= 2160:
            errors.add(key, "kpi.error.sla_range", max=2160)
            continue
        cleaned[key] = round(number, 2)
    errors.raise_if_any()
    stored = session.get(Setting, SLA_SETTING_KEY)
    before = _hours(stored)
    if cleaned == before:
        return cleaned  # nothing to store: every open form stays current
    if stored is not None:
        edit_versions.claim(session, stored, expected_version, opened, _hours, "setting", SLA_SETTING_KEY)
    elif not edit_versions.is_current(0, expected_version):
        raise edit_versions.stale(session, opened or {}, before, "setting", SLA_SETTING_KEY)
    else:
        try:
            with session.begin_nested():  # the first save from two forms at once: the second finds the row
                stored = Setting(key=SLA_SETTING_KEY, value=cleaned, version=1)
                session.add(stored)
        except IntegrityError:
            raise edit_versions.stale(session, opened or {}, _hours(session.get(Setting, SLA_SETTING_KEY)),
                                      "setting", SLA_SETTING_KEY) from None
    stored.value, stored.updated_by_id, stored.updated_at = cleaned, actor_id, utcnow()
    changed_before, changed_after = audit.changed_fields(before, cleaned)
    audit.record(session, actor_id, actor_username, "kpi_sla_saved", "setting", SLA_SETTING_KEY,
                 changed_before, changed_after)
    session.flush()
    return cleaned
