"""Every value the portal shows through a key built at run time (`t(f"nnc.status.{status}")`) has that key in both
languages: statuses, tiers, categories, actions, stages and the other choice lists, taken from the lists the code
itself uses, so a value added there without its text fails here instead of showing a raw key on a page."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from models import application, complaint, compliance as compliance_models
from portal.domain import compliance as scoring, ikm
from portal.i18n import LANGUAGES, catalog
from portal.pages import PAGES
from portal.reports import documents
from portal.security import permissions
from portal.services import complaints as complaints_service
from portal.services import corrections, my_applications, notifications, service_accounts, surveys, users
from portal.services.compliance import ranking
from portal.services.kpi import panel
from portal.services.nnc import rules as nnc_rules

ROOT = Path(__file__).resolve().parents[2]
# Sections are rows the first migration seeds, not a constant: these two codes are the ones it writes.
SECTIONS = ("animal", "plant")


def _literals(values) -> list[ast.Constant]:
    """The constants among `values`, a choice between two constants ("a" if x else "b") counted as both."""
    found = []
    for value in values:
        if isinstance(value, ast.IfExp):
            found += _literals([value.body, value.orelse])
        elif isinstance(value, ast.Constant):
            found.append(value)
    return found


def _calls_by_name() -> dict[str, list[ast.Call]]:
    """Every call in the portal's code, by the name it calls (`x.record(...)` and `record(...)` both "record"): the
    code parsed once, since this module's lists are read at collection, in every test worker."""
    calls: dict[str, list[ast.Call]] = {}
    for folder in ("portal", "callbacks", "jobs"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                    calls.setdefault(name, []).append(node)
    return calls


CALLS = _calls_by_name()


def _literal_arguments(function_name: str, position: int, keyword: str) -> set[str]:
    """Every string literal passed to `function_name(...)` at `position` (or as `keyword=`) in the portal's code:
    the audit actions and complaint events are written where they happen, not listed in one place."""
    found: set[str] = set()
    for node in CALLS.get(function_name, ()):
        values = node.args[position:position + 1] + [k.value for k in node.keywords if k.arg == keyword]
        found |= {v.value for v in _literals(values) if isinstance(v.value, str)}
    return found


COMPLAINT_EVENTS = _literal_arguments("_history", 3, "action")
# Every action the audit log can hold: the literals given to audit.record, and those that reach it through the two
# helpers that pass theirs on (complaint events are recorded as "complaint_<event>"; the password links and the
# versioned settings' save name theirs).
AUDIT_ACTIONS = (_literal_arguments("record", 3, "action") | {f"complaint_{event}" for event in COMPLAINT_EVENTS}
                 | _literal_arguments("_password_from_link", 6, "action")
                 | _literal_arguments("save_version", 99, "action"))
FORWARDED_ACTIONS = {("complaints.py", "_history"), ("service_accounts.py", "_password_from_link"),
                     ("settings_versions.py", "save_version")}
# The kinds of record an entry names: literals, the guard's kinds of refused request (portal.security.guard's
# _log_denied), and the records a page refused to open (callbacks.common.load_record's audit_as).
AUDIT_OBJECTS = (_literal_arguments("record", 4, "object_type") | _literal_arguments("_log_denied", 0, "kind")
                 | _literal_arguments("load_record", 99, "audit_as") | _literal_arguments("save_version", 99, "kind"))

# (key pattern, the values it is built with)
VALUE_KEYS: list[tuple[str, tuple]] = [
    # NNC register
    ("nnc.status.{}", nnc_rules.STATUSES),
    ("nnc.follow_up.to.{}", nnc_rules.STATUSES),
    ("nnc.flow.{}", nnc_rules.FLOWS),
    ("nnc.category.{}", nnc_rules.CATEGORIES),
    ("nnc.category_short.{}", nnc_rules.CATEGORIES),
    ("nnc.subcategory.{}", nnc_rules.DOCUMENT_PROBLEMS),
    ("nnc.action.{}", nnc_rules.ACTIONS),
    ("nnc.field.{}", nnc_rules.EDITABLE_FIELDS),
    ("nnc.field.{}", nnc_rules.FOLLOW_UP_FIELDS + ("status",)),  # a stale follow-up names them
    ("nnc.section_short.{}", SECTIONS),
    ("section.{}", SECTIONS),
    # applications, stages and 3P actions
    ("stage.{}", application.STAGES + application.COMPLETING_STAGES),
    ("direction.{}", application.DIRECTIONS),
    ("action_kind.{}", application.ACTION_KINDS),
    ("my.stage.{}", my_applications.MAIN_PATH + my_applications.PROBLEM_STAGES),
    ("my.status.{}", my_applications.STATUSES),
    ("my.direction.{}", application.DIRECTIONS),
    ("my.action.{}", application.ACTION_KINDS),
    ("my.correction.field.{}", corrections.FIELDS),
    ("my.document.{}", documents.KINDS),
    ("pdf.kind.{}", documents.KINDS),
    # compliance: tiers, rules, interventions, guidance
    ("compliance.tier.{}", scoring.TIERS),
    ("compliance.tier_rule.{}", scoring.TIERS),
    ("compliance.rule.{}", (scoring.RULE_A, scoring.RULE_B, scoring.RULE_C, scoring.RULE_D_RECORDS,
                            scoring.RULE_D_SCORE)),
    ("compliance.intervention.{}", (scoring.TIGHTENED, scoring.NORMAL, scoring.REDUCED)),
    ("compliance.sort.{}", ranking.SORTS),
    ("guidance.kind.{}", compliance_models.GUIDANCE_KINDS),
    ("guidance.status.{}", compliance_models.GUIDANCE_STATUSES),
    # complaints
    ("complaints.status.{}", complaint.STATUSES),
    ("complaints.channel.{}", complaint.CHANNELS),
    ("complaints.category.{}", complaint.CATEGORIES),
    ("complaints.field.{}", tuple(f for f in complaints_service.EDIT_FIELDS if f != "assignee_id")),  # stale saves
    ("field.{}", tuple(f.removesuffix("_id") for f in users.EDIT_FIELDS)),  # a stale account form names them
    ("complaints.event.{}", tuple(COMPLAINT_EVENTS)),
    # KPI and survey (IKM)
    ("kpi.preset.{}", panel.PRESETS),
    ("ikm.grade.{}", tuple(ikm.GRADE_LABELS)),
    ("skm.element.{}.name", tuple(element.number for element in ikm.ELEMENTS)),
    ("skm.element.{}.short", tuple(element.number for element in ikm.ELEMENTS)),
    ("skm.profile.{}", tuple(surveys.PROFILE_CHOICES)),
    *[(f"skm.profile.{field}.{{}}", choices) for field, choices in surveys.PROFILE_CHOICES.items()],
    # accounts, roles, audit, notifications, menu
    ("role.{}", permissions.ROLES),
    ("audit.action.{}", tuple(AUDIT_ACTIONS)),
    ("audit.object.{}", tuple(AUDIT_OBJECTS)),
    ("notify.{}.subject", notifications.NOTIFIED_STAGES + tuple(service_accounts.LIFETIME)),
    ("notify.{}.body", notifications.NOTIFIED_STAGES + tuple(service_accounts.LIFETIME)),
    ("nav.group.{}", tuple({page.group for page in PAGES if page.group})),
    ("page.{}", tuple(page.title_key.removeprefix("page.") for page in PAGES)),
    ("language.switch_to.{}", LANGUAGES),
]


@pytest.mark.parametrize("pattern, values", VALUE_KEYS, ids=[pattern for pattern, _ in VALUE_KEYS])
def test_every_value_has_its_text_in_both_languages(pattern, values):
    assert values, f"no values found for {pattern}: the list it is built from moved"
    for language in LANGUAGES:
        missing = sorted(pattern.format(value) for value in values if pattern.format(value) not in catalog(language))
        assert not missing, f"missing in {language}: {missing}"


def test_the_code_writes_audit_actions_and_complaint_events_the_finder_sees():
    """The literal finder itself: if a refactor hides the actions behind variables, the check above would pass on
    nothing, so it must still see the ones every install writes."""
    assert {"login", "logout", "nnc_created", "user_created"} <= AUDIT_ACTIONS
    assert {"created", "updated"} <= COMPLAINT_EVENTS


def test_every_audit_action_is_written_where_the_finder_reads_it():
    """An audit.record whose action is not a literal must sit in one of the helpers the finder follows, so no
    action reaches the audit log page without its words ("audit.action.complaint_created" shown as a key)."""
    hidden = []
    for folder in ("portal", "callbacks", "jobs"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
                for node in ast.walk(function):
                    if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record"
                            and getattr(node.func, "value", None) is not None
                            and getattr(node.func.value, "id", None) == "audit"):
                        continue
                    action = node.args[3] if len(node.args) > 3 else next(
                        (k.value for k in node.keywords if k.arg == "action"), None)
                    written = isinstance(action, ast.Constant) or (
                        isinstance(action, ast.IfExp) and len(_literals([action])) == 2)
                    if not written and (path.name, function.name) not in FORWARDED_ACTIONS:
                        hidden.append(f"{path.relative_to(ROOT)}:{node.lineno} in {function.name}")
    assert not hidden, f"audit actions the translation check cannot see: {hidden}"
    assert {"complaint_created", "invitation_accepted", "password_reset_by_link"} <= AUDIT_ACTIONS
