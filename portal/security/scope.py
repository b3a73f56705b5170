"""Who may see which office, section and company: the ONE place that turns a role into a reach.

A `Scope` is a plain frozen value built from the logged-in user (`scope_of`) or for the jobs, the CLI and the demo
(`system_scope`). Services receive it like any other argument and ask it — `scope.can("nnc.edit")`,
`scope.visible(select(Nnc), Nnc)`, `scope.sees_office(...)` — so no service, route or callback compares role names.

The rule for every entity (see permissions.REACH):
- an admin sees every office (office_ids=None), records deleted at the source included, and reads a company or a
  handler against that company's own office; rankings and KPIs are computed for the home office (`office_id`);
- a national user (headquarters) sees every office read-only, without records deleted at the source; the KPI panel
  and the rankings of any office it chooses (`figures_office`), and the national ranking (`several_offices`);
- an operator, enforcement officer or head sees their home office;
- a coordinator sees their home office and their one section; a coordinator without a section sees nothing;
- a service user sees only the companies linked to the account (in whichever office), nothing else;
- an unknown role holds no permission and sees nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import false

from portal.security.permissions import COMPANY_CHAPTERS, MANUAL_CHAPTERS, PERMISSIONS, REACH, ROLE_PERMISSIONS
from portal.validation import Forbidden


@dataclass(frozen=True)
class Scope:
    """What one user (or a job) may do and see, as plain values."""

    user_id: int | None
    username: str | None
    permissions: frozenset[str]
    office_id: int | None                       # the home office: rankings and KPIs are computed for it
    office_ids: frozenset[int] | None           # offices whose records are visible; None = every office
    section_code: str | None = None             # a section-scoped user's one section; None = every section
    section_id: int | None = None
    service_user_ids: frozenset[int] | None = None  # a service user's own companies; None = not limited
    include_deleted: bool = False               # records deleted at the source (admins)
    section_scoped: bool = False                # limited to one section: with none (section_id None) sees nothing

    @property
    def id(self) -> int | None:
        """The account's id, under the name the audit log and the services read from any actor."""
        return self.user_id

    # ------------------------------------------------------------------------------------------- permissions
    def can(self, permission: str) -> bool:
        """Whether this scope holds a permission; an unknown permission is a programming error."""
        if permission not in PERMISSIONS:
            raise KeyError(f"unknown permission {permission!r}")
        return permission in self.permissions

    def require(self, permission: str) -> None:
        """Raise Forbidden unless this scope holds the permission."""
        if not self.can(permission):
            raise Forbidden(permission)

    def reads_chapter(self, chapter: str) -> bool:
        """Whether this scope reads a chapter of the user manual (permissions.MANUAL_CHAPTERS): a company's account the
        chapters written for companies (COMPANY_CHAPTERS); anyone else, every chapter."""
        return chapter in MANUAL_CHAPTERS and (not self.company_scoped or chapter in COMPANY_CHAPTERS)

    # ------------------------------------------------------------------------------------------------ reach
    @property
    def company_scoped(self) -> bool:
        """Whether records are limited to the account's own companies (a service user)."""
        return self.service_user_ids is not None

    @property
    def every_office(self) -> bool:
        """Whether records of every office are visible."""
        return self.office_ids is None

    @property
    def several_offices(self) -> bool:
        """Whether the KPI panel and the rankings may be of an office other than the home one (an office chooser,
        the offices side by side, the national ranking): a scope that sees every office and is not a company's."""
        return self.office_ids is None and self.service_user_ids is None

    def figures_office(self, requested: Any = None) -> int | None:
        """The office whose KPI panel or ranking is computed: the one asked for when the scope may choose, else the
        home office. Asking for another office without that reach is Forbidden (never silently the home one)."""
        if requested in (None, "", "home"):
            return self.office_id
        try:
            office_id = int(requested)
        except (TypeError, ValueError):
            raise Forbidden(f"office {requested!r}") from None
        if office_id == self.office_id:
            return office_id
        if not self.several_offices:
            raise Forbidden(f"office {office_id} is outside the caller's reach")
        return office_id

    @property
    def section_scope(self) -> str | None:
        """The one section's code for a section-scoped user; None means every section."""
        return self.section_code if self.section_scoped else None

    def require_section(self) -> None:
        """Forbidden for a section-scoped user who has no section: such an account sees nothing."""
        if self.section_scoped and self.section_id is None and self.section_code is None:
            raise Forbidden("section-scoped account without a section")

    def sees_office(self, office_id: int | None) -> bool:
        """Whether records of this office are visible."""
        return self.office_ids is None or office_id in self.office_ids

    def sees_section(self, code_or_id: int | str | None) -> bool:
        """Whether records of this section (its id or its code) are visible."""
        if not self.section_scoped:
            return True
        if isinstance(code_or_id, str):
            return self.section_code is not None and code_or_id == self.section_code
        return self.section_id is not None and code_or_id == self.section_id

    def sees_company(self, service_user_id: int | None) -> bool:
        """Whether records of this company are visible (always, for a scope not limited to companies)."""
        return self.service_user_ids is None or (service_user_id is not None
                                                 and service_user_id in self.service_user_ids)

    def sees(self, *, office_id: Any = None, section_id: Any = None, service_user_id: Any = None) -> bool:
        """Whether one record with these columns is visible (the same rule as `visible` for a row in hand)."""
        if self.office_ids is not None and not self.company_scoped and not self.sees_office(office_id):
            return False
        return self.sees_section(section_id) and self.sees_company(service_user_id)

    def reading_office(self, record_office_id: int | None) -> int | None:
        """The office a company or handler is read against: its own office for a scope that sees every office,
        else the home office (where a record of another office is then not found)."""
        if self.office_ids is None and record_office_id is not None:
            return record_office_id
        return self.office_id

    def visible(self, query, model):
        """Narrow a Select to the rows of `model` this scope may see, through the model's office_id, section_id
        and service_user_id columns when it has them (a company's own id for ServiceUser).

        A column the model lacks does not narrow, except that a company-scoped user sees nothing of a model with
        no company column, and a section-scoped user without a section sees nothing at all.
        """
        office = getattr(model, "office_id", None)
        section = getattr(model, "section_id", None)
        company = getattr(model, "service_user_id", None)
        if company is None and getattr(model, "__tablename__", None) == "service_users":
            company = model.id
        if self.service_user_ids is not None:
            if company is None or not self.service_user_ids:
                return query.where(false())
            query = query.where(company.in_(sorted(self.service_user_ids)))
        elif self.office_ids is not None and office is not None:
            if not self.office_ids:
                return query.where(false())
            query = query.where(office.in_(sorted(self.office_ids)) if len(self.office_ids) > 1
                                else office == next(iter(self.office_ids)))
        elif self.office_ids is not None and not self.office_ids:
            return query.where(false())
        if self.section_scoped:
            if self.section_id is None:
                return query.where(false())
            if section is not None:
                query = query.where(section == self.section_id)
        return query

    def with_section(self, section_id: int | None, section_code: str | None) -> "Scope":
        """The same scope with the section filled in (e.g. when only the code or the id was known)."""
        return replace(self, section_id=section_id, section_code=section_code)


