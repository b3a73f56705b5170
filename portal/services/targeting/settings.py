"""The targeting settings (which risk flags are on, their thresholds): versioned as the compliance settings are,
every decision names the version it used; edited by an admin (audited)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.targeting import TargetingSettingsVersion
from portal.domain import targeting as rules
from portal.domain.targeting import TargetingSettings
from portal.services import settings_versions
from portal.validation import ErrorCollector

# Thresholds: (kind, lowest, highest).
THRESHOLDS: dict[str, tuple[type, float, float]] = {
    "new_company_below": (int, 1, 100000), "recent_nnc_days": (int, 1, 3650), "quantity_factor": (float, 1, 1000),
}


def current_settings(session: Session) -> tuple[int, TargetingSettings]:
    """The latest saved version and its values (the built-in defaults as version 0 when none was saved)."""
    row = session.execute(select(TargetingSettingsVersion).order_by(
        TargetingSettingsVersion.version.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        return 0, rules.DEFAULT_SETTINGS
    return row.version, TargetingSettings.from_dict(row.values)


def settings_of(session: Session, version: int) -> TargetingSettings:
    if not version:
        return rules.DEFAULT_SETTINGS
    row = session.get(TargetingSettingsVersion, version)
    return TargetingSettings.from_dict(row.values) if row else rules.DEFAULT_SETTINGS


def clean_settings(values: dict[str, Any]) -> TargetingSettings:
    errors = ErrorCollector()
    cleaned: dict[str, Any] = {}
    for code in rules.FLAG_CODES:
        cleaned[code] = bool(values.get(code, True))
    for name, (kind, low, high) in THRESHOLDS.items():
        raw = values.get(name, getattr(rules.DEFAULT_SETTINGS, name))
        try:
            number = kind(str(raw).strip().replace(",", "."))
        except (TypeError, ValueError):
            errors.add(name, "compliance.error.whole_number" if kind is int else "compliance.error.number")
            continue
        if not low <= number <= high:
            errors.add(name, "compliance.error.range", low=low, high=high)
        else:
            cleaned[name] = number
    errors.raise_if_any()
    return TargetingSettings(**cleaned)


def save_settings(session: Session, actor_id: int | None, actor_username: str | None, values: dict[str, Any],
                  note: str | None = None, *, expected_version: int | None = None,
                  opened: dict[str, Any] | None = None) -> dict[str, Any]:
    """Store the settings as a new version (audited); decisions made afterwards name it. Past decisions keep
    theirs: a settings change never touches a decision."""
    return settings_versions.save_version(session, model=TargetingSettingsVersion, kind="targeting_settings",
                                          action="targeting_settings_changed", current=current_settings,
                                          settings=clean_settings(values), actor_id=actor_id,
                                          actor_username=actor_username, note=note,
                                          expected_version=expected_version, opened=opened)
