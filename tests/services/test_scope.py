"""The one access scope (portal/security/scope.py), entity by entity and role by role.

One scene: two companies and two sections in the home office (0300), a third company in another office; for each
entity (application, NNC, complaint, company profile, survey result, attachment, export) a table says which
records each role sees, and the test asserts what `scope.visible(...)` and the services return.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models import Application, Complaint, Nnc, Office, ServiceUser, User
from models.party import ServiceUserLink
from models.service_portal import SurveyResponse
from portal.security.permissions import ROLES
from portal.security.scope import Scope, scope_of, system_scope
from portal.services import applications, complaints, my_applications, users
from portal.services.compliance import filters as compliance_filters
from portal.services.nnc import detail as nnc_detail
from portal.services.nnc import register as nnc
from portal.services.nnc import search as nnc_search
# Shaped like the logged-in user (portal.security.access.CurrentUser), as far as the scope reads it.
from portal.services.nnc.rules import Actor as Viewer
from portal.validation import Forbidden, NotFound
from support.factories import gen_application, gen_service_user, section_id
from support.nnc_helpers import PDF, valid_nnc
from support.web import PASSWORD

# The records of every office-scoped entity: (office, section, company).
RECORDS = {
    "mine_plant": ("home", "plant", "mine"),
    "mine_animal": ("home", "animal", "mine"),
    "other_company": ("home", "plant", "other"),
    "other_office": ("far", "plant", "far"),
}
OFFICE_WIDE = {"mine_plant", "mine_animal", "other_company"}
# Role (with the section of a coordinator) → the records it sees, for entities carrying office, section, company.
SEES_RECORDS = {
    "admin": set(RECORDS),
    "operator": OFFICE_WIDE,
    "coordinator_plant": {"mine_plant", "other_company"},
    "coordinator_animal": {"mine_animal"},
    "enforcement": OFFICE_WIDE,
    "head": OFFICE_WIDE,
    "national": set(RECORDS),
    "service_user": {"mine_plant", "mine_animal"},
}
VIEWERS = tuple(SEES_RECORDS)
# Complaints carry no section; officers holding complaints.view see their office's, a company what it submitted.
SEES_COMPLAINTS = {
    "admin": {"submitted_by_me", "home_office", "other_office"},
    "operator": {"submitted_by_me", "home_office"},
    "coordinator_plant": None,  # Forbidden: no complaints.view
    "coordinator_animal": None,
    "enforcement": {"submitted_by_me", "home_office"},
    "head": {"submitted_by_me", "home_office"},
    "national": {"submitted_by_me", "home_office", "other_office"},
    "service_user": {"submitted_by_me"},
}
# Survey results carry office and section, no company: a service user sees none.
SEES_SURVEYS = {role: seen - {"other_company"} for role, seen in SEES_RECORDS.items()}
SEES_SURVEYS["service_user"] = set()
# Companies are office-wide (no section): which companies each role may open.
SEES_COMPANIES = {
    "admin": {"mine", "other", "far"},
    "operator": {"mine", "other"},
    "coordinator_plant": {"mine", "other"},
    "coordinator_animal": {"mine", "other"},
    "enforcement": {"mine", "other"},
    "head": {"mine", "other"},
    "national": {"mine", "other", "far"},
    "service_user": {"mine"},
}


@pytest.fixture(scope="module")
def scene(database, reset_to_migrated):
    """Offices, companies, and one record of each entity per row of RECORDS, plus a viewer per role.

    Built and committed once for the module (creating the NNCs, with their compliance refreshes, was two thirds of a
    second, and the 60-odd tests only read it): every test reads it through a `session` rolled back afterwards, and
    the database goes back to its migrated content after the module's last test."""
    with database.session() as session:
        home = session.scalar(select(Office.id).where(Office.code == "0300"))
        account = users.create_user(session, None, {
            "username": "perusahaan_scope", "role": "service_user", "password": PASSWORD,
            "full_name": "Perusahaan Scope", "office_id": home, "section_id": None})
        far_office = Office(code="0400", name="BBKP Surabaya", timezone="Asia/Jakarta")
        session.add(far_office)
        session.flush()
        offices = {"home": home, "far": far_office.id}
        sections = {code: section_id(session, code) for code in ("plant", "animal")}
        companies = {"mine": gen_service_user(session), "other": gen_service_user(session),
                     "far": gen_service_user(session, office_id=far_office.id)}
        session.add(ServiceUserLink(user_id=account["id"], service_user_id=companies["mine"].id))

        ids: dict[str, dict[str, int]] = {"application": {}, "nnc": {}, "attachment": {}, "survey": {}}
        for n, (key, (office, section, company)) in enumerate(RECORDS.items()):
            ids["application"][key] = gen_application(session, companies[company], section=section).id
            creator = system_scope(offices[office])
            created = nnc.create_nnc(session, creator, valid_nnc(session, number=f"SCOPE/{n}", section=section,
                                                                 service_user=companies[company]),
                                     files=[(f"surat-{n}.pdf", PDF)])
            ids["nnc"][key] = created["id"]
            ids["attachment"][key] = nnc_detail.attachments_of(session, created["id"], creator)[0]["id"]
            if company != "other":  # survey answers are anonymous: one per office and section
                response = SurveyResponse(office_id=offices[office], section_id=sections[section],
                                          submitted_on=date(2026, 3, 2), **{f"element_{i}": 4 for i in range(1, 10)})
                session.add(response)
                session.flush()
                ids["survey"][key] = response.id
        ids["complaint"] = {}
        for key, office, submitter in (("submitted_by_me", "home", account["id"]), ("home_office", "home", None),
                                       ("other_office", "far", None)):
            complaint = Complaint(office_id=offices[office], tracking_code=f"PGD-SCOP-{len(ids['complaint'])}",
                                  channel="web", category="service", subject="Layanan", text="Lama sekali",
                                  due_date=date(2026, 3, 9), first_response_due=date(2026, 3, 5),
                                  submitted_by_id=submitter)
            session.add(complaint)
            session.flush()
            ids["complaint"][key] = complaint.id
        ids["company"] = {key: company.id for key, company in companies.items()}
        mine = companies["mine"].id

    def viewer(name: str) -> Viewer:
        role, _, section = name.partition("_")
        if name == "service_user":
            return Viewer(account["id"], "perusahaan_scope", "service_user", home, service_user_ids=(mine,))
        if role == "coordinator":
            return Viewer(None, name, role, home, sections[section], section)
        return Viewer(None, name, role, home)

    yield {"ids": ids, "offices": offices, "viewer": viewer}
    reset_to_migrated()


