"""A recorded date is said in words under its field (layouts.components.date_words): the browser shows a date field in
its own language's format, so every form that records a date (an NNC, a complaint, a guidance visit, a holiday) draws
the words under each date field, and every role that is drawn the form is told of the clientside callback that
writes them from the field's value."""
from __future__ import annotations

import pytest

from portal.security.permissions import ROLES, role_can
from support.web import components, dash_callback

# path → (the permission its form needs, the recorded date fields it draws)
FORMS = {"/nnc/new": ("nnc.edit", {"nnc-form-notice_date", "nnc-form-received_date"}),
         "/complaints": ("complaints.edit", {"complaints-new-received_date"}),
         "/guidance": ("guidance.edit", {"guidance-given_on"}),
         "/admin/calendar": ("admin.calendar", {"admin-calendar-day"})}
CASES = [(path, role) for path, (permission, _fields) in sorted(FORMS.items())
         for role in ROLES if role_can(role, permission)]


def _drawn(client, path: str) -> list[tuple[str, dict]]:
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": path}],
                             state=[{"id": "shell-url", "property": "search", "value": ""}])
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(components(response.json))


def _words(drawn) -> set[str]:
    return {props["id"] for _type, props in drawn if "qc-date-words" in (props.get("className") or "")}


@pytest.mark.parametrize("path, role", CASES)
def test_every_recorded_date_field_has_its_date_in_words_under_it(app, logged_in, path, role):
    client = logged_in(role)
    drawn = _drawn(client, path)
    dates = {props["id"] for _type, props in drawn if props.get("type") == "date"}
    assert FORMS[path][1] <= dates
    assert _words(drawn) == {f"{field}-words" for field in dates}  # every date field of the form, none forgotten
    # The role's browser is told of each field's words callback (a callback registered under a permission the role
    # lacks would be left out of its list, and the words would stay empty).
    told = {spec["output"]: spec for spec in client.get("/_dash-dependencies").json}
    for field in dates:
        spec = told[f"{field}-words.children"]
        assert spec["inputs"] == [{"id": field, "property": "value"}]
        assert spec["clientside_function"]["function_name"] == "dateWords"


def test_a_filter_of_dates_has_no_words_under_it(logged_in):
    """A period filter shows what it found at once, and its words would only lengthen the filter bar."""
    drawn = _drawn(logged_in("admin"), "/admin/audit")
    assert any(props.get("type") == "date" for _type, props in drawn)
    assert not _words(drawn)
