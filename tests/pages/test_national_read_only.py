"""The national role (headquarters) reads every office and changes nothing (DOMAIN.md, "One company across
stations"): every Dash callback and every plain Flask route of the portal, called as a national account with a
button pressed and a record named in every input, leaves the database as it was.

The walk is discovered from the app, so a callback or route added later is covered without an edit here. "As it
was" means: no table gains or loses a row (the audit log only entries that record a reading: refusals, exports), and the data stamp that
every write moves (portal/data_version.py) stays.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import AuditLog
from portal import data_version
from portal.security.access import callback_permissions, route_permissions
from portal.security.guard import is_framework_route, is_public
from portal.security.permissions import ROLE_PERMISSIONS
from support.factories import gen_application, gen_certificate, gen_service_user
from support.hostile import callback_body, changes, fast_user, login_as, now, prop_id, row_counts
from support.web import csrf_token

# The permissions that only read, written by hand: a permission added to the national role must be one of these.
READING = {"authenticated", "kpi.view", "offices.compare", "applications.view", "nnc.view", "nnc.internal",
           "targeting.effect",
           "rankings.view", "survey_results.view", "complaints.view", "help.view"}


@pytest.fixture
def world(database):
    """A company with an application, an NNC and a complaint to name in every input, and a national account."""
    from portal.security.scope import system_scope
    from portal.services import complaints
    from portal.services.nnc import register as nnc
    from support.nnc_helpers import valid_nnc

    national = fast_user(database, "national")
    with database.session() as s:
        company = gen_service_user(s, name="PT Nusantara Ekspor")
        application = gen_application(s, company, submitted_at=now() - timedelta(hours=5))
        gen_certificate(s, application, issued_at=now() - timedelta(hours=2))
        office_id = company.office_id
        found = nnc.create_nnc(s, system_scope(office_id), valid_nnc(s, service_user=company))
        complaint = complaints.create(s, system_scope(office_id), {"channel": "phone", "category": "service",
                                                                   "subject": "Lambat", "text": "Lama sekali"})
        ids = [company.id, application.id, found["id"], complaint["id"]]
    return {"national": national, "ids": ids}


def _pressed(spec: dict, record_id: int):
    """What a browser sends when a person acts: a button pressed once, a row clicked, a record chosen."""
    prop = spec["property"]
    if prop in ("n_clicks", "n_intervals", "n_submit", "n_blur"):
        return 1
    if prop == "cellClicked":
        return {"rowId": str(record_id), "colId": "name", "value": "x"}
    if prop in ("selectedRows", "virtualRowData"):
        return [{"id": record_id}]
    if prop in ("value", "data", "active_item", "search_value", "id"):
        return str(record_id)
    if prop == "pathname":
        return "/"
    return None


def _body(key: str, cb: dict, record_id: int) -> dict:
    values, changed = {}, []
    for spec in cb["inputs"] + cb.get("state", []):
        if spec["id"].startswith("{"):
            values[(spec["id"], spec["property"])] = [(record_id, _pressed(spec, record_id))]
            if spec in cb["inputs"]:
                changed.append(prop_id(spec, record_id))
        else:
            values[(spec["id"], spec["property"])] = _pressed(spec, record_id)
            if spec in cb["inputs"]:
                changed.append(prop_id(spec))
    return callback_body(key, cb, values, changed)


def _stamp(database) -> str:
    with database.session() as s:
        return data_version.current(s)


# Audit entries that record a reading, not a change: the guard's refusals, and the exports, downloads and printed
# dossiers the log keeps so a leak can be traced (and a dossier's hash checked).
READS_AUDITED = {"access_denied", "nnc_exported", "nnc_attachment_downloaded", "complaint_attachment_downloaded",
                 "dossier_printed"}


def _only_refusals(database, since: int) -> list[str]:
    """The audit actions written after row `since`, other than those that record a reading (no data changed)."""
    with database.session() as s:
        return [action for action in s.scalars(select(AuditLog.action).where(AuditLog.id > since))
                if action not in READS_AUDITED]


def _last_audit(database) -> int:
    with database.session() as s:
        return s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0


def test_the_national_role_holds_only_permissions_that_read():
    assert ROLE_PERMISSIONS["national"] <= READING, ROLE_PERMISSIONS["national"] - READING


def test_the_national_role_changes_nothing_through_any_callback(app, client, database, world):
    login_as(client, world["national"]["username"])
    permissions = callback_permissions(app)
    national = ROLE_PERMISSIONS["national"]
    before, stamp, audit_mark = row_counts(database), _stamp(database), _last_audit(database)
    called = 0
    for key, cb in sorted(app.callback_map.items()):
        if "callback" not in cb:  # a clientside callback runs in the browser only
            continue
        for record_id in world["ids"]:
            response = client.post("/_dash-update-component", data=json.dumps(_body(key, cb, record_id)),
                                   content_type="application/json")
            assert response.status_code < 500, (key, response.get_data(as_text=True)[:1000])
            if permissions[key] not in national:
                assert response.status_code == 403, (key, response.status_code)
            called += 1
    assert called > 100
    assert changes(before, row_counts(database), ignore=("user_sessions", "audit_log")) == {}
    assert _only_refusals(database, audit_mark) == []
    assert _stamp(database) == stamp


def test_the_national_role_changes_nothing_through_any_route(app, client, database, world):
    login_as(client, world["national"]["username"])
    server = app.server
    declared = route_permissions(server)
    national = ROLE_PERMISSIONS["national"]
    token = csrf_token(client, "/pengaduan")
    before, stamp, audit_mark = row_counts(database), _stamp(database), _last_audit(database)
    tried = 0
    for rule in server.url_map.iter_rules():
        if is_framework_route(server.view_functions[rule.endpoint]) or rule.endpoint == "manual.screenshot":
            continue
        for record_id in world["ids"]:
            values = {name: record_id if type(converter).__name__ == "IntegerConverter" else "x"
                      for name, converter in rule._converters.items()}
            path = rule.build(values, append_unknown=False)[1]
            # Open to anyone / ends this session / the person's own password (tests/pages/test_change_password.py,
            # whose wrong tries end the session too): not the role's data.
            if is_public(path) or path in ("/logout", "/password"):
                continue
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                response = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
                assert response.status_code < 500, (method, path, response.status_code)
                if method == "POST" and not (declared.get(rule.endpoint, frozenset()) & national):
                    assert response.status_code == 403, (method, path, response.status_code)
                tried += 1
    assert tried >= 8
    assert changes(before, row_counts(database), ignore=("user_sessions", "audit_log")) == {}
    assert _only_refusals(database, audit_mark) == []
    assert _stamp(database) == stamp
