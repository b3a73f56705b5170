"""Leaving the satisfaction survey (a server-rendered form, portal/templates/survey.html) with an answer given and not
sent asks first, in Chromium under the portal's Content-Security-Policy (assets/forms/qc-unsaved-form.js): the Dash
forms' guard never reached it, and a half-filled survey went with a link, a closed tab or Back without a word. Sent,
or untouched, it is left without a question."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from models import StageEvent
from portal.services import notifications
from support.browser import PAGE_OPTIONS, screenshot, sign_in
from support.factories import gen_application, gen_certificate, gen_service_user
from support.portal_helpers import link_account

pytestmark = pytest.mark.browser
UTC = timezone.utc


@pytest.fixture
def offered_survey(database, make_user) -> int:
    """A service user's application handed over, its survey offered: the application's id."""
    now = datetime.now(UTC)
    make_user("sari_skm", "service_user", email="sari@contoh.invalid", full_name="Sari Wulandari")
    with database.session() as session:
        company = gen_service_user(session, name="PT Survei Belum Terkirim")
        link_account(session, "sari_skm", company, now - timedelta(days=3))
        done = gen_application(session, company, submitted_at=now - timedelta(days=2), step=timedelta(hours=2))
        gen_certificate(session, done, is_draft=False, issued_at=now - timedelta(days=1))
        events = [{"application_id": e.application_id, "stage": e.stage, "occurred_at": e.occurred_at}
                  for e in session.scalars(select(StageEvent).where(StageEvent.application_id == done.id))]
        notifications.enqueue_for_synced_events(session, events, [])
        return done.id


@pytest.fixture
def enforced(browser, live_server):
    """A context under the portal's own policy (the suite's other tabs bypass it): the survey's script must be one
    the policy runs, and every blocked script is reported."""
    context = browser.new_context(base_url=live_server, **PAGE_OPTIONS)
    context.set_default_timeout(15000)
    violations: list[str] = []
    context.on("console", lambda message: violations.append(message.text)
               if "Content Security Policy" in message.text else None)
    yield context, violations
    context.close()


class Questions:
    """The leave questions a tab asks (their dialog type), answered as the test says: Playwright would dismiss
    each one unasked."""

    def __init__(self, tab, answer: str = "dismiss"):
        self.asked: list[str] = []
        self.answer = answer
        tab.on("dialog", self._answer)

    def _answer(self, dialog) -> None:
        self.asked.append(dialog.type)
        dialog.accept() if self.answer == "accept" else dialog.dismiss()

    def after(self, tab, count: int) -> list[str]:
        """The questions asked so far, once `count` have come (or 5 s have passed): Playwright may return from a
        click before its dialog handler has run."""
        for _ in range(200):
            if len(self.asked) >= count:
                break
            tab.wait_for_timeout(25)
        return self.asked


def test_leaving_an_answered_unsent_survey_asks_first_and_a_sent_or_untouched_one_is_left_without_a_question(
        enforced, offered_survey):
    context, violations = enforced
    page = context.new_page()
    questions = Questions(page)
    sign_in(page, "sari_skm")
    survey = f"/my/survey/{offered_survey}"

    # Untouched (the comment box only entered): its link back goes without a question.
    page.goto(survey)
    page.click("#comment")
    page.click("#survey-back")
    page.wait_for_url(f"**/my/applications/{offered_survey}")
    assert questions.after(page, 1) == []

    # One question answered: the link back asks first; staying keeps the page and the answer.
    page.goto(survey)
    page.click("label[for='element_1-3']")
    page.click("#survey-back")
    assert questions.after(page, 1) == ["beforeunload"]
    assert page.url.endswith(survey)
    expect(page.locator("#element_1-3")).to_be_checked()
    screenshot(page, "survey-leave-stayed")

    # Closing the tab asks too (a second tab of the same survey, answered, closed: leaving goes).
    other = context.new_page()
    closing = Questions(other, answer="accept")
    other.goto(survey)
    other.click("label[for='element_2-4']")
    other.close(run_before_unload=True)
    assert closing.after(page, 1) == ["beforeunload"]  # waited on the tab that stays: this one goes once accepted

    # Sent with every answer: no question on its way, the thanks shown, and leaving that asks nothing either.
    for number in range(1, 10):
        page.click(f"label[for='element_{number}-4']")
    page.click("#survey-submit")
    expect(page.locator("body")).to_contain_text("Terima kasih")
    assert questions.after(page, 2) == ["beforeunload"]
    page.goto(f"/my/applications/{offered_survey}")
    page.wait_for_url(f"**/my/applications/{offered_survey}")
    assert questions.asked == ["beforeunload"]
    assert violations == []


def test_leaving_the_public_complaint_form_filled_in_and_unsent_asks_first_and_untouched_it_does_not(enforced):
    """The same guard serves the public complaint form (/pengaduan): its category starts chosen, which is no answer;
    a subject typed is."""
    context, violations = enforced
    stays = context.new_page()  # the questions are waited for on a tab that stays open
    untouched = context.new_page()
    quiet = Questions(untouched, answer="accept")
    untouched.goto("/pengaduan")
    expect(untouched.locator("#category")).to_be_visible()
    untouched.close(run_before_unload=True)

    typed = context.new_page()
    asked = Questions(typed, answer="accept")
    typed.goto("/pengaduan")
    typed.fill("#subject", "Antrean pemeriksaan lama")
    typed.close(run_before_unload=True)
    assert asked.after(stays, 1) == ["beforeunload"]
    assert quiet.asked == [] and violations == []
