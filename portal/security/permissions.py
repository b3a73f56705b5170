"""Roles and what each may do: the one permission table of the portal (see DOMAIN.md, "Users")."""
from __future__ import annotations

ROLES = ("admin", "operator", "coordinator", "enforcement", "head", "service_user")

# Any logged-in user: the shell (navigation, language, notifications bell).
AUTHENTICATED = "authenticated"

PERMISSIONS = {
    AUTHENTICATED: "use the portal shell",
    "admin.users": "create, edit, lock and unlock accounts",
    "admin.audit": "read the audit log",
    "admin.settings": "change settings and reference tables",
    "applications.view": "search applications and open their timeline",
    "nnc.view": "read NNCs",
    "nnc.edit": "create and edit NNCs",
    "nnc.follow_up": "record NNC follow-up",
    "rankings.view": "read compliance rankings and profiles",
    "guidance.edit": "record guidance given to service users",
    "survey_results.view": "read survey results (IKM)",
    "complaints.view": "read the complaints register",
    "complaints.edit": "record and answer complaints",
    "kpi.view": "read the KPI panel",
    "my.view": "a service user's own applications, documents and survey",
    "corrections.handle": "read and answer service users' draft-correction requests",
    "help.view": "read the user manual",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS) - {"my.view"},
    # Operators record NNCs whole, follow-up included (DOMAIN.md: they change NNCs).
    "operator": frozenset({AUTHENTICATED, "applications.view", "nnc.view", "nnc.edit", "nnc.follow_up",
                           "complaints.view", "complaints.edit", "help.view", "corrections.handle"}),
    "coordinator": frozenset({AUTHENTICATED, "applications.view", "nnc.view", "nnc.follow_up", "rankings.view",
                              "guidance.edit", "survey_results.view", "help.view"}),
    "enforcement": frozenset({AUTHENTICATED, "applications.view", "nnc.view", "nnc.follow_up", "rankings.view",
                              "guidance.edit", "survey_results.view", "complaints.view", "help.view"}),
    "head": frozenset({AUTHENTICATED, "kpi.view", "applications.view", "nnc.view", "rankings.view",
                       "survey_results.view", "complaints.view", "help.view"}),
    "service_user": frozenset({AUTHENTICATED, "my.view", "help.view"}),
}

# Where each role lands after logging in.
HOME_PAGE = {
    "admin": "/admin/users",
    "operator": "/nnc",
    "coordinator": "/rankings",
    "enforcement": "/rankings",
    "head": "/kpi",
    "service_user": "/my/applications",
}


def role_can(role: str, permission: str) -> bool:
    """Whether a role holds a permission; unknown roles and permissions hold nothing."""
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def is_section_scoped(role: str) -> bool:
    """Coordinators see only their own section."""
    return role == "coordinator"
