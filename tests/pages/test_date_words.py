"""A recorded date is said in words under its field (layouts.components.date_words): the browser shows a date field in
its own language's format, so every form that records a date (an NNC, a complaint, a guidance visit, a holiday) draws
the words under each date field and a clientside callback writes them from the field's value."""
from __future__ import annotations

import pytest

from support.web import components, dash_callback

# path → (role, the recorded date fields it draws)
FORMS = {"/nnc/new": ("operator", {"nnc-form-notice_date", "nnc-form-received_date"}),
         "/complaints": ("admin", {"complaints-new-received_date"}),
         "/guidance": ("coordinator", {"guidance-given_on"}),
         "/admin/calendar": ("admin", {"admin-calendar-day"})}


def _drawn(client, path: str) -> list[tuple[str, dict]]:
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": path}],
                             state=[{"id": "shell-url", "property": "search", "value": ""}])
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(components(response.json))


@pytest.mark.parametrize("path", sorted(FORMS))
def test_every_recorded_date_field_has_its_date_in_words_under_it(app, logged_in, path):
    role, expected = FORMS[path]
    drawn = _drawn(logged_in(role), path)
    dates = {props["id"] for _type, props in drawn if props.get("type") == "date"}
    words = {props["id"] for _type, props in drawn if "qc-date-words" in (props.get("className") or "")}
    assert expected <= dates
    assert words == {f"{field}-words" for field in dates}  # every date field of the form, none forgotten
    for field in dates:
        [key] = [key for key in app.callback_map if key == f"{field}-words.children"]
        assert app.callback_map[key]["inputs"] == [{"id": field, "property": "value"}]


def test_a_filter_of_dates_has_no_words_under_it(logged_in):
    """A period filter shows what it found at once, and its words would only lengthen the filter bar."""
    drawn = _drawn(logged_in("admin"), "/admin/audit")
    assert any(props.get("type") == "date" for _type, props in drawn)
    assert not [props for _type, props in drawn if "qc-date-words" in (props.get("className") or "")]
