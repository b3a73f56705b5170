"""The page registry: every Dash page, the permission it needs, and where it sits in the menu.

The guard refuses a page the role may not open before Dash serves anything, and the router
callback checks again before drawing it, so hiding a menu item is never the only check.
"""
from __future__ import annotations

from urllib.parse import urlencode

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
    group: str | None = None  # pages of one group share a drop-down menu (e.g. ADMINISTRATION)
    # Drawn on every visit, never kept for the person's next one (callbacks/shell.py): the layout holds
    # something of the moment, e.g. a CSRF token for a form posted outside Dash.
    drawn_fresh: bool = False
    # Its section select offers every active section to officers who see them all: the router reads the sections
    # (cached per data change) and the layout draws them, so the page asks no callback for its choices.
    sections: bool = False
    # A record page: "module:function" of the service check its own callback makes of the record the address names,
    # called with a session, `viewer` and the path's arguments; it raises NotFound / Forbidden for a record that is
    # not there or not the reader's, and reads a row or two. The document then answers 404 (portal/app.py). A page
    # whose callback's check also takes a filter of the address (the profile's `?section=`) is given it as the page
    # draws it (`record_filters`).
    record: str | None = None

    def check_record(self, session, viewer, **arguments) -> None:
        """The page's check of its record (`record`): NotFound / Forbidden when the viewer cannot have it."""
        if self.record:
            module_name, function_name = self.record.split(":")
            getattr(import_module(module_name), function_name)(session, viewer=viewer, **arguments)

    def record_filters(self, user, query: str) -> dict:
        """The address's filters the record's check takes too, as the page draws them from `query` (its callback
        gets those values, not the address's): a layout module's `record_filters(user, query)`, or none."""
        function = getattr(import_module(self.layout.split(":")[0]), "record_filters", None)
        return function(user, query) if function else {}

    def render(self, user, **arguments):
        module_name, function_name = self.layout.split(":")
        function: Callable = getattr(import_module(module_name), function_name)
        return function(user, page=self, **arguments)

    def drawn_later(self, user):
        """What the page's callbacks draw into it later (a section opened), for the app's validation layout: a
        layout module's `drawn_later(user)`, or None."""
        function = getattr(import_module(self.layout.split(":")[0]), "drawn_later", None)
        return function(user) if function else None


# Menu groups: the key names the drop-down's element id (shell-nav-group-<key>) and its label (nav.group.<key>).
# A group of pages, not a role: who sees each page is its permission. The admin sees nearly every page: without the
# groups that menu took two rows of the bar at 1366 and 1440 px (tests/browser/test_menu_fits.py).
ADMINISTRATION = "admin"
COMPLIANCE = "compliance"
PERFORMANCE = "performance"  # the station's figures: the KPI panel, the offices side by side, the IKM