@pytest.fixture
def session(database):
    """This module's reading session: inside a transaction rolled back after the test, which a commit only ends a
    savepoint of, so nothing a test writes (an audited download, say) reaches the next one."""
    with database.engine.connect() as connection:
        outer = connection.begin()
        with database.sessionmaker(bind=connection, join_transaction_mode="create_savepoint") as s:
            yield s
        outer.rollback()


@pytest.fixture(autouse=True)
def clean_database():
    """Overrides the suite's reset after every test: it would empty the shared scene, and nothing a test writes
    outlives its `session` (above); `scene` resets the database after the module's last test."""
    yield


def _named(ids: dict[str, int], found) -> set[str]:
    by_id = {value: key for key, value in ids.items()}
    return {by_id[i] for i in found if i in by_id}


def _allowed(call) -> bool:
    try:
        call()
    except (Forbidden, NotFound):
        return False
    return True


def test_every_role_has_a_reach():
    assert {name.partition("_")[0] if name != "service_user" else name for name in VIEWERS} == set(ROLES)


@pytest.mark.parametrize("who", VIEWERS)
def test_application(who, session, scene):
    ids, viewer = scene["ids"]["application"], scene["viewer"](who)
    scope = scope_of(viewer)
    visible = session.scalars(scope.visible(select(Application.id), Application))
    assert _named(ids, visible) == SEES_RECORDS[who]
    if scope.company_scoped:
        with pytest.raises(Forbidden):
            applications.reach(scope)  # the officers' search is not theirs
    else:
        found = applications.search_applications(session, {}, **applications.reach(scope), page_size=100)
        assert _named(ids, (row["id"] for row in found["rows"])) == SEES_RECORDS[who]
    opened = {key for key, application_id in ids.items()
              if _allowed(lambda: my_applications.require_company_access(session, viewer, application_id))}
    assert opened == SEES_RECORDS[who]


@pytest.mark.parametrize("who", VIEWERS)
def test_nnc(who, session, scene):
    ids, viewer = scene["ids"]["nnc"], scene["viewer"](who)
    scope = scope_of(viewer)
    assert _named(ids, session.scalars(scope.visible(select(Nnc.id), Nnc))) == SEES_RECORDS[who]
    found = nnc_search.search_nncs(session, viewer, {}, page_size=100)
    assert _named(ids, (row["id"] for row in found["rows"])) == SEES_RECORDS[who]
    opened = {key for key, nnc_id in ids.items() if _allowed(lambda: nnc_detail.nnc_for_viewer(session, nnc_id, viewer))}
    assert opened == SEES_RECORDS[who]


@pytest.mark.parametrize("who", VIEWERS)
def test_complaint(who, session, scene):
    ids, viewer = scene["ids"]["complaint"], scene["viewer"](who)
    expected = SEES_COMPLAINTS[who]
    if expected is None:
        with pytest.raises(Forbidden):
            complaints.search(session, viewer)
    else:
        found = complaints.search(session, viewer, page_size=100)
        assert _named(ids, (row["id"] for row in found["rows"])) == expected
    opened = {key for key, complaint_id in ids.items()
              if _allowed(lambda: complaints.detail(session, viewer, complaint_id))}
    assert opened == (expected or set())


