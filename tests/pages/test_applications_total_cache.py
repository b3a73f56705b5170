"""The applications list's total in the view cache (issue #17): it is kept per scope, filters and data stamp, so a
page turn does not count the office's matches again — but a write shows in the next total, and one scope never
gets another's."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from models import Application, Office
from portal.security.access import callback_permissions
from support.factories import gen_application, gen_service_user
from support.web import dash_callback, login, pager_body, pager_state

UTC = timezone.utc


@pytest.fixture
def scene(session):
    """Two plant applications and one animal application of one company."""
    company = gen_service_user(session, name="PT Mangga Jaya")
    for number, section in (("PTK-PLANT-0001", "plant"), ("PTK-PLANT-0002", "plant"), ("PTK-ANIMAL-0001", "animal")):
        gen_application(session, company, section=section, number=number,
                        submitted_at=datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    session.commit()
    return {"company": company}


def _count(app, client, page: int = 0, **values) -> str:
    """The list's "showing a–b of n" line for the given filters (page 0, or the next page from `page`)."""
    order = ["applications-number", "applications-service_user", "applications-handler", "applications-commodity",
             "applications-stage", "applications-direction", "applications-section", "applications-dates",
             "applications-date-from", "applications-date-to", "applications-sort"]
    inputs = [{"id": component, "property": "value", "value": values.get(component.split("-", 1)[1], "")}
              for component in order]
    inputs[-1]["value"] = "submitted_desc"
    inputs += [*pager_body("applications", "next" if page else None)]
    state = pager_state("applications-page", page)
    changed = ["applications-next.n_clicks"] if page else ["applications-number.value"]
    key = next(key for key in callback_permissions(app) if "applications-grid.rowData" in key)
    response = dash_callback(client, key, inputs, state, changed)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]["applications-count"]["children"]


def test_a_new_application_shows_in_the_next_total(app, logged_in, scene, session):
    client = logged_in("operator")
    assert _count(app, client) == "Menampilkan 1–3 dari 3"
    assert _count(app, client) == "Menampilkan 1–3 dari 3"  # the second view's total is the cache's
    gen_application(session, scene["company"], section="plant", number="PTK-PLANT-0003",
                    submitted_at=datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
    session.commit()
    assert _count(app, client) == "Menampilkan 1–4 dari 4"


def _signed_in(app, make_user, username: str, role: str, section: str | None = None, **extra):
    """A browser of its own (the `logged_in` fixture shares one client, so one person at a time)."""
    make_user(username, role, section, **extra)
    client = app.server.test_client()
    assert login(client, username).status_code == 302
    return client


def test_an_application_deleted_at_the_source_leaves_the_next_total_but_not_the_admins(app, make_user, scene,
                                                                                       session):
    operator = _signed_in(app, make_user, "operator_a", "operator")
    assert _count(app, operator, section="plant") == "Menampilkan 1–2 dari 2"
    found = session.scalar(select(Application).where(Application.number == "PTK-PLANT-0002"))
    found.deleted_at = datetime(2026, 3, 4, tzinfo=UTC)
    session.commit()
    assert _count(app, operator, section="plant") == "Menampilkan 1–1 dari 1"
    admin = _signed_in(app, make_user, "admin_a", "admin")
    assert _count(app, admin, section="plant") == "Menampilkan 1–2 dari 2"


def test_each_scope_gets_its_own_total_for_the_same_filters(app, make_user, scene, session):
    other = Office(code="0400", name="BBKP Surabaya", timezone="Asia/Jakarta")
    session.add(other)
    session.commit()
    # No write between these views (sign-ins write no watched table): one data stamp, four scopes.
    assert _count(app, _signed_in(app, make_user, "operator_a", "operator")) == "Menampilkan 1–3 dari 3"
    assert _count(app, _signed_in(app, make_user, "koord_kt", "coordinator", "plant")) == "Menampilkan 1–2 dari 2"
    assert _count(app, _signed_in(app, make_user, "koord_kh", "coordinator", "animal")) == "Menampilkan 1–1 dari 1"
    surabaya = _signed_in(app, make_user, "operator_sby", "operator", office_id=other.id)
    assert _count(app, surabaya) == ""  # nothing to show: the grid says so, the pager says nothing
