"""Admin › Audit log: who did what, when and to which record, in words; a row opens the fields it changed.

The list keeps one line per entry (the action in words, who, when in the office's time, the record as a link, the
names of the fields that changed); the drawer shows those fields before and after, values formatted as the pages
show them (dates, yes/no, statuses in words), long fingerprints shortened.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from layouts.common import group_label, hidden_label, page_header
from layouts.components.date_words import date_words
from layouts.components.formatting import actor_name, format_date, format_datetime, format_number
from layouts.components.grid import grid
from layouts.components.pager import pager
from layouts.components.search_box import search_box
from portal.audit import DENIED
from portal.i18n import catalog, current_language, t
from portal.pages import PAGES, match
from portal.services.attachments import size_label

# Where each kind of record lives in the portal; an id is added where the page shows one record.
RECORD_PAGES = {"nnc": "/nnc/{}", "complaint": "/complaints/{}", "application": "/applications/{}",
                "service_user": "/profile/{}", "user": "/admin/users", "guidance": "/guidance",
                "correction_request": "/corrections", "compliance_settings": "/admin/compliance",
                "setting": "/kpi", "ikm_follow_up_plan": "/survey-results", "sync_run": "/admin/sync",
                "sync_request": "/admin/sync"}
# Record kinds whose id is a long fingerprint or a path: shown shortened, never a link.
NO_LINK = ("page", "route", "callback", "nnc_attachment")
# The catalogues a field's or value's words may already be in, per record kind (first found wins).
FIELD_KEYS = {"nnc": ("nnc.field.{}",), "complaint": ("complaints.field.{}",), "guidance": ("guidance.field.{}",),
              # The versioned settings and the SLA hours are named as their own forms name them.
              "compliance_settings": ("admin_compliance.field.{}",),
              "targeting_settings": ("admin_targeting.field.{}", "admin_targeting.flag.{}"),
              "setting": ("stage.{}",),
              # A service account's notification choices, named as its choices card names them.
              "notification_preference": ("my_notifications.{}",)}
VALUE_KEYS = {"status": ("nnc.status.{}", "complaints.status.{}", "my.correction.status.{}"),
              "role": ("role.{}",), "category": ("complaints.category.{}", "nnc.category.{}"),
              "channel": ("complaints.channel.{}",), "flow": ("nnc.flow.{}",), "action_taken": ("nnc.action.{}",),
              "subcategory": ("nnc.subcategory.{}",), "section": ("section.{}",),
              "direction": ("direction.{}",)}  # a dossier's consignments ("Ekspor", not "export")
VALUE_KEYS["value"] = VALUE_KEYS["status"]  # an entry that recorded one plain value recorded a status
# A record kind's own words for a value, looked up before the shared ones (a guidance "done" is no NNC status).
OBJECT_VALUE_KEYS = {"guidance": {"status": ("guidance.status.{}",), "kind": ("guidance.kind.{}",)},
                     "complaint": {"status": ("complaints.status.{}",), "category": ("complaints.category.{}",)},
                     "notification_preference": {"stages": ("my.stage.{}",)},
                     # The NNC page's history names the section by its code (nnc.detail.history).
                     # A failed login's reason and a calendar day's change were shown as their codes.
                     "user": {"reason": ("audit.value.login_failure.{}",)},
                     "office_calendar_day": {"change": ("admin_calendar.change.{}",)},
                     "nnc": {"status": ("nnc.status.{}",), "from_status": ("nnc.status.{}",),
                             "to_status": ("nnc.status.{}",), "category": ("nnc.category.{}",),
                             "section_id": ("section.{}",)}}
LONG_ID = re.compile(r"^[0-9a-f]{24,}$")
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _known(key: str) -> bool:
    return key in catalog(current_language()) or key in catalog("id")


def action_label(action: str, occurrences: int = 1) -> str:
    """The action in words; a counted entry (access denials, per session and minute) says how many it stands for."""
    label = t(f"audit.action.{action}")
    return t("admin_audit.times", action=label, count=format_number(occurrences)) if occurrences > 1 else label


def object_label(object_type: str | None) -> str:
    return t(f"audit.object.{object_type}") if object_type else ""


def short(value: str, keep: int = 10) -> str:
    """A fingerprint or token cut to its first characters: enough to tell two apart, not a wall of hex."""
    return value[:keep] + "…" if len(value) > keep + 2 else value


def record_text(object_type: str | None, object_id: str | None) -> str:
    """"NNC 12", "Pengguna 7", "Halaman /admin/sync": the record in words."""
    if not object_type:
        return ""
    shown = short(object_id) if object_id and LONG_ID.match(object_id) else (object_id or "")
    return f"{object_label(object_type)} {shown}".strip()


def _page_at(path: str):
    """The page at `path`, or the page a plain route sits under (/complaints/attachments/1 → the complaints)."""
    parts = path.split("?")[0].rstrip("/").split("/")
    for end in range(len(parts), 1, -1):
        found = match("/".join(parts[:end]))
        if found:
            return found[0]
    return None


def refused_text(refused: str) -> str:
    """One refused request ("kind target", portal.audit.record_denied) in words an admin reads: which page, which
    kind of record. "page /applications" → "Halaman Permohonan (/applications)", "nnc_attachment 3" → "Lampiran NNC
    #3", a page's action by its page, not its component ids."""
    kind, _, target = refused.partition(" ")
    if kind in ("page", "route"):
        page = _page_at(target)
        if page is None:
            return t("admin_audit.refused.address", path=target)
        return t(f"admin_audit.refused.{kind}", page=t(page.title_key), path=target)
    if kind == "callback":
        component = target.strip(".").split(".")[0]
        # A component id starts with its page's key (ARCHITECTURE.md): the longest key that fits is the page.
        pages = [page for page in PAGES if component.startswith(page.key + "-")]
        if not pages:
            return t("admin_audit.refused.action")
        return t("admin_audit.refused.action_on", page=t(max(pages, key=lambda page: len(page.key)).title_key))
    return t("admin_audit.refused.record", record=object_label(kind), id=target)


