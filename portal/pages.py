"""The page registry: every Dash page, the permission it needs, and where it sits in the menu.

The guard refuses a page the role may not open before Dash serves anything, and the router
callback checks again before drawing it, so hiding a menu item is never the only check.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Callable

from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, Rule


@dataclass(frozen=True)
class Page:
    key: str            # also the prefix of the page's component ids
    path: str           # a Werkzeug rule, e.g. /applications/<int:application_id>
    permission: str
    layout: str         # "module:function" in layouts/, called with the user, the page and the path's arguments
    title_key: str
    icon: str = "bi-circle"
    in_menu: bool = True
    group: str | None = None  # pages of one group share a drop-down menu (e.g. "admin")

    def render(self, user, **arguments):
        module_name, function_name = self.layout.split(":")
        function: Callable = getattr(import_module(module_name), function_name)
        return function(user, page=self, **arguments)


PAGES: tuple[Page, ...] = (
    Page("kpi", "/kpi", "kpi.view", "layouts.placeholder:layout", "page.kpi", "bi-speedometer2"),
    Page("rankings", "/rankings", "rankings.view", "layouts.placeholder:layout", "page.rankings", "bi-trophy"),
    Page("applications", "/applications", "applications.view", "layouts.placeholder:layout", "page.applications",
         "bi-file-earmark-text"),
    Page("nnc", "/nnc", "nnc.view", "layouts.placeholder:layout", "page.nnc", "bi-exclamation-triangle"),
    Page("complaints", "/complaints", "complaints.view", "layouts.placeholder:layout", "page.complaints",
         "bi-chat-left-text"),
    Page("survey", "/survey-results", "survey_results.view", "layouts.placeholder:layout", "page.survey",
         "bi-emoji-smile"),
    Page("my", "/my/applications", "my.view", "layouts.placeholder:layout", "page.my", "bi-box-seam"),
    Page("admin-users", "/admin/users", "admin.users", "layouts.admin_users:layout", "page.admin_users",
         "bi-people", group="admin"),
    Page("admin-audit", "/admin/audit", "admin.audit", "layouts.admin_audit:layout", "page.admin_audit",
         "bi-journal-text", group="admin"),
    Page("help", "/help", "help.view", "layouts.placeholder:layout", "page.help", "bi-question-circle",
         in_menu=False),
)

_BY_KEY = {page.key: page for page in PAGES}
_URL_MAP = Map([Rule(page.path, endpoint=page.key) for page in PAGES], strict_slashes=False)


def match(path: str) -> tuple[Page, dict] | None:
    """The page at `path` and its arguments, or None when no page lives there."""
    try:
        key, arguments = _URL_MAP.bind("localhost").match(path.rstrip("/") or "/")
    except NotFound:
        return None
    except Exception:  # a redirect suggestion or method mismatch: treat as no page
        return None
    return _BY_KEY[key], arguments


def menu_for(user) -> list[Page]:
    """The pages this user may open, in menu order."""
    return [page for page in PAGES if page.in_menu and user.can(page.permission)]
