"""A service user on a phone (390×844) in real Chromium: applications, stages, draft PDF, correction, survey."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from support.browser import asks_on_reload, browser_login, browser_logout, screenshot, settle, sign_in
from support.factories import gen_action, gen_application, gen_bill, gen_certificate, gen_service_user
from models import Application, ServiceUser, StageEvent
from models.service_portal import CorrectionRequest, SurveyResponse
from portal.services import notifications
from support.portal_helpers import link_account, pdf_text
from support.web import PASSWORD

pytestmark = pytest.mark.browser
UTC = timezone.utc


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"


@pytest.fixture
def company_with_history(database, make_user):
    now = datetime.now(UTC)
    make_user("rudi", "service_user", email="rudi@contoh.invalid", full_name="Rudi Hartono")
    with database.session() as session:
        company = gen_service_user(session, name="PT Manggis Nusantara Ekspor")
        link_account(session, "rudi", company, now - timedelta(days=3))
        done = gen_application(session, company, submitted_at=now - timedelta(days=2), step=timedelta(hours=2),
                               consignee_name="Guangzhou Fresh Import Co", destination_country="Tiongkok")
        gen_certificate(session, done, treatment_method="Perlakuan uap panas (VHT)",
                        issued_at=now - timedelta(days=1, hours=14))
        gen_bill(session, done, issued_at=now - timedelta(days=1, hours=12))
        gen_certificate(session, done, is_draft=False, number="KT-1/0300/2026/000777",
                        issued_at=now - timedelta(days=1, hours=6))
        gen_application(session, company, submitted_at=now - timedelta(hours=5), step=timedelta(hours=1),
                        stages=("submitted", "verified", "inspected"), commodity="Salak pondoh")
        drafted = gen_application(session, company, submitted_at=now - timedelta(hours=8), step=timedelta(hours=1),
                                  stages=("submitted", "verified", "inspected", "draft_certificate"),
                                  consignee_name="Guangzhou Fresh Import Co", commodity="Manggis")
        gen_certificate(session, drafted, issued_at=now - timedelta(hours=4))
        held = gen_application(session, company, submitted_at=now - timedelta(hours=20), step=timedelta(hours=1),
                               stages=("submitted", "verified", "inspected", "detained"), commodity="Anggrek")
        gen_action(session, held, "detention", now - timedelta(hours=17), reason="Dokumen PC negara asal belum ada")
        events = [{"application_id": e.application_id, "stage": e.stage, "occurred_at": e.occurred_at}
                  for e in session.scalars(select(StageEvent))]
        notifications.enqueue_for_synced_events(session, events, [])
        return done.id, done.number, drafted.id


def test_service_user_follows_an_application_on_a_phone(phone, company_with_history, database):
    application_id, number, drafted_id = company_with_history
    browser_login(phone, "rudi")
    phone.wait_for_url("**/my/applications")
    phone.wait_for_selector(f"#my-card-{application_id}")
    assert phone.locator("#shell-bell-count").inner_text() != ""
    _no_sideways_scroll(phone)
    # The four status choices each on one line, in one row ("Dalam proses" broke onto two lines).
    lines = phone.eval_on_selector_all("#my-status label", """labels => labels.map(label => {
        const range = document.createRange(); range.selectNodeContents(label);
        return [label.innerText, range.getClientRects().length, label.getBoundingClientRect().top]; })""")
    assert [text for text, count, _top in lines if count != 1] == [] and len({top for *_r, top in lines}) == 1
    # Each card's number reads on one line (it broke as "2026.1.0300.0.K11.E.0" / "00123" beside the stage badge).
    lines = phone.evaluate("""[...document.querySelectorAll('.qc-app-card .qc-number')].map(number => {
        const text = document.createRange();
        text.selectNodeContents(number);  // the lines its text is drawn on (a box per part: <wbr> after each dot)
        return new Set([...text.getClientRects()].filter(box => box.width > 0).map(box => Math.round(box.top))).size;
    })""")
    assert lines and set(lines) == {1}, lines
    assert "Tahap" in phone.inner_text(f"#my-card-{application_id}")
    screenshot(phone, "my-applications-phone")

    phone.click("label:has-text('Bermasalah')")
    # the list is redrawn by a callback: wait for the healthy application to leave, not for a name both lists show
    phone.wait_for_selector(f"#my-card-{application_id}", state="detached")
    phone.wait_for_selector("text=Anggrek")
    assert phone.locator(f"#my-card-{application_id}").count() == 0
    screenshot(phone, "my-applications-problem-filter-phone")
    phone.click("label:has-text('Semua')")
    phone.wait_for_selector(f"#my-card-{application_id}")

    phone.click(f"#my-card-{application_id} a.stretched-link")
    phone.wait_for_url(f"**/my/applications/{application_id}")
    phone.wait_for_selector("#my-application-timeline")
    assert phone.inner_text("#my-application-number") == number
    expect(phone).to_have_title(re.compile(rf"^{re.escape(number)} · "))  # the tab named by its application
    assert "Dokumen diserahkan" in phone.inner_text("#my-application-stepper")
    _no_sideways_scroll(phone)
    screenshot(phone, "my-application-phone")

    href = phone.get_attribute("#my-application-doc-draft", "href")
    pdf = phone.request.get(href)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    assert "KONSEP / DRAFT" in text and "Guangzhou Fresh Import Co" in text and "Perlakuan uap panas (VHT)" in text

    # The certificate is issued: it comes first, and the draft can no longer be corrected; the drafted one can.
    assert phone.locator("#my-application-correction-card").is_hidden()
    phone.goto(f"/my/applications/{drafted_id}")
    phone.wait_for_selector("#my-application-doc-draft")
    assert phone.input_value("#my-application-correction-field") == ""
    shown = "e => e.options[e.selectedIndex].text"  # what the box shows: "— pilih bagian —", not a blank box
    assert phone.eval_on_selector("#my-application-correction-field", shown) == "— pilih bagian —"
    phone.select_option("#my-application-correction-field", "consignee")
    phone.fill("#my-application-correction-problem", "Nama penerima kurang 'Ltd'")
    phone.fill("#my-application-correction-expected", "Guangzhou Fresh Import Co Ltd")
    asks_on_reload(phone, True)  # typed and not sent: a phone's Back or reload asks first
    phone.click("#my-application-correction-submit")
    phone.wait_for_selector("#my-application-correction-list")
    assert "terkirim" in phone.inner_text("#my-application-correction-alert")
    asks_on_reload(phone, False)  # sent: the emptied form is left without a question
    screenshot(phone, "my-application-correction-phone")
    with database.session() as session:
        assert session.scalar(select(CorrectionRequest)).expected == "Guangzhou Fresh Import Co Ltd"

    phone.goto(f"/my/applications/{application_id}")
    phone.click("#my-application-survey")
    phone.wait_for_selector("#survey-form")
    assert phone.locator("#survey-back").bounding_box()["height"] >= 44  # a thumb's target, not a 19 px line
    for n in (1, 3, 4):
        phone.click(f"label[for='element_{n}-4']")
    phone.click("#survey-submit")
    phone.wait_for_selector("#survey-errors")
    assert phone.locator("#survey-element_2-error").is_visible()
    assert phone.is_checked("#element_1-4")
    _no_sideways_scroll(phone)
    screenshot(phone, "survey-missing-elements-phone")
    for n in range(1, 10):
        phone.click(f"label[for='element_{n}-{3 if n == 2 else 4}']")
    phone.select_option("#gender", "male")
    phone.click("#survey-submit")
    phone.wait_for_selector("#portal-message-title")
    assert "Terima kasih" in phone.inner_text("#portal-message-title")
    screenshot(phone, "survey-thanks-phone")
    with database.session() as session:
        answer = session.scalar(select(SurveyResponse))
        assert answer.element_2 == 3 and answer.element_9 == 4

    phone.goto("/my/notifications")
    phone.wait_for_selector("#my-notifications-items")
    # The choices as stored read as unchanged: leaving the page untouched asks nothing (layouts/components/unsaved.py).
    phone.wait_for_function("""() => { const found = window.qcUnsaved.compared("my-notifications");
                                       return found && found.opened; }""", timeout=20000)
    settle(phone, quiet_ms=300)
    assert phone.evaluate("window.qcUnsaved.compared('my-notifications').changed") is False
    _no_sideways_scroll(phone)
    # No number stored: the box is empty, with no example in it that reads as a stored number; the example is under it.
    assert phone.input_value("#my-notifications-phone") == ""
    assert not phone.get_attribute("#my-notifications-phone", "placeholder")
    assert "+62 812 3456 7890" in phone.inner_text("#my-notifications-phone-help")
    described = phone.get_attribute("#my-notifications-phone", "aria-describedby") or ""
    assert "my-notifications-phone-help" in described.split()  # a screen reader reads the example with the box
    screenshot(phone, "my-notifications-phone")
    # Under a page of messages the choices are far down a phone: the link at the top leads straight to them.
    phone.evaluate("window.scrollTo(0, 0)")
    phone.click("#my-notifications-to-channels")
    expect(phone.locator("#my-notifications-choices")).to_be_in_viewport()


def test_service_user_files_a_complaint_on_a_phone_and_typing_not_sent_is_asked_about(phone, company_with_history):
    """The complaint form asks before a reload, Back or the menu leaves it typed and not sent; a sent complaint
    empties it and is listed, and the emptied form is left without a question."""
    browser_login(phone, "rudi")
    phone.wait_for_url("**/my/applications")
    phone.goto("/my/complaints")
    phone.wait_for_selector("#my-complaints-subject")
    asks_on_reload(phone, False)
    phone.fill("#my-complaints-subject", "Tagihan belum terbit")
    asks_on_reload(phone, True)
    phone.fill("#my-complaints-text", "Tagihan untuk permohonan manggis belum muncul sejak kemarin.")
    phone.click("#my-complaints-submit")
    phone.wait_for_selector("#my-complaints-list :text('Tagihan belum terbit')")
    assert "PGD-" in phone.inner_text("#my-complaints-alert")
    assert phone.input_value("#my-complaints-subject") == ""
    asks_on_reload(phone, False)
    _no_sideways_scroll(phone)
    screenshot(phone, "my-complaints-sent-phone")


# An element wholly on screen, below the page's top (scrolled to, not shown by a page that fits the screen).
IN_VIEW = """(id) => { const box = document.getElementById(id).getBoundingClientRect();
    return scrollY > 300 && box.top >= 0 && box.bottom <= innerHeight; }"""


# The lines each element's text is drawn on (a box per text node: a <wbr> after each dot of a number).
LINES = """selector => [...document.querySelectorAll(selector)].map(element => {
    const text = document.createRange(); text.selectNodeContents(element);
    return new Set([...text.getClientRects()].filter(box => box.width > 0).map(box => Math.round(box.top))).size; })"""
# Each part of every application number (the text between its dots: a text node without a space) drawn on one
# line: a number too wide for the screen breaks after a dot, never inside its digits ("…K11.E.00012" / "3").
PARTS_WHOLE = r"""selector => [...document.querySelectorAll(selector)].flatMap(number =>
    [...number.childNodes].filter(node => node.nodeType === Node.TEXT_NODE && !/\s/.test(node.textContent))
    .map(node => {
        const part = document.createRange(); part.selectNodeContents(node);
        return [node.textContent, part.getClientRects().length]; }))"""


def test_on_a_320_px_screen_an_application_number_reads_on_one_line_or_breaks_only_after_a_dot(
        phone, company_with_history):
    """At 320 px a card's number broke inside its digits ("…K11.E.03281" / "8"): it now takes a hair smaller type and
    reads on one line, and a number in a longer line (a notification's subject) breaks after a dot."""
    application_id, number, _drafted = company_with_history
    phone.set_viewport_size({"width": 320, "height": 700})
    browser_login(phone, "rudi")
    phone.wait_for_selector(f"#my-card-{application_id}")
    assert set(phone.evaluate(LINES, ".qc-app-card .qc-number")) == {1}
    phone.goto("/my/notifications")
    phone.wait_for_selector(".qc-message-subject")
    parts = phone.evaluate(PARTS_WHOLE, ".qc-message-subject > span")
    assert parts and [part for part, lines in parts if lines != 1] == [], parts
    assert max(phone.evaluate(LINES, ".qc-message-subject > span")) >= 2  # some subject does break at this width
    assert phone.evaluate("document.documentElement.scrollWidth") <= 320
    phone.goto(f"/my/applications/{application_id}")
    expect(phone.locator("#my-application-number")).to_have_text(number)
    parts = phone.evaluate(PARTS_WHOLE, "#my-application-number")
    assert "".join(part for part, _lines in parts) == number and {lines for _part, lines in parts} == {1}, parts


def test_back_from_an_application_on_the_second_page_finds_the_second_page(phone, company_with_history, database):
    """The page is in the address too: the busiest forwarder, ten cards a page, is not sent back to page one."""
    with database.session() as session:
        company = session.get(ServiceUser, session.get(Application, company_with_history[0]).service_user_id)
        older = [gen_application(session, company, commodity="Kelapa parut",
                                 submitted_at=datetime.now(UTC) - timedelta(days=10 + n)) for n in range(12)]
        session.flush()
        oldest = older[-1].id
    browser_login(phone, "rudi")
    phone.wait_for_url("**/my/applications")
    expect(phone.locator("#my-list .qc-app-card")).to_have_count(10)
    phone.click("#my-next")  # under ten cards: the view moves up to the new page's first card, not left at the bottom
    phone.wait_for_url("**/my/applications?page=2")
    phone.wait_for_selector(f"#my-card-{oldest}")
    top = phone.evaluate("document.getElementById('my-list').getBoundingClientRect().top")
    assert 0 <= top < 200, top
    phone.hover("#my-prev")  # where a tap leaves the pointer: the button is not left dark grey as if pressed
    assert phone.evaluate("matchMedia('(hover: none)').matches")
    colour = phone.eval_on_selector("#my-prev", "button => getComputedStyle(button).backgroundColor")
    assert colour in ("rgba(0, 0, 0, 0)", "transparent"), colour
    phone.locator(f"#my-card-{oldest}").scroll_into_view_if_needed()  # the page's last card, well below its top
    phone.wait_for_timeout(300)  # the position is kept as the reader scrolls (150 ms after)
    left_at = phone.evaluate("scrollY")
    assert left_at > 300, left_at
    phone.click(f"#my-card-{oldest} a")
    phone.wait_for_url(f"**/my/applications/{oldest}")
    phone.go_back()
    phone.wait_for_url("**/my/applications?page=2")
    phone.wait_for_selector(f"#my-card-{oldest}")
    expect(phone.locator("#my-list .qc-app-card")).to_have_count(6)  # 16 in all: the second page's six
    assert phone.is_enabled("#my-prev") and not phone.is_enabled("#my-next")
    # ... scrolled where it was left: the card opened in view, not the page's top
    phone.wait_for_function(IN_VIEW, arg=f"my-card-{oldest}")
    screenshot(phone, "my-applications-back-to-page-two")
    phone.click(f"#my-card-{oldest} a")
    phone.wait_for_url(f"**/my/applications/{oldest}")
    phone.click("#my-application-back")  # the page's own link back: the same
    phone.wait_for_url("**/my/applications?page=2")
    phone.wait_for_selector(f"#my-card-{oldest}")
    phone.wait_for_function(IN_VIEW, arg=f"my-card-{oldest}")
    phone.fill("#my-search", "Kelapa")  # a changed filter starts again at page one
    phone.wait_for_url("**/my/applications?q=Kelapa")
    expect(phone.locator("#my-list .qc-app-card")).to_have_count(10)


def test_back_from_an_application_finds_the_list_as_it_was_left(phone, company_with_history):
    """The filters live in the address: the phone's Back and the page's own link back both return to the filtered
    list, not to every application again."""
    _application_id, _number, drafted_id = company_with_history
    browser_login(phone, "rudi")
    phone.wait_for_url("**/my/applications")
    phone.wait_for_selector(f"#my-card-{drafted_id}")
    phone.fill("#my-search", "Manggis")
    # The search is in the address before the status is tapped (a tap within the search's pause is the test below).
    phone.wait_for_url("**/my/applications?q=Manggis")
    phone.click("label:has-text('Dalam proses')")
    phone.wait_for_url("**/my/applications?q=Manggis&status=in_progress")
    # The address changes before the list answers: wait for the list itself (the drafted Manggis; the done one is
    # finished), not a card that may still be one of the unfiltered four.
    expect(phone.locator("#my-list .qc-app-card")).to_have_count(1)

    phone.click(f"#my-card-{drafted_id} a")
    phone.wait_for_url(f"**/my/applications/{drafted_id}")
    phone.go_back()
    phone.wait_for_url("**/my/applications?q=Manggis&status=in_progress")
    phone.wait_for_selector(f"#my-card-{drafted_id}")
    assert phone.input_value("#my-search") == "Manggis"
    expect(phone.locator("#my-list .qc-app-card")).to_have_count(1)

    phone.click(f"#my-card-{drafted_id} a")
    phone.wait_for_url(f"**/my/applications/{drafted_id}")
    phone.click("#my-application-back")
    phone.wait_for_url("**/my/applications?q=Manggis&status=in_progress")
    phone.wait_for_selector(f"#my-card-{drafted_id}")
    assert phone.is_checked("#my-status input[value='in_progress']")
    expect(phone.locator("#my-list .qc-app-card")).to_have_count(1)
    screenshot(phone, "my-applications-back-to-the-filtered-list")

    # Logged out, and in again in this tab straight onto an application (a link from a message): the list the link
    # returns to is the whole one, not the filters of the session before.
    browser_logout(phone)
    phone.goto(f"/login?next=/my/applications/{drafted_id}")
    phone.fill("#username", "rudi")
    phone.fill("#password", PASSWORD)
    phone.click("#login-submit")
    phone.wait_for_url(f"**/my/applications/{drafted_id}")
    phone.wait_for_selector("#my-application-back")
    phone.click("#my-application-back")
    phone.wait_for_selector(f"#my-card-{drafted_id}")
    assert phone.url.endswith("/my/applications") and phone.input_value("#my-search") == ""


def test_a_status_tapped_right_after_typing_a_search_keeps_the_search_in_the_list_and_the_address(
        phone, company_with_history):
    """Leaving the search box sends what was typed at once, before the tap's status (assets/qc-search.js): a status
    tapped within the search's pause (300 ms) was asked for without the search, and under load its answer left the
    search out of the address and the list. A box left without a change sends nothing (the list is not asked again)."""
    _application_id, _number, drafted_id = company_with_history
    sign_in(phone, "rudi")
    phone.goto("/my/applications")
    phone.wait_for_selector(f"#my-card-{drafted_id}")
    asked = []  # (search, status) of each list request from here on

    def heard(request):
        if "/_dash-update-component" in request.url:
            values = {item["id"]: item.get("value") for item in request.post_data_json.get("inputs", [])
                      if isinstance(item, dict)}
            if "my-status" in values:
                asked.append((values.get("my-search"), values["my-status"]))

    phone.on("request", heard)
    phone.click("#my-search")  # into the box and out of it without typing: nothing to send, the list stays
    phone.click("#shell-content h1")
    phone.wait_for_timeout(500)
    assert asked == []
    phone.fill("#my-search", "Manggis")
    phone.click("label:has-text('Dalam proses')")  # at once: well within the pause
    phone.wait_for_url("**/my/applications?q=Manggis&status=in_progress")
    expect(phone.locator("#my-list .qc-app-card")).to_have_count(1)
    expect(phone.locator(f"#my-card-{drafted_id}")).to_be_visible()
    phone.wait_for_timeout(600)  # the pause's own send of the same text comes after: it changes nothing
    assert phone.url.endswith("/my/applications?q=Manggis&status=in_progress")
    expect(phone.locator("#my-list .qc-app-card")).to_have_count(1)
    # No request ever asked for the status without the typed search (the race the load made visible).
    assert ("in_progress" in {status for _search, status in asked}
            and all(search == "Manggis" for search, status in asked if status == "in_progress")), asked
