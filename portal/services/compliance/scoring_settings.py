"""The compliance scoring settings: versioned (every score names the version it used), edited by an admin."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.compliance import ComplianceSettingsVersion
from portal.domain import compliance as model
from portal.domain.compliance import ScoringSettings
from portal.services import settings_versions
from portal.validation import ErrorCollector


def current_settings(session: Session) -> tuple[int, ScoringSettings]:
    """The latest saved settings version and its values (the built-in defaults as version 0 if none)."""
    row = session.execute(select(ComplianceSettingsVersion).order_by(
        ComplianceSettingsVersion.version.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        return 0, model.DEFAULT_SETTINGS
    return row.version, ScoringSettings.from_dict(row.values)


def settings_history(session: Session, limit: int = 20) -> list[dict[str, Any]]:
    rows = session.scalars(select(ComplianceSettingsVersion).order_by(
        ComplianceSettingsVersion.version.desc()).limit(limit))
    return [{"version": r.version, "values": r.values, "created_by": r.created_by, "created_at": r.created_at,
             "note": r.note} for r in rows]


# Which settings are whole numbers, and the sensible range of each (the domain model only refuses negatives).
SETTING_RULES: dict[str, tuple[type, float, float]] = {
    "weight_detention": (float, 0, 100), "weight_refusal": (float, 0, 100), "weight_destruction": (float, 0, 100),
    "weight_nnc": (float, 0, 100), "window_months": (int, 1, 60), "prior_m": (float, 0.1, 10000),
    "tier_a_min_clean_streak": (int, 0, 100000), "tier_a_clean_months": (int, 0, 240),
    "tier_a_min_n": (int, 0, 100000), "tier_d_min_violation_records": (int, 1, 100000),
    "tier_d_score_below": (float, 0, 100), "tier_b_min_score": (float, 0, 100),
    "tightened_percent": (float, 0, 100), "normal_percent": (float, 0, 100), "reduced_percent": (float, 0, 100),
    "normal_after_clean": (int, 0, 100000), "reduced_after_more_clean": (int, 0, 100000),
    "p0_min_consignments": (int, 1, 10_000_000), "p0_fallback": (float, 0, 1), "handler_flag_tier_d": (int, 1, 100000),
}


def _number(value: Any, kind: type) -> int | float | None:
    if value is None or (isinstance(value, str) and not value.strip()) or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except Exception:  # noqa: BLE001 - any unparsable text is "not a number"
        return None
    if not number.is_finite():
        return None
    if kind is int:
        return int(number) if number == number.to_integral_value() else None
    as_int = int(number)
    return as_int if number == as_int else float(number)


def clean_settings(values: dict[str, Any]) -> ScoringSettings:
    """Validate a settings form: every field at once, with a message naming the allowed range."""
    errors = ErrorCollector()
    cleaned: dict[str, Any] = {}
    for name, (kind, low, high) in SETTING_RULES.items():
        number = _number(values.get(name), kind)
        if number is None:
            errors.add(name, "compliance.error.whole_number" if kind is int else "compliance.error.number")
        elif not low <= number <= high:
            errors.add(name, "compliance.error.range", low=low, high=high)
        else:
            cleaned[name] = number
    if not errors.errors and cleaned["tier_b_min_score"] < cleaned["tier_d_score_below"]:
        errors.add("tier_b_min_score", "compliance.error.b_below_d")
    if not errors.errors and not (cleaned["tightened_percent"] >= cleaned["normal_percent"]
                                  >= cleaned["reduced_percent"]):
        errors.add("normal_percent", "compliance.error.sampling_order")
    errors.raise_if_any()
    return ScoringSettings(**cleaned)


def save_settings(session: Session, actor_id: int | None, actor_username: str | None, values: dict[str, Any],
                  note: str | None = None, *, expected_version: int | None = None,
                  opened: dict[str, Any] | None = None) -> dict[str, Any]:
    """Store the settings as a new version (audited); scores computed afterwards name it.

    The versions are the settings' own rows: a save from a form opened on an older version than the latest
    (`expected_version`, `opened`) is refused with StaleEdit, as every edit form's is (edit_versions)."""
    return settings_versions.save_version(session, model=ComplianceSettingsVersion, kind="compliance_settings",
                                          action="compliance_settings_changed", current=current_settings,
                                          settings=clean_settings(values), actor_id=actor_id,
                                          actor_username=actor_username, note=note,
                                          expected_version=expected_version, opened=opened)
