"""Every object route tried as every kind of viewer, across companies, sections and offices.

test_permissions.py checks pages and callbacks by role; this file checks the objects behind them: one scene holds
two companies of the home office (A and B), a company of another office (X), plant and animal applications, NNCs
with attachments, complaints with attachments, survey invitations and a handler. Each viewer then asks for every
object through the route a person would use (the page's Dash callback, the PDF route, the attachment route, the
survey form), and what is shown is compared with the table EXPECTED builds from the rules in DOMAIN.md.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from support.web import PROFILE_DEFAULTS, dash_callback, login, pager_body, pager_state
from support.factories import gen_application, gen_certificate, gen_handler, gen_service_user
from models import NncAttachment, Office
from models.complaint import ComplaintAttachment
from models.service_portal import SurveyInvitation
from support.nnc_helpers import PDF, PNG, actor, valid_nnc
from portal.services import complaints, service_user_links
from portal.services.nnc import register as nnc
from support.portal_helpers import link_account

UTC = timezone.utc
NOW = datetime.now(UTC).replace(microsecond=0)
HOME, OTHER = "0300", "0400"

# Who asks: (role, section, office, company the account is linked to).
VIEWERS = {
    "anonymous": None,
    "svc_a": ("service_user", None, HOME, "A"),
    "svc_b": ("service_user", None, HOME, "B"),
    "svc_x": ("service_user", None, OTHER, "X"),
    "coord_plant": ("coordinator", "plant", HOME, None),
    "coord_animal": ("coordinator", "animal", HOME, None),
    "operator": ("operator", None, HOME, None),
    "operator_other_office": ("operator", None, OTHER, None),
    "enforcement": ("enforcement", None, HOME, None),
    "head": ("head", None, HOME, None),
    "admin": ("admin", None, HOME, None),
}

# What there is: applications (company, section, office), NNCs (company, section), complaints (who filed them),
# company profiles (company, office).
APPLICATIONS = {"app_a_plant": ("A", "plant", HOME), "app_a_animal": ("A", "animal", HOME),
                "app_b_plant": ("B", "plant", HOME), "app_x_plant": ("X", "plant", OTHER)}
NNCS = {"nnc_a_plant": ("A", "plant"), "nnc_b_animal": ("B", "animal")}
COMPLAINTS = {"complaint_by_a": "svc_a", "complaint_by_officer": "recorder"}  # who filed it
PROFILES = {"profile_a": ("A", HOME), "profile_x": ("X", OTHER)}
STAFF = {"admin", "operator", "coordinator", "enforcement", "head"}


# ------------------------------------------------------------------------------------------ the rules
def _viewer(name):
    return VIEWERS[name] or (None, None, None, None)


def _office_ok(office, object_office, role):
    return role == "admin" or office == object_office


def may_see_application_as_officer(name, company, section, office_of_object):
    role, own_section, office, _ = _viewer(name)
    return role in STAFF and _office_ok(office, office_of_object, role) and \
        (role != "coordinator" or own_section == section)


def may_see_as_company(name, company):
    role, _, _, linked = _viewer(name)
    return role == "service_user" and linked == company


def may_see_nnc_as_officer(name, company, section):
    return may_see_application_as_officer(name, company, section, HOME)


def may_edit_nnc(name):
    role, _, office, _ = _viewer(name)
    return role == "admin" or (role == "operator" and office == HOME)


def may_see_complaint(name, filed_by):
    """Officers' register: readers of the office (coordinators work on compliance, not complaints)."""
    role, _, office, _ = _viewer(name)
    return role == "admin" or (role in {"operator", "enforcement", "head"} and office == HOME)


def may_see_own_complaint(name, filed_by):
    """A service user follows the complaints they filed on their own list, never anybody else's."""
    return name == filed_by


def may_see_profile(name, company, office_of_object):
    role, _, office, _ = _viewer(name)
    return role in {"admin", "coordinator", "enforcement", "head"} and _office_ok(office, office_of_object, role)


def expected(name: str) -> dict[str, bool]:
    table = {}
    for key, (company, section, office) in APPLICATIONS.items():
        officer = may_see_application_as_officer(name, company, section, office)
        own = may_see_as_company(name, company)
        table[f"application page {key}"] = officer
        table[f"my application page {key}"] = own
        table[f"draft certificate PDF {key}"] = officer or own
    for key in ("app_a_plant", "app_b_plant"):
        table[f"survey form {key}"] = may_see_as_company(name, APPLICATIONS[key][0])
    for key, (company, section) in NNCS.items():
        officer = may_see_nnc_as_officer(name, company, section)
        own = may_see_as_company(name, company)
        table[f"NNC page {key}"] = officer
        table[f"my NNC page {key}"] = own
        table[f"NNC attachment {key}"] = officer or own
        table[f"NNC edit form {key}"] = may_edit_nnc(name)
    for key, filed_by in COMPLAINTS.items():
        table[f"complaint page {key}"] = may_see_complaint(name, filed_by)
        table[f"complaint attachment {key}"] = may_see_complaint(name, filed_by)
        if filed_by in VIEWERS:
            table[f"my complaints list {key}"] = may_see_own_complaint(name, filed_by)
    for key, (company, office) in PROFILES.items():
        table[f"company profile {key}"] = may_see_profile(name, company, office)
    table["handler page"] = may_see_profile(name, None, HOME)
    return table


