"""The survey's leave question is a script of its own page only (assets/forms/qc-unsaved-form.js): linked by the
survey's template as a file the Content-Security-Policy runs, never one of the scripts every Dash page loads.
What it does in a browser: tests/browser/test_survey_leave_browser.py."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from models import StageEvent
from models.service_portal import SurveyInvitation
from portal.services import notifications
from support.factories import gen_application, gen_service_user
from support.portal_helpers import link_account
from support.web import login

UTC = timezone.utc
SCRIPT = "/assets/forms/qc-unsaved-form.js"


def test_the_survey_page_links_its_leave_question_and_no_dash_page_loads_it(client, session, make_user):
    now = datetime.now(UTC)
    make_user("pengguna_skrip", "service_user", email="skrip@contoh.invalid")
    company = gen_service_user(session, name="PT Skrip Survei")
    link_account(session, "pengguna_skrip", company, now - timedelta(days=3))
    done = gen_application(session, company, submitted_at=now - timedelta(days=2))
    notifications.enqueue_for_synced_events(session, [
        {"application_id": e.application_id, "stage": e.stage, "occurred_at": e.occurred_at}
        for e in session.scalars(select(StageEvent).where(StageEvent.application_id == done.id))], [])
    token = notifications.mint_survey_token(session, session.scalar(select(SurveyInvitation)))
    session.commit()

    emailed = client.get(f"/survey/{token}")
    body = emailed.get_data(as_text=True)
    assert f'<script src="{SCRIPT}" defer></script>' in body and 'id="survey-form" data-qc-unsaved' in body
    assert "'unsafe-inline'" not in emailed.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    served = client.get(SCRIPT)
    assert served.status_code == 200 and "javascript" in served.mimetype
    assert b"beforeunload" in served.get_data()
    login(client, "pengguna_skrip")
    assert 'data-qc-unsaved' in client.get(f"/my/survey/{done.id}").get_data(as_text=True)
    dash_page = client.get("/my/applications").get_data(as_text=True)
    assert "/assets/qc-shell.js" in dash_page and "qc-unsaved-form" not in dash_page
