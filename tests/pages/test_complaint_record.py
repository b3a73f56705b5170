""""Catat pengaduan" (an officer records a complaint received by phone, WhatsApp, in person): the day received starts at
today, shown and editable; emptied (or not a day), the form is refused beside that field with what was typed kept —
it used to be stored as "now" without a word."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import Complaint, Office
from portal.domain.periods import local_date, today_in
from support.hostile import find_key
from support.web import components, dash_callback, login

TYPED = {"channel": "walk_in", "category": "tariff", "subject": "Biaya tambahan", "text": "Datang ke loket.",
         "reporter_name": "Budi", "reporter_contact": "0812000000", "reporter_email": "", "application_number": ""}
FIELDS = ("channel", "category", "received_date", "subject", "text", "reporter_name", "reporter_contact",
          "reporter_email", "application_number")


@pytest.fixture
def officer(app, client, make_user, database):
    """An operator logged in on the complaints page; the office's zone."""
    make_user("petugas_catat", "operator")
    login(client, "petugas_catat")
    with database.session() as s:
        return s.scalar(select(Office.timezone).where(Office.code == "0300"))


def _press(app, client, button: str, received_date, values=TYPED):
    """Press a button of the new-complaint dialog with the form as `values` and `received_date` in its date field."""
    values = values | {"received_date": received_date}
    state = [{"id": f"complaints-new-{name}", "property": "value", "value": values[name]} for name in FIELDS]
    state += [{"id": "complaints-new-upload", "property": "contents", "value": None},
              {"id": "complaints-new-upload", "property": "filename", "value": None},
              {"id": "complaints-refresh", "property": "data", "value": 0}]
    inputs = [{"id": f"complaints-new{suffix}", "property": "n_clicks", "value": 1 if suffix == button else None}
              for suffix in ("", "-cancel", "-save")]
    response = dash_callback(client, find_key(app, "..complaints-modal.is_open...complaints-form-alert"), inputs,
                             state, changed=[f"complaints-new{button}.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.json["response"]


def _count(database) -> int:
    with database.session() as s:
        return s.scalar(select(func.count(Complaint.id)))


def test_recording_a_complaint_shows_today_as_its_received_date_and_stores_that_day(app, client, database, officer):
    page = dash_callback(client, "shell-content.children",
                         inputs=[{"id": "shell-url", "property": "pathname", "value": "/complaints"}])
    drawn = {props.get("id"): props for _type, props in components(page.json) if isinstance(props.get("id"), str)}
    today = today_in(officer).isoformat()
    assert drawn["complaints-new-received_date"]["value"] == today
    opened = _press(app, client, "", None)  # opening the dialog (on a page left open overnight too) shows today
    assert opened["complaints-modal"]["is_open"] is True
    assert opened["complaints-new-received_date"]["value"] == today
    saved = _press(app, client, "-save", today)
    assert saved["complaints-modal"]["is_open"] is False
    assert saved["complaints-new-received_date"]["value"] == today  # the emptied form starts at today again
    with database.session() as s:
        stored = s.scalars(select(Complaint)).one()
        assert local_date(stored.received_at, officer).isoformat() == today


def test_the_dialog_opened_on_a_page_left_open_overnight_takes_todays_date_as_its_untouched_start(
        app, client, officer):
    """The dialog set today's date on a form drawn yesterday, and the leave question, comparing with yesterday's
    date, then asked before an untouched dialog was left. Opened on a new day, it moves the question's start (as a
    close and a save do, not reloading the list behind it); opened the same day, it changes nothing."""
    from layouts.complaints import NEW_FIELDS, new_form_values

    drawn_yesterday = new_form_values(officer) | {"received_date": (today_in(officer) - timedelta(days=1)).isoformat()}
    opened = _press(app, client, "", drawn_yesterday["received_date"], values=drawn_yesterday)
    assert opened["complaints-new-received_date"]["value"] == today_in(officer).isoformat()
    assert opened["complaints-new-start"]["data"] and "complaints-refresh" not in opened  # the list stays as it is
    assert not {f"complaints-new-{name}" for name in NEW_FIELDS if name != "received_date"} & {
        key for key, props in opened.items() if "value" in props}  # the rest of the form untouched
    same_day = _press(app, client, "", today_in(officer).isoformat(), values=new_form_values(officer))
    assert same_day["complaints-modal"]["is_open"] is True
    assert "complaints-new-start" not in same_day and "value" not in same_day.get("complaints-new-received_date", {})
    # Closed (Cancel, its ×, Esc), emptied at that moment's date: the start moves with it (opened before midnight
    # and closed after it, the next opening found today's date and moved nothing)
    closed = dash_callback(client, find_key(app, "..complaints-new-channel.value@"), [
        {"id": "complaints-modal", "property": "is_open", "value": False}], changed=["complaints-modal.is_open"])
    assert closed.status_code == 200 and closed.json["response"]["complaints-new-start"]["data"]


def test_a_complaint_received_on_an_earlier_day_is_stored_on_that_day(app, client, database, officer):
    earlier = today_in(officer) - timedelta(days=3)
    assert _press(app, client, "-save", earlier.isoformat())["complaints-modal"]["is_open"] is False
    with database.session() as s:
        assert local_date(s.scalars(select(Complaint)).one().received_at, officer) == earlier


@pytest.mark.parametrize("emptied, said", [
    ("", "Wajib diisi: pilih tanggal pengaduan diterima (hari ini bila baru saja diterima)."),
    (None, "Wajib diisi: pilih tanggal pengaduan diterima (hari ini bila baru saja diterima)."),
    ("kemarin", "Tanggal tidak valid; gunakan pemilih tanggal."),
])
def test_a_complaint_without_a_received_date_is_refused_beside_the_field_keeping_what_was_typed(
        app, client, database, officer, emptied, said):
    refused = _press(app, client, "-save", emptied)
    assert refused["complaints-modal"]["is_open"] is True and refused["complaints-form-alert"]["is_open"] is True
    assert refused["complaints-new-received_date"]["invalid"] is True
    assert refused["complaints-new-received_date-feedback"]["children"] == said
    assert not any(refused[f"complaints-new-{name}"].get("invalid") for name in FIELDS if name != "received_date")
    assert not any("value" in props for props in refused.values())  # the typed form stays as it is
    assert _count(database) == 0


def test_a_complaint_received_tomorrow_is_refused_beside_the_field(app, client, database, officer):
    tomorrow = (today_in(officer) + timedelta(days=1)).isoformat()
    refused = _press(app, client, "-save", tomorrow)
    assert refused["complaints-new-received_date-feedback"]["children"] == "Tanggal diterima tidak boleh di masa depan."
    assert _count(database) == 0
