"""A date is said in words under its field (layouts.components.date_words): the browser shows a date field in its own
language's format ("05/12/2026" in an English Chromium on an Indonesian page), so every form that records a date (an
NNC, a complaint, a guidance visit, a holiday) and every filter of a period draws the words under each date field, and
every role that is drawn the page is told of the clientside callback that writes them from the field's value. A month
field ("July 2026" in an English Chromium, a text box holding "2026-07" in Firefox) has its month in words under it
the same way ("Juli 2026")."""
from __future__ import annotations

import pytest

from portal.security.permissions import ROLES, role_can
from support import factories
from support.web import PROFILE_DEFAULTS, components, dash_callback

# path → (the permission its form needs, the recorded date fields it draws)
FORMS = {"/nnc/new": ("nnc.edit", {"nnc-form-notice_date", "nnc-form-received_date"}),
         "/complaints": ("complaints.edit", {"complaints-new-received_date"}),
         "/guidance": ("guidance.edit", {"guidance-given_on"}),
         "/admin/calendar": ("admin.calendar", {"admin-calendar-day"})}
# path → (the permission the page needs, the date fields of its filters)
FILTERS = {"/kpi": ("kpi.view", {"kpi-from", "kpi-to"}),
           "/offices": ("offices.compare", {"offices-from", "offices-to"}),
           "/survey-results": ("survey_results.view", {"survey-from", "survey-to"}),
           "/rankings": ("rankings.view", {"rankings-from", "rankings-to"}),
           "/targeting/queue": ("targeting.queue", {"queue-day"}),
           "/applications": ("applications.view", {"applications-date-from", "applications-date-to"}),
           "/admin/audit": ("admin.audit", {"admin-audit-from", "admin-audit-to"}),
           "/nnc": ("nnc.view", {"nnc-date-from", "nnc-date-to"}),
           "/my/applications": ("my.view", {"my-from", "my-to"}),
           # Beside its month fields, the dates of a period of days (the KPI panel's custom period links to).
           "/targeting/effectiveness": ("targeting.effect", {"effect-start", "effect-end"})}
PAGES = {**FORMS, **FILTERS}
CASES = [(path, role) for path, (permission, _fields) in sorted(PAGES.items())
         for role in ROLES if role_can(role, permission)]
# path → (the permission the page needs, the month fields of its period): the browser draws a month field in its own
# language ("July 2026"), or as a text box holding "2026-07" where it has no month fields.
MONTHS = {"/targeting/effectiveness": ("targeting.effect", {"effect-from", "effect-to"})}
MONTH_CASES = [(path, role) for path, (permission, _fields) in sorted(MONTHS.items())
               for role in ROLES if role_can(role, permission)]


def _drawn(client, path: str) -> list[tuple[str, dict]]:
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": path}],
                             state=[{"id": "shell-url", "property": "search", "value": ""}])
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(components(response.json))


def _words(drawn) -> set[str]:
    return {props["id"] for _type, props in drawn if "qc-date-words" in (props.get("className") or "")}


def _fields(drawn) -> set[str]:
    """Every date and month field of the page: each has its words under it, none forgotten."""
    return {props["id"] for _type, props in drawn if props.get("type") in ("date", "month")}


@pytest.mark.parametrize("path, role", CASES)
def test_every_date_field_has_its_date_in_words_under_it(app, logged_in, path, role):
    client = logged_in(role)
    drawn = _drawn(client, path)
    dates = {props["id"] for _type, props in drawn if props.get("type") == "date"}
    assert PAGES[path][1] <= dates
    assert _words(drawn) == {f"{field}-words" for field in _fields(drawn)}
    _told_of_words(client, dates)


def test_a_profile_dossier_period_has_its_dates_in_words(app, logged_in, session):
    company = factories.gen_service_user(session)
    session.commit()
    client = logged_in("enforcement")
    key = next(key for key in app.callback_map if "profile-body.children" in key)
    response = dash_callback(client, key, inputs=[{"id": "profile-id", "property": "data", "value": company.id},
                                                  {"id": "profile-section", "property": "value", "value": ""},
                                                  *PROFILE_DEFAULTS])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _words(list(components(response.json))) == {"profile-dossier-from-words", "profile-dossier-to-words"}
    _told_of_words(client, {"profile-dossier-from", "profile-dossier-to"})


@pytest.mark.parametrize("path, role", MONTH_CASES)
def test_every_month_field_has_its_month_in_words_under_it(app, logged_in, path, role):
    client = logged_in(role)
    drawn = _drawn(client, path)
    months = {props["id"] for _type, props in drawn if props.get("type") == "month"}
    assert months == MONTHS[path][1]
    assert _words(drawn) == {f"{field}-words" for field in _fields(drawn)}
    _told_of_words(client, months, "monthWords")  # "Juli 2026", not a weekday and day of a month field


def _told_of_words(client, dates: set[str], function: str = "dateWords") -> None:
    # The role's browser is told of each field's words callback (a callback registered under a permission the role
    # lacks would be left out of its list, and the words would stay empty).
    told = {spec["output"]: spec for spec in client.get("/_dash-dependencies").json}
    for field in dates:
        spec = told[f"{field}-words.children"]
        assert spec["inputs"] == [{"id": field, "property": "value"}]
        assert spec["clientside_function"]["function_name"] == function