# ------------------------------------------------------------------------------------------ the scene
@pytest.fixture
def scene(database, session, make_user):
    other = Office(code=OTHER, name="BBKP Surabaya", timezone="Asia/Jakarta")
    session.add(other)
    session.flush()
    companies = {"A": gen_service_user(session, name="PT Alpha Tani"),
                 "B": gen_service_user(session, name="PT Beta Ternak"),
                 "X": gen_service_user(session, name="PT Xenia Surabaya", office_id=other.id)}
    handler = gen_handler(session, name="PPJK Kilat Dokumen")
    ids, markers = {}, {}
    for key, (company, section, office) in APPLICATIONS.items():
        number = f"PTK-{key.upper()}"
        app = gen_application(session, companies[company], section=section, number=number, handler=handler,
                              office_id=companies[company].office_id, submitted_at=NOW - timedelta(days=2))
        gen_certificate(session, app, issued_at=NOW - timedelta(days=1))
        ids[key], markers[key] = app.id, number
    for key in ("app_a_plant", "app_b_plant"):
        company = companies[APPLICATIONS[key][0]]
        session.add(SurveyInvitation(application_id=ids[key], service_user_id=company.id,
                                     invited_at=NOW - timedelta(hours=1), expires_at=NOW + timedelta(days=7)))
    for key, (company, office) in PROFILES.items():
        ids[key], markers[key] = companies[company].id, companies[company].name
    ids["handler"], markers["handler"] = handler.id, handler.name
    session.commit()
    company_ids = {letter: company.id for letter, company in companies.items()}

    accounts = {}
    for name, spec in VIEWERS.items():
        if spec is None:
            continue
        role, section, office, linked = spec
        office_id = session.scalar(select(Office.id).where(Office.code == office))
        accounts[name] = make_user(f"m_{name}", role, section, office_id=office_id)["id"]
        if linked:
            link_account(session, f"m_{name}", companies[linked], NOW - timedelta(days=30))
            session.commit()  # SQLite: one writer at a time, and make_user writes through its own connection

    recorder = actor(database, make_user, "operator", username="m_recorder")
    with database.session() as s:
        for key, (company, section) in NNCS.items():
            number = f"NNC/{key.upper()}"
            created = nnc.create_nnc(s, recorder, valid_nnc(s, number=number, section=section,
                                                            service_user=s.get(type(companies[company]),
                                                                               company_ids[company])),
                                     [(f"{key}.pdf", PDF)])
            ids[key], markers[key] = created["id"], number
    with database.session() as s:
        ids.update({f"file_{k}": s.scalar(select(NncAttachment.id).where(NncAttachment.nnc_id == ids[k]))
                    for k in NNCS})
    with database.session() as s:
        # the portal complaint is filed by svc_a's own account, so "filed by" is that account
        viewer_a = _as_viewer(s, accounts["svc_a"], (company_ids["A"],))
        for key, filed_by in COMPLAINTS.items():
            who = viewer_a if filed_by == "svc_a" else recorder
            subject = f"Keluhan {key}"
            data = {"category": "service", "subject": subject, "text": "Pelayanan lambat."}
            if filed_by == "svc_a":
                created = complaints.create(s, who, data, source="portal", files=[("bukti.png", PNG)])
            else:
                created = complaints.create(s, who, {**data, "channel": "phone", "reporter_name": "Budi"},
                                            source="officer", files=[("bukti.png", PNG)])
            ids[key], markers[key] = created["id"], subject
    with database.session() as s:
        ids.update({f"file_{k}": s.scalar(select(ComplaintAttachment.id)
                                          .where(ComplaintAttachment.complaint_id == ids[k]))
                    for k in COMPLAINTS})
    return {"ids": ids, "markers": markers}


def _as_viewer(session, user_id, company_ids):
    from models import User
    from portal.services.accounts import current_user_from

    return current_user_from(session.get(User, user_id), "test", tuple(company_ids))


# ------------------------------------------------------------------------------------------ asking
def _callback_shows(client, output: str, store: str, value, marker: str, extra=(), state=None) -> bool:
    inputs = [{"id": store, "property": "data", "value": value}, *extra]
    response = dash_callback(client, output, inputs=inputs, state=state)
    if response.status_code != 200:
        assert response.status_code in (204, 401, 403), (output, response.status_code)
        return False
    return marker in json.dumps(response.json, ensure_ascii=False)