def record_cell(entry: dict) -> str:
    """The list's record column: an access denial names what was refused first and how many more it counts, since
    one row stands for every refusal of a session in a minute (the first alone hid eleven others)."""
    if entry["action"] != DENIED:
        return record_text(entry["object_type"], entry["object_id"])
    first = refused_text(f"{entry['object_type']} {entry['object_id']}")
    more = (entry["occurrences"] or 1) - 1
    return t("admin_audit.and_more", record=first, count=format_number(more)) if more > 0 else first


def record_path(object_type: str | None, object_id: str | None) -> str | None:
    """The page of the record, or None when it has none (or the id is no number the page takes)."""
    pattern = RECORD_PAGES.get(object_type or "")
    if pattern is None or object_type in NO_LINK:
        return None
    if "{}" not in pattern:
        return pattern
    return pattern.format(object_id) if object_id and object_id.isdigit() else None


def field_keys(object_type: str | None) -> tuple[str, ...]:
    """Where a field's label is looked for, first found wins: the record kind's own words, then the audit log's, then
    the portal's shared field names (tests/unit/test_audit_field_labels.py checks every recorded field has one)."""
    return FIELD_KEYS.get(object_type or "", ()) + ("audit.field.{}", "field.{}")


def field_label(object_type: str | None, field: str) -> str:
    for pattern in field_keys(object_type):
        if _known(pattern.format(field)):
            return t(pattern.format(field))
    return field.replace("_", " ").capitalize()


def value_text(field: str, value: Any, tz: str, object_type: str | None = None) -> str:
    """A recorded value the way the pages show it (in the record kind's own words first, when it has them): the audit
    log's drawer, and the history of an NNC and of a complaint."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return t("audit.value.yes") if value else t("audit.value.no")
    if field == "size" and isinstance(value, int):  # an attachment's bytes
        return size_label(value)
    if isinstance(value, (int, float)):
        return str(value) if field.endswith(("_id", "_ids")) else format_number(value)  # an id is no quantity
    if isinstance(value, list):
        return ", ".join(value_text(field, item, tz, object_type) for item in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{field_label(None, key)}: {value_text(key, item, tz)}" for key, item in value.items()) \
            or "–"
    text = str(value)
    for pattern in OBJECT_VALUE_KEYS.get(object_type or "", {}).get(field, ()) + VALUE_KEYS.get(field, ()):
        if _known(pattern.format(text)):
            return t(pattern.format(text))
    if ISO_TIME.match(text):
        try:
            moment = datetime.fromisoformat(text)
            return format_datetime(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc), tz)
        except ValueError:
            return text
    if ISO_DATE.match(text):
        try:
            return format_date(date.fromisoformat(text))
        except ValueError:
            return text
    if LONG_ID.match(text):
        return short(text)
    return text


def changes_summary(object_type: str | None, changes: list[dict]) -> str:
    """The list's last column: which fields changed, by name."""
    return ", ".join(field_label(object_type, change["field"]) for change in changes)


