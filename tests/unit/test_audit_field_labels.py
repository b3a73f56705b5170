"""Every field an audit entry records has a label in both languages: the audit log's drawer names each by it, and a
field without one showed its code, capitalised ("Rejected" beside "Nama berkas", "Baris", "Dibuat").

The fields are taken from the code that writes them: the keys of the dicts given to audit.record (and to the helpers
that hand theirs on), and the fields of the records whose values are recorded whole or changed field by field."""
from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest

from layouts import admin_audit as view
from portal.domain.compliance import ScoringSettings
from portal.domain.targeting import TargetingSettings
from portal.i18n import LANGUAGES, catalog
from portal.services import complaints, notifications, users
from portal.services.kpi.sla import DEFAULT_SLA_HOURS
from portal.services.nnc import rules as nnc_rules

ROOT = Path(__file__).resolve().parents[2]
# audit.record(session, actor_id, actor_username, action, object_type, object_id, before, after)
BEFORE, AFTER, OBJECT_TYPE = 6, 7, 4
# Helpers that pass their before/after on to audit.record: (function, position of before, of after, object type).
FORWARDERS = {"_history": (4, 5, "complaint")}


def _keys(node, functions: dict) -> set[str]:
    """The string keys of a dict literal (and of the literals spread into it with **), or of the dicts a helper of the
    same module returns (`*_audited(...)` gives before and after)."""
    found: set[str] = set()
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.add(key.value)
            elif key is None:  # {**{...}, **({"via": via} if via else {})}
                found |= _keys(value, functions)
    elif isinstance(node, ast.IfExp):
        found |= _keys(node.body, functions) | _keys(node.orelse, functions)
    elif isinstance(node, ast.Starred):
        found |= _keys(node.value, functions)
    elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in functions:
        for returned in (n for n in ast.walk(functions[node.func.id]) if isinstance(n, ast.Return) and n.value):
            for part in (returned.value.elts if isinstance(returned.value, ast.Tuple) else [returned.value]):
                found |= _keys(part, functions)
    return found


def _written_fields() -> set[tuple[str | None, str]]:
    """(object type, field) for every literal field given to audit.record or to a helper that forwards it."""
    found: set[tuple[str | None, str]] = set()
    for folder in ("portal", "callbacks", "jobs"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                if name == "record" and getattr(node.func, "value", None) is not None \
                        and getattr(node.func.value, "id", None) == "audit":
                    kind = node.args[OBJECT_TYPE] if len(node.args) > OBJECT_TYPE else None
                    kind = kind.value if isinstance(kind, ast.Constant) else None
                    values = node.args[BEFORE:] + [k.value for k in node.keywords if k.arg in ("before", "after")]
                elif name in FORWARDERS:
                    before, after, kind = FORWARDERS[name]
                    values = node.args[before:after + 1]
                else:
                    continue
                for value in values:
                    found |= {(kind, key) for key in _keys(value, functions)}
    return found


WRITTEN = _written_fields()
# Records recorded whole or field by field (audit.changed_fields, _audit_view): their fields, by object type.
RECORDED = (
    {("user", name) for name in users.EDIT_FIELDS + ("username",)}
    | {("nnc", name) for name in nnc_rules.EDITABLE_FIELDS + nnc_rules.FOLLOW_UP_FIELDS
       + ("status", "void_reason", "application_id")}
    | {("complaint", name) for name in complaints.EDIT_FIELDS}
    | {("compliance_settings", f.name) for f in fields(ScoringSettings)}
    | {("targeting_settings", f.name) for f in fields(TargetingSettings)}
    | {("setting", name) for name in DEFAULT_SLA_HOURS}
    | {("notification_preference", name) for name in notifications.EDIT_FIELDS}
    # nnc_exported's filters, a dict inside the entry: its keys are worded without a record kind
    | {(None, name) for name in ("status", "section", "date_from", "date_to", "text", "country", "service_user_id",
                                 "flow", "category")}
)


def test_the_finder_sees_the_fields_every_install_writes():
    """If a refactor hid the fields behind variables, the check below would pass on nothing."""
    assert {("nnc", "rejected"), ("nnc", "filename"), ("user", "locked_until"), ("guidance", "cancel_reason"),
            ("service_user", "company_id"), ("complaint", "retention_days"), ("nnc", "via")} <= WRITTEN


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_field_an_audit_entry_records_has_a_label_in_both_languages(language):
    words = catalog(language)
    missing = sorted(f"{kind}.{name}" for kind, name in WRITTEN | RECORDED
                     if not any(pattern.format(name) in words for pattern in view.field_keys(kind)))
    assert not missing, f"fields the audit log would show by their code in {language}: {missing}"