def _file_shows(client, path: str, content: bytes) -> bool:
    response = client.get(path)
    if response.status_code == 200:
        return content in response.data or response.mimetype == "application/pdf"
    assert response.status_code in (302, 403, 404), (path, response.status_code)
    return False


APPLICATION_BODY = "application-detail-body.children"
MY_APPLICATION = "..my-application-body.children...my-application-correction-card.style...my-application-corrections.children.."
NNC_DETAIL = ("..nnc-detail-title.children...nnc-detail-subtitle.children...nnc-detail-actions.children..."
              "nnc-detail-content.children...nnc-detail-attachments.children...nnc-detail-statuses.children..."
              "nnc-detail-changes.children...nnc-detail-notice.children...nnc-detail-notice.is_open..")
MY_NNC = "..my-nnc-detail-title.children...my-nnc-detail-content.children.."
COMPLAINT = "..complaint-header.children...complaint-body.children...complaint-history.children.."
PROFILE = "profile-body.children"
HANDLER = "handler-body.children"


def observed(client, app, scene) -> dict[str, bool]:
    ids, markers = scene["ids"], scene["markers"]
    refresh = {"id": "my-application-refresh", "property": "data", "value": 0}
    table = {}
    for key in APPLICATIONS:
        table[f"application page {key}"] = _callback_shows(client, APPLICATION_BODY, "application-detail-id",
                                                           ids[key], markers[key])
        table[f"my application page {key}"] = _callback_shows(client, MY_APPLICATION, "my-application-id", ids[key],
                                                              markers[key], [refresh])
        table[f"draft certificate PDF {key}"] = _file_shows(client, f"/my/documents/draft/{ids[key]}.pdf", b"%PDF")
    for key in ("app_a_plant", "app_b_plant"):
        response = client.get(f"/my/survey/{ids[key]}")
        assert response.status_code in (200, 302, 403), (key, response.status_code)
        table[f"survey form {key}"] = response.status_code == 200 and b'name="csrf_token"' in response.data
    for key in NNCS:
        nnc_refresh = {"id": "nnc-detail-refresh", "property": "data", "value": 0}
        table[f"NNC page {key}"] = _callback_shows(client, NNC_DETAIL, "nnc-detail-id", ids[key], markers[key],
                                                   [nnc_refresh])
        table[f"my NNC page {key}"] = _callback_shows(client, MY_NNC, "my-nnc-detail-id", ids[key], markers[key])
        table[f"NNC attachment {key}"] = _file_shows(client, f"/nnc/attachments/{ids['file_' + key]}", PDF)
        table[f"NNC edit form {key}"] = _edit_form_shows(client, app, ids[key], markers[key])
    for key in COMPLAINTS:
        complaint_refresh = {"id": "complaint-refresh", "property": "data", "value": 0}
        table[f"complaint page {key}"] = _callback_shows(client, COMPLAINT, "complaint-id", ids[key], markers[key],
                                                         [complaint_refresh])
        table[f"complaint attachment {key}"] = _file_shows(client, f"/complaints/attachments/{ids['file_' + key]}",
                                                           PNG)
        if COMPLAINTS[key] in VIEWERS:
            table[f"my complaints list {key}"] = _callback_shows(
                client, _my_complaints_list(app), "my-complaints-refresh", 0, markers[key],
                pager_body("my-complaints"),
                pager_state("my-complaints-page", None))
    for key in PROFILES:
        section = {"id": "profile-section", "property": "value", "value": None}
        table[f"company profile {key}"] = _callback_shows(client, PROFILE, "profile-id", ids[key], markers[key],
                                                          [section, *PROFILE_DEFAULTS])
    table["handler page"] = _callback_shows(client, HANDLER, "handler-id", ids["handler"], markers["handler"])
    return table


def _my_complaints_list(app) -> str:
    """The paged list's callback key: the list with its pager's outputs."""
    return next(key for key in app.callback_map if "my-complaints-list.children" in key)


def _edit_form_shows(client, app, nnc_id: int, marker: str) -> bool:
    output = next(key for key in app.callback_map if key.startswith("..nnc-form-section_id.options"))
    return _callback_shows(client, output, "nnc-form-id", nnc_id, marker)


@pytest.mark.parametrize("name", list(VIEWERS))
def test_each_viewer_sees_exactly_the_objects_the_rules_allow(name, scene, app, client):
    if VIEWERS[name] is not None:
        assert login(client, f"m_{name}").status_code == 302
    seen = observed(client, app, scene)
    want = expected(name)
    assert seen.keys() == want.keys()
    wrong = {route: ("shown" if seen[route] else "refused") for route in want if seen[route] != want[route]}
    assert not wrong, f"{name}: {wrong}"


def test_the_matrix_allows_and_refuses_something_for_every_route():
    """A table that refuses everything (or shows everything) would pass without checking anything."""
    routes = expected("admin").keys()
    for route in routes:
        column = {expected(name)[route] for name in VIEWERS}
        assert column == {True, False}, route