def detail(entry: dict, tz: str):
    """The drawer's body: when, who, what, which record, then the fields before and after."""
    path = record_path(entry["object_type"], entry["object_id"])
    record = record_cell(entry) or "–"
    facts = [(t("field.time"), format_datetime(entry["at"], tz)),
             (t("field.username"), actor_name(entry["username"])),
             (t("field.action"), action_label(entry["action"], entry["occurrences"])),
             (t("field.object"), dcc.Link(record, href=path, id="admin-audit-detail-link") if path else record),
             ("IP", entry["ip"] or "–")]
    summary = html.Dl([item for name, value in facts for item in (html.Dt(name, className="col-4"),
                                                                  html.Dd(value, className="col-8 mb-1"))],
                      className="row mb-3")
    if entry["action"] == DENIED:
        return [summary, *_refused_list(entry)]
    if not entry["changes"]:
        return [summary, html.P(t("admin_audit.no_changes"), className="text-muted", id="admin-audit-no-changes")]
    kind = entry["object_type"]
    rows = [html.Tr([html.Th(field_label(kind, c["field"]), scope="row"),
                     html.Td(value_text(c["field"], c["before"], tz, kind), className="qc-audit-before"),
                     html.Td(value_text(c["field"], c["after"], tz, kind), className="qc-audit-after")])
            for c in entry["changes"]]
    table = dbc.Table([html.Thead(html.Tr([html.Th(t("admin_audit.field"), scope="col"),
                                           html.Th(t("field.before"), scope="col"),
                                           html.Th(t("field.after"), scope="col")])), html.Tbody(rows)],
                      size="sm", bordered=True, className="qc-audit-changes mb-0", id="admin-audit-changes")
    return [summary, html.H2(t("admin_audit.changed_fields"), className="h6"), table]


def _refused_list(entry: dict) -> list:
    """What an access denial refused, one line each in words (the recorded "kind target" in its tooltip)."""
    refused = next((change["after"] for change in entry["changes"] if change["field"] == "refused"), None) or [
        f"{entry['object_type']} {entry['object_id']}"]
    count = entry["occurrences"] or 1
    return [html.H2(t("audit.field.refused"), className="h6"),
            html.P(t("admin_audit.refused.summary", count=format_number(count), distinct=format_number(len(refused))),
                   className="small text-muted mb-1"),
            html.Ul([html.Li(refused_text(item), title=item) for item in refused], id="admin-audit-refused",
                    className="mb-0")]


def layout(user, **_):
    return html.Div([
        page_header(t("page.admin_audit"), t("admin_audit.subtitle")),
        dbc.Row([
            dbc.Col(search_box("admin-audit-user", t("field.username")), md=3, className="mb-2"),
            dbc.Col([hidden_label(t("field.action"), "admin-audit-action"),
                     dbc.Select(id="admin-audit-action", value="all",
                                options=[{"label": t("admin_audit.all_actions"), "value": "all"}])],
                    md=3, className="mb-2"),
            dbc.Col([dbc.InputGroup([group_label(t("filter.from"), "admin-audit-from"),
                                     dbc.Input(id="admin-audit-from", type="date")]), date_words("admin-audit-from")],
                    md=3, className="mb-2"),
            dbc.Col([dbc.InputGroup([group_label(t("filter.to"), "admin-audit-to"),
                                     dbc.Input(id="admin-audit-to", type="date")]), date_words("admin-audit-to")],
                    md=3, className="mb-2"),
        ]),
        dbc.Alert(id="admin-audit-error", color="warning", is_open=False),
        html.P(t("admin_audit.open_hint"), className="small text-muted mb-1"),
        # One line per entry: what changed is in the drawer, so no row grows with its values.
        grid(
            "admin-audit-grid", min_height=None, class_name="qc-audit-grid", columns=[
                {"field": "at", "headerName": t("field.time"), "minWidth": 170, "maxWidth": 200},
                {"field": "action_label", "headerName": t("field.action"), "minWidth": 200, "flex": 1},
                {"field": "username", "headerName": t("field.username"), "minWidth": 120, "maxWidth": 180},
                {"field": "record", "headerName": t("field.object"), "minWidth": 160, "cellRenderer": "QcLink"},
                {"field": "changed", "headerName": t("admin_audit.changed_fields"), "flex": 1, "minWidth": 200,
                 "tooltipField": "changed"},
            ],
        ),
        pager("admin-audit"),
        dbc.Offcanvas(html.Div(id="admin-audit-detail"), id="admin-audit-drawer", title=t("admin_audit.detail"),
                      placement="end", is_open=False, scrollable=True, className="qc-audit-drawer"),
    ])
