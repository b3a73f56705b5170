"""What an NNC is made of (flows, categories, actions, statuses, fields) and who may see and change one: the
scope decides (portal/security/scope.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from models import Nnc, Office, Section
from models.nnc import DIRECTION_OF_FLOW, VOID
from portal.security.scope import Scope, scope_of, system_scope
from portal.validation import Forbidden, NotFound, OutsideSection

FLOWS = tuple(DIRECTION_OF_FLOW)  # received, issued
CATEGORIES = ("prohibited", "documentation", "pest", "food_safety", "other_sps")
DOCUMENT_PROBLEMS = ("missing", "incomplete", "altered", "invalid", "fraudulent")
ACTIONS = ("detention", "refusal_reexport", "destruction", "treatment", "release_after_sorting", "none")
STATUSES = ("received", "under_investigation", "clarified", "closed", "void")
OPEN_STATUSES = ("received", "under_investigation", "clarified")

# The status workflow: (from, to) → the permission that change needs (portal/security/permissions.py says
# which roles hold it). Anything else is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("received", "under_investigation"): "nnc.follow_up",
    ("under_investigation", "clarified"): "nnc.follow_up",
    ("clarified", "under_investigation"): "nnc.follow_up",      # more to find out
    ("clarified", "closed"): "nnc.close",                       # a supervisor decides the case is finished
    ("closed", "under_investigation"): "nnc.reopen",
    ("received", "void"): "nnc.edit",                           # recorded by mistake, a duplicate…
    ("under_investigation", "void"): "nnc.edit",
    ("clarified", "void"): "nnc.edit",
    ("closed", "void"): "nnc.restore",
    ("void", "received"): "nnc.restore",                        # voided by mistake
}
# What a status needs before an NNC may reach it.
STATUS_REQUIRES = {"clarified": ("investigation_findings",),
                   "closed": ("investigation_findings", "corrective_action")}

# Form fields → the longest text each column holds.
TEXT_LIMITS = {
    "number": 100, "notifying_authority": 200, "notifying_country": 100, "notified_authority": 200,
    "notified_country": 100, "party_name": 200, "party_country": 100, "application_number": 60,
    "certificate_number": 60, "commodity": 200, "scientific_name": 200, "hs_code": 16, "lot_number": 100,
    "container_number": 100, "air_waybill": 60, "point_of_entry": 200, "organism": 200, "description": 4000,
    "investigation_findings": 4000, "corrective_action": 4000, "guidance_given": 4000, "internal_notes": 4000,
    "void_reason": 2000,
}
REQUIRED_TEXT = ("number", "notifying_authority", "notifying_country", "notified_authority", "notified_country",
                 "commodity")
FOLLOW_UP_FIELDS = ("investigation_findings", "corrective_action", "guidance_given")
# Every field an editor sets through the form (status has its own workflow).
EDITABLE_FIELDS = (
    "number", "notice_date", "received_date", "flow", "notifying_authority", "notifying_country",
    "notified_authority", "notified_country", "service_user_id", "party_name", "party_country", "handler_id",
    "application_number", "certificate_number", "section_id", "commodity", "scientific_name", "hs_code",
    "lot_number", "container_number", "air_waybill", "point_of_entry", "category", "subcategory", "organism",
    "description", "action_taken", "investigation_findings", "corrective_action", "guidance_given",
    "internal_notes",
)
# Fields a service user never sees.
INTERNAL_FIELDS = ("internal_notes", "void_reason", "created_by", "updated_by", "created_by_id", "updated_by_id")
EARLIEST_DATE = date(1900, 1, 1)
HS_CODE = re.compile(r"^\d{4}(\.?\d{2}){0,3}$")
PAGE_SIZE = 25
EXPORT_LIMIT = 50_000
SUGGESTION_LIMIT = 20
HOME_AUTHORITY = "Badan Karantina Indonesia (Barantin)"
HOME_COUNTRY = "Indonesia"


@dataclass(frozen=True)
class Actor:
    """Someone acting without a login (the CLI, a job, the demo set-up): same shape as the logged-in user."""

    id: int | None
    username: str
    role: str
    office_id: int
    section_id: int | None = None
    section_code: str | None = None
    service_user_ids: tuple[int, ...] = field(default=())


def system_actor(session: Session, office_code: str, role: str | None = None,
                 username: str = "system") -> Scope | Actor:
    """An actor for scripts: the given office, every right (or a role's, when one is given), no account."""
    office_id = session.scalar(select(Office.id).where(Office.code == office_code))
    if office_id is None:
        raise NotFound(office_code)
    if role is None:
        return system_scope(office_id, username)
    return Actor(id=None, username=username, role=role, office_id=office_id)


def can_edit(actor) -> bool:
    """Create NNCs and edit every field (`nnc.edit`)."""
    return scope_of(actor).can("nnc.edit")


def _may_see(actor, nnc: Nnc) -> bool:
    scope = scope_of(actor)
    if scope.company_scoped:
        return scope.sees_company(nnc.service_user_id) and nnc.status != VOID
    return scope.can("nnc.view") and scope.sees_office(nnc.office_id) and scope.sees_section(nnc.section_id)


def may_follow_up(actor, nnc: Nnc) -> bool:
    return scope_of(actor).can("nnc.follow_up") and _may_see(actor, nnc)


def may_edit(actor, nnc: Nnc) -> bool:
    return can_edit(actor) and _may_see(actor, nnc)


def scoped(query, viewer):
    """Limit a query on Nnc to what the viewer may see (a company never sees void NNCs)."""
    scope = scope_of(viewer)
    if scope.company_scoped:
        return scope.visible(query, Nnc).where(Nnc.status != VOID)
    if not scope.can("nnc.view"):
        return query.where(false())
    return scope.visible(query, Nnc)


def load(session: Session, nnc_id: int, viewer, *, for_update: bool = False) -> Nnc:
    """The NNC if the viewer may see it. A company-scoped user gets Forbidden for anything not theirs, existing or
    not (so an id tells them nothing)."""
    nnc = session.get(Nnc, nnc_id, with_for_update=for_update) if nnc_id is not None else None
    if nnc is None:
        if scope_of(viewer).company_scoped:
            raise Forbidden(nnc_id)
        raise NotFound(nnc_id)
    if not _may_see(viewer, nnc):
        raise _refusal(session, viewer, nnc)
    return nnc


def _refusal(session: Session, viewer, nnc: Nnc) -> Forbidden:
    """Why an officer may not see the NNC: OutsideSection when its section alone keeps it from them (its page says
    whose NNC it is), else a plain Forbidden (another office, no permission, a company's reader)."""
    scope = scope_of(viewer)
    if scope.company_scoped or not scope.section_scope or not scope.can("nnc.view") \
            or not scope.sees_office(nnc.office_id):
        return Forbidden(nnc.id)
    return OutsideSection(nnc.id, session.scalar(select(Section.code).where(Section.id == nnc.section_id)),
                          scope.section_scope)


def allowed_transitions(viewer, status: str, section_id: int | None = None) -> list[str]:
    """The statuses this viewer may move an NNC to from `status` (none outside the viewer's section)."""
    scope = scope_of(viewer)
    if section_id is not None and not scope.sees_section(section_id):
        return []
    return [to for (frm, to), permission in TRANSITIONS.items() if frm == status and scope.can(permission)]


def permissions_for(viewer, nnc: dict) -> dict[str, Any]:
    """What the viewer may do with an NNC already loaded through `nnc_for_viewer`."""
    scope = scope_of(viewer)
    return {
        "edit": scope.can("nnc.edit") and nnc["status"] in OPEN_STATUSES,
        "follow_up": scope.can("nnc.follow_up") and scope.sees_section(nnc["section_id"]),
        "transitions": allowed_transitions(viewer, nnc["status"], nnc["section_id"]),
        "internal": scope.can("nnc.internal"),
    }