@pytest.mark.parametrize("who", VIEWERS)
def test_company_profile(who, session, scene):
    ids, viewer, offices = scene["ids"]["company"], scene["viewer"](who), scene["offices"]
    scope = scope_of(viewer)
    visible = session.scalars(scope.visible(select(ServiceUser.id), ServiceUser))
    assert _named(ids, visible) == SEES_COMPANIES[who]
    if not scope.can("rankings.view"):
        return
    # Rankings for the home office; a scope seeing every office reads a company against its own office.
    assert compliance_filters.reach(scope)["office_id"] == offices["home"]
    assert compliance_filters.reach(scope)["section_scope"] == (who.partition("_")[2] or None)
    far = compliance_filters.company_reach(session, scope, ids["far"])["office_id"]
    assert far == (offices["far"] if who in ("admin", "national") else offices["home"])
    assert compliance_filters.company_reach(session, scope, ids["mine"])["office_id"] == offices["home"]
    assert compliance_filters.handler_reach(scope)["office_id"] == (None if who in ("admin", "national")
                                                                     else offices["home"])
    # The office whose rankings and KPI panel are read: another office's only for a scope reaching several.
    assert scope.figures_office(None) == offices["home"]
    if who in ("admin", "national"):
        assert scope.figures_office(offices["far"]) == offices["far"]
    else:
        with pytest.raises(Forbidden):
            scope.figures_office(offices["far"])


@pytest.mark.parametrize("who", VIEWERS)
def test_survey_result(who, session, scene):
    ids, viewer = scene["ids"]["survey"], scene["viewer"](who)
    scope = scope_of(viewer)
    visible = session.scalars(scope.visible(select(SurveyResponse.id), SurveyResponse))
    assert _named(ids, visible) == SEES_SURVEYS[who]
    assert scope.sees_section("plant") == (who != "coordinator_animal")
    assert scope.sees_section("animal") == (who != "coordinator_plant")


@pytest.mark.parametrize("who", VIEWERS)
def test_attachment(who, session, scene):
    ids, viewer = scene["ids"]["attachment"], scene["viewer"](who)
    opened = {key for key, attachment_id in ids.items()
              if _allowed(lambda: nnc_detail.attachment_for_download(session, viewer, attachment_id))}
    assert opened == SEES_RECORDS[who]


@pytest.mark.parametrize("who", VIEWERS)
def test_export(who, session, scene):
    viewer = scene["viewer"](who)
    rows = nnc_search.export_nncs(session, viewer, {})
    numbers = {f"SCOPE/{n}": key for n, key in enumerate(RECORDS)}
    assert {numbers[row["number"]] for row in rows} == SEES_RECORDS[who]


def test_a_section_scoped_user_without_a_section_sees_nothing(session, scene):
    """A coordinator with no section: Forbidden where the page asks for a reach, nothing in any list."""
    viewer = Viewer(None, "koordinator", "coordinator", scene["offices"]["home"])
    scope = scope_of(viewer)
    for reach in (applications.reach, compliance_filters.reach):
        with pytest.raises(Forbidden):
            reach(scope)
    assert not session.scalars(scope.visible(select(Nnc.id), Nnc)).all()
    assert not session.scalars(scope.visible(select(Application.id), Application)).all()
    assert nnc_search.search_nncs(session, viewer, {})["total"] == 0


def test_an_unknown_role_holds_nothing_and_sees_nothing(session, scene):
    scope = scope_of(Viewer(None, "x", "janitor", scene["offices"]["home"]))
    assert scope.permissions == frozenset() and not scope.can("help.view")
    assert not session.scalars(scope.visible(select(Nnc.id), Nnc)).all()
    with pytest.raises(Forbidden):
        scope.require("nnc.view")


def test_system_scope_holds_everything(session, scene):
    scope = system_scope(scene["offices"]["home"])
    assert scope.every_office and scope.include_deleted and scope.can("admin.users")
    assert _named(scene["ids"]["nnc"], session.scalars(scope.visible(select(Nnc.id), Nnc))) == set(RECORDS)


def test_the_scope_is_a_plain_frozen_value(scene):
    scope = scope_of(scene["viewer"]("operator"))
    assert isinstance(scope, Scope) and scope_of(scope) is scope
    with pytest.raises(AttributeError):
        scope.office_id = 1  # frozen
    assert scope == scope_of(scene["viewer"]("operator"))  # a value: equal when built from the same user
    with pytest.raises(KeyError):
        scope.can("no.such.permission")


def test_users_of_one_role_find_the_accounts_a_table_names(session, scene):
    """Services find the accounts of a permission through the table, never by a role name."""
    from portal.security.permissions import roles_with

    company_accounts = session.scalars(select(User.username).where(User.role.in_(roles_with("my.view")))).all()
    assert "perusahaan_scope" in company_accounts
    assert set(roles_with("complaints.edit")) == {"admin", "operator"}
