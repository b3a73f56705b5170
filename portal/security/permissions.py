"""Roles and what each may do: the one permission table of the portal (see DOMAIN.md, "Users")."""
from __future__ import annotations

ROLES = ("admin", "operator", "coordinator", "enforcement", "head", "national", "service_user")

# Any logged-in user: the shell (navigation, language, notifications bell).
AUTHENTICATED = "authenticated"

PERMISSIONS = {
    AUTHENTICATED: "use the portal shell",
    "admin.users": "create, edit, lock and unlock accounts",
    "admin.audit": "read the audit log",
    "admin.settings": "change settings and reference tables",
    "admin.calendar": "edit the office's working-day calendar (days off added, listed holidays worked)",
    "applications.view": "search applications and open their timeline",
    "nnc.view": "read NNCs",
    "nnc.edit": "create and edit NNCs",
    "nnc.follow_up": "record NNC follow-up",
    "nnc.close": "close a clarified NNC (a supervisor decides the case is finished)",
    "nnc.reopen": "reopen a closed NNC",
    "nnc.restore": "void a closed NNC, or restore a voided one",
    "nnc.internal": "read an NNC's internal notes and who recorded what",
    "rankings.view": "read compliance rankings and profiles",
    "guidance.edit": "record guidance given to service users",
    "survey_results.view": "read survey results (IKM)",
    "complaints.view": "read the complaints register",
    "complaints.edit": "record and answer complaints",
    "kpi.view": "read the KPI panel",
    "offices.compare": "read every office's figures side by side",
    "my.view": "a service user's own applications, documents and survey",
    "corrections.handle": "read and answer service users' draft-correction requests",
    "help.view": "read the user manual",
    "targeting.queue": "read the office's inspection queue (today's consignments, selected first, with reasons)",
    "targeting.effect": "read whether inspection targeting finds more than chance (hits, hit rates, savings)",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS) - {"my.view"},
    # Operators record NNCs whole, follow-up included (DOMAIN.md: they change NNCs).
    "operator": frozenset({AUTHENTICATED, "applications.view", "nnc.view", "nnc.edit", "nnc.follow_up",
                           "nnc.internal", "complaints.view", "complaints.edit", "help.view",
                           "corrections.handle", "targeting.queue"}),
    "coordinator": frozenset({AUTHENTICATED, "applications.view", "nnc.view", "nnc.follow_up", "nnc.close",
                              "nnc.internal", "rankings.view", "guidance.edit", "survey_results.view",
                              "help.view", "targeting.queue", "targeting.effect"}),
    "enforcement": frozenset({AUTHENTICATED, "applications.view", "nnc.view", "nnc.follow_up", "nnc.close",
                              "nnc.reopen", "nnc.internal", "rankings.view", "guidance.edit",
                              "survey_results.view", "complaints.view", "help.view", "targeting.effect"}),
    "head": frozenset({AUTHENTICATED, "kpi.view", "applications.view", "nnc.view", "nnc.internal",
                       "rankings.view", "survey_results.view", "complaints.view", "help.view",
                       "targeting.effect"}),
    # The agency's headquarters (DOMAIN.md, "One company across stations"): every office, read only. It holds no
    # permission that writes (tests/pages/test_national_read_only.py walks every callback and route to prove it).
    "national": frozenset({AUTHENTICATED, "kpi.view", "offices.compare", "applications.view", "nnc.view",
                           "nnc.internal", "rankings.view", "survey_results.view", "complaints.view", "help.view",
                           "targeting.effect"}),
    "service_user": frozenset({AUTHENTICATED, "my.view", "help.view"}),
}

# How far each role reaches (portal.security.scope turns this into a Scope):
# "every_office" — every office, records deleted at the source included; rankings still for the home office;
# "national" — every office, read only, without the records deleted at the source; rankings and KPIs of any office
# (the home office until another is chosen) and the national ranking;
# "office" — the home office; "section" — the home office, one section (none without a section);
# "company" — only the companies linked to the account, in any office.
REACH = {
    "admin": "every_office",
    "operator": "office",
    "coordinator": "section",
    "enforcement": "office",
    "head": "office",
    "national": "national",
    "service_user": "company",
}

# The role a new account gets in the admin form, and the role of the accounts the service portal creates.
DEFAULT_NEW_ROLE = "operator"
COMPANY_ROLE = "service_user"

# Where each role lands after logging in.
HOME_PAGE = {
    "admin": "/admin/users",
    "operator": "/nnc",
    "coordinator": "/rankings",
    "enforcement": "/rankings",
    "head": "/kpi",
    "national": "/offices",
    "service_user": "/my/applications",
}


# The user manual: one chapter per role (docs/manual/<language>/<chapter>.md), in the order the Help page lists them.
MANUAL_CHAPTERS = ("service_user", "operator", "coordinator", "enforcement", "head", "national", "admin")
# The chapters a company's account reads (Scope.reads_chapter): its own, and any written for every reader. The others
# speak of the station's own work (NNC records, rankings, targeting, settings) and are the officers', who read every
# chapter, the service users' too (to help one through the portal).
COMPANY_CHAPTERS = frozenset({"service_user"})


def home_page(role: str | None) -> str:
    """Where a role lands after logging in (the manual for a role without a home)."""
    return HOME_PAGE.get(role or "", "/help")


def roles_with(permission: str) -> tuple[str, ...]:
    """The roles holding a permission, e.g. to find the accounts a complaint may be assigned to."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return tuple(role for role in ROLES if permission in ROLE_PERMISSIONS[role])


def is_company_role(role: str | None) -> bool:
    """Whether the role's records are limited to the companies linked to the account (service users)."""
    return REACH.get(role or "") == "company"


def role_can(role: str, permission: str) -> bool:
    """Whether a role holds a permission; unknown roles and permissions hold nothing."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def needs_section(role: str | None) -> bool:
    """Whether an account of this role must name its section (the admin form and the CLI check it)."""
    return REACH.get(role or "") == "section"


def is_section_scoped(role: str) -> bool:
    """Coordinators see only their own section."""
    return REACH.get(role) == "section"