PAGES: tuple[Page, ...] = (
    Page("kpi", "/kpi", "kpi.view", "layouts.kpi:layout", "page.kpi", "bi-speedometer2", group=PERFORMANCE,
         sections=True),
    Page("offices", "/offices", "offices.compare", "layouts.offices:layout", "page.offices", "bi-buildings",
         group=PERFORMANCE, sections=True),
    Page("rankings", "/rankings", "rankings.view", "layouts.rankings:layout", "page.rankings", "bi-trophy", group=COMPLIANCE),
    Page("profile", "/profile/<int:service_user_id>", "rankings.view", "layouts.profile:layout", "page.profile",
         "bi-building", in_menu=False, sections=True,
         record="portal.services.compliance.filters:check_company_reach"),
    Page("handler", "/handlers/<int:handler_id>", "rankings.view", "layouts.handler:layout", "page.handler",
         "bi-person-badge", in_menu=False,
         record="portal.services.compliance.profile:check_handler_reach"),
    Page("priority", "/priority", "rankings.view", "layouts.priority:layout", "page.priority", "bi-award", group=COMPLIANCE,
         sections=True),
    Page("guidance", "/guidance", "rankings.view", "layouts.guidance:layout", "page.guidance", "bi-people", group=COMPLIANCE,
         sections=True),
    Page("effect", "/targeting/effectiveness", "targeting.effect", "layouts.targeting_effect:layout",
         "page.targeting_effect", "bi-bullseye", group=COMPLIANCE, sections=True),
    Page("applications", "/applications", "applications.view", "layouts.applications:layout", "page.applications",
         "bi-file-earmark-text", sections=True),
    Page("queue", "/targeting/queue", "targeting.queue", "layouts.targeting_queue:layout", "page.targeting_queue",
         "bi-list-check", sections=True),
    Page("application-detail", "/applications/<int:application_id>", "applications.view",
         "layouts.application_detail:layout", "page.application_detail", "bi-file-earmark-text", in_menu=False,
         record="portal.services.applications:check_reach"),
    Page("nnc", "/nnc", "nnc.view", "layouts.nnc:layout", "page.nnc", "bi-exclamation-triangle"),
    Page("nnc-new", "/nnc/new", "nnc.edit", "layouts.nnc_form:layout", "page.nnc_new", "bi-plus-lg", in_menu=False),
    Page("nnc-import", "/nnc/import", "nnc.edit", "layouts.nnc_import:layout", "page.nnc_import", "bi-upload",
         in_menu=False),
    Page("nnc-detail", "/nnc/<int:nnc_id>", "nnc.view", "layouts.nnc_detail:layout", "page.nnc_detail",
         "bi-exclamation-triangle", in_menu=False, record="portal.services.nnc.rules:load"),
    # An NNC the reader sees but may no longer edit (closed, void) opens its form locked, saying why: a 200.
    Page("nnc-edit", "/nnc/<int:nnc_id>/edit", "nnc.edit", "layouts.nnc_form:layout", "page.nnc_edit", "bi-pencil",
         in_menu=False, record="portal.services.nnc.rules:load"),
    Page("complaints", "/complaints", "complaints.view", "layouts.complaints:layout", "page.complaints",
         "bi-chat-left-text"),
    Page("complaint", "/complaints/<int:complaint_id>", "complaints.view", "layouts.complaint_detail:layout",
         "page.complaints", in_menu=False, record="portal.services.complaints:check_reach"),
    Page("survey", "/survey-results", "survey_results.view", "layouts.survey:layout", "page.survey",
         "bi-emoji-smile", group=PERFORMANCE, sections=True),
    Page("my", "/my/applications", "my.view", "layouts.my:layout", "page.my", "bi-box-seam"),
    # Another company's record is refused as a missing one is (the same status too), so an id tells nothing.
    Page("my-application", "/my/applications/<int:application_id>", "my.view", "layouts.my_application:layout",
         "page.my_application", "bi-box-seam", in_menu=False,
         record="portal.services.my_applications:require_company_access"),
    Page("my-notifications", "/my/notifications", "my.view", "layouts.my_notifications:layout",
         "page.my_notifications", "bi-bell", drawn_fresh=True),
    Page("my-nnc", "/my/nnc", "my.view", "layouts.my_nnc:layout", "page.my_nnc", "bi-exclamation-triangle"),
    Page("my-nnc-detail", "/my/nnc/<int:nnc_id>", "my.view", "layouts.my_nnc:detail_layout", "page.my_nnc_detail",
         "bi-exclamation-triangle", in_menu=False, record="portal.services.nnc.rules:load"),
    Page("my-complaints", "/my/complaints", "my.view", "layouts.my_complaints:layout", "page.my_complaints",
         "bi-chat-left-text"),
    Page("corrections", "/corrections", "corrections.handle", "layouts.corrections:layout", "page.corrections",
         "bi-pencil-square"),
    Page("admin-users", "/admin/users", "admin.users", "layouts.admin_users:layout", "page.admin_users",
         "bi-people", group=ADMINISTRATION),
    Page("admin-audit", "/admin/audit", "admin.audit", "layouts.admin_audit:layout", "page.admin_audit",
         "bi-journal-text", group=ADMINISTRATION),
    Page("admin-service-users", "/admin/service-users", "admin.users", "layouts.admin_service_users:layout",
         "page.admin_service_users", "bi-building", group=ADMINISTRATION),
    Page("admin-sync", "/admin/sync", "admin.settings", "layouts.admin_sync:layout", "page.admin_sync",
         "bi-arrow-repeat", group=ADMINISTRATION, drawn_fresh=True),
    Page("admin-compliance", "/admin/compliance", "admin.settings", "layouts.admin_compliance:layout",
         "page.admin_compliance", "bi-sliders", group=ADMINISTRATION),
    Page("admin-calendar", "/admin/calendar", "admin.calendar", "layouts.admin_calendar:layout",
         "page.admin_calendar", "bi-calendar3", group=ADMINISTRATION),
    Page("admin-companies", "/admin/companies", "admin.settings", "layouts.admin_companies:layout",
         "page.admin_companies", "bi-diagram-3", group=ADMINISTRATION),
    Page("help", "/help", "help.view", "layouts.help:layout", "page.help", "bi-question-circle",
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


def menu_entries(user) -> list[Page | tuple[str, list[Page]]]:
    """The menu bar's entries for this user, in order: a page, or (group, its pages) for a drop-down standing where
    its first page would. A group of which the user sees a single page is that page alone: a drop-down of one item
    is a click for nothing (a coordinator's survey results)."""
    pages = menu_for(user)
    grouped: dict[str, list[Page]] = {}
    for page in pages:
        if page.group:
            grouped.setdefault(page.group, []).append(page)
    entries: list = []
    for page in pages:
        members = grouped.get(page.group) if page.group else None
        if not members or len(members) == 1:
            entries.append(page)
        elif members[0] is page:
            entries.append((page.group, members))
    return entries


# A record opened from another page names that page in its address (`/applications/7?back=/targeting/queue`), and
# its link back leads there (layouts/components/back_link.py: back_target, which takes only a page the reader may open).
BACK_PARAMETER = "back"


def opened_from(href: str, page_path: str) -> str:
    """`href` with the page it is opened from named in its address."""
    return f"{href}{'&' if '?' in href else '?'}{urlencode({BACK_PARAMETER: page_path})}"