def scope_of(user) -> Scope:
    """The scope of a logged-in user (portal.security.access.CurrentUser), or of anything shaped like one
    (id, username, role, office_id, section_id, section_code, service_user_ids); a Scope is returned as is."""
    if isinstance(user, Scope):
        return user
    role = getattr(user, "role", None) or ""
    reach = REACH.get(role)
    office_id = getattr(user, "office_id", None)
    if reach in ("every_office", "national", "company"):
        office_ids = None
    elif reach in ("office", "section") and office_id is not None:
        office_ids = frozenset({office_id})
    else:
        office_ids = frozenset()
    section_scoped = reach == "section"
    return Scope(
        user_id=getattr(user, "id", None), username=getattr(user, "username", None),
        permissions=ROLE_PERMISSIONS.get(role, frozenset()), office_id=office_id, office_ids=office_ids,
        section_code=getattr(user, "section_code", None) if section_scoped else None,
        section_id=getattr(user, "section_id", None) if section_scoped else None,
        service_user_ids=frozenset(getattr(user, "service_user_ids", None) or ()) if reach == "company" else None,
        include_deleted=reach == "every_office", section_scoped=section_scoped)


# The name the portal records for what it does itself (a nightly job, a rule applied for no one in particular).
SYSTEM_USERNAME = "system"


def system_scope(office_id: int | None = None, username: str | None = SYSTEM_USERNAME,
                 user_id: int | None = None) -> Scope:
    """Everything, for jobs, the CLI and the demo: every permission, office, section and company."""
    return Scope(user_id=user_id, username=username, permissions=frozenset(PERMISSIONS), office_id=office_id,
                 office_ids=None, include_deleted=True)
