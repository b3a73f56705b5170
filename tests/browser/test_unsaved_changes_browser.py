"""Leaving a form with unsaved typing asks first, in Chromium (layouts/components/unsaved.py): a menu link changes the
page inside the browser, with no `beforeunload`, and used to drop what an officer had typed without a word. Staying
keeps the page and the typing; leaving goes; a saved form, or an untouched one, is left without a question."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.i18n import t
from portal.services.nnc import register as nnc
from support.browser import asks_on_reload, screenshot, settle, sign_in
from support.factories import gen_service_user
from support.nnc_helpers import actor, valid_nnc
from support.web import recorded_complaint

pytestmark = pytest.mark.browser

TYPED = "Papan alur layanan di loket; sosialisasi prosedur tiap Senin."
# The page's own words for the question (the shell draws them for assets/qc-shell.js), Indonesian by default.
QUESTION = t("edit.unsaved_leave", language="id")


class Dialogs:
    """The questions the page asks, answered as the test says (Playwright would dismiss each one unasked)."""

    def __init__(self, page):
        self.asked: list[str] = []
        self.answer = "dismiss"
        page.on("dialog", self._answer)

    def _answer(self, dialog) -> None:
        self.asked.append(dialog.message)
        dialog.accept() if self.answer == "accept" else dialog.dismiss()

    def after(self, page, count: int) -> list[str]:
        """The questions asked so far, once `count` have come (or 5 s have passed). Playwright may return from the
        click before it has run this handler (CI once read [] right after a click whose question kept the page)."""
        for _ in range(200):
            if len(self.asked) >= count:
                break
            page.wait_for_timeout(25)  # lets Playwright deliver the dialog event
        return self.asked


def test_leaving_a_changed_form_asks_first_and_a_saved_or_untouched_one_is_left_without_a_question(
        page, database, make_user):
    colleague = actor(database, make_user, "operator", username="petugas_nnc_lain")
    make_user("admin_tinggal", "admin")
    with database.session() as s:
        nnc_id = nnc.create_nnc(s, colleague, valid_nnc(s))["id"]
    dialogs = Dialogs(page)
    sign_in(page, "admin_tinggal")

    # The survey's follow-up plan: typed, then a menu link.
    page.goto("/survey-results")
    expect(page.locator("#survey-plan-text")).to_be_enabled(timeout=45000)  # the plan and its version are in
    asks_on_reload(page, False)  # untouched: nothing to ask
    page.fill("#survey-plan-text", TYPED)
    asks_on_reload(page, True)  # a reload or a closed tab is asked about (in the browser's own words)
    page.click("#shell-nav-nnc")
    assert dialogs.after(page, 1) == [QUESTION]
    # Staying: still the survey page, the typing where it was.
    assert page.url.endswith("/survey-results")
    expect(page.locator("#survey-plan-text")).to_have_value(TYPED)
    screenshot(page, "unsaved-plan-stayed")
    asks_on_reload(page, True)

    # Saved: the form stands on what it saved, and the link goes without a question.
    page.click("#survey-plan-save")
    expect(page.locator("#survey-plan-alert")).to_contain_text("Rencana tindak lanjut disimpan.")
    asks_on_reload(page, False)
    page.click("#shell-nav-nnc")
    page.wait_for_url("**/nnc")
    assert dialogs.asked == [QUESTION]

    # The NNC form: opened untouched, then changed and left by its Cancel link, accepted.
    page.goto(f"/nnc/{nnc_id}/edit")
    expect(page.locator("#nnc-form-commodity")).to_have_value("Manggis")  # the form has opened the NNC
    asks_on_reload(page, False)
    page.fill("#nnc-form-lot_number", "LOT-BELUM-DISIMPAN")
    asks_on_reload(page, True)
    page.fill("#nnc-form-lot_number", "")  # typed back as it opened: nothing changed
    asks_on_reload(page, False)
    page.fill("#nnc-form-commodity", "Manggis segar")
    asks_on_reload(page, True)
    dialogs.answer = "accept"
    page.click("#nnc-form-cancel")
    page.wait_for_url(f"**/nnc/{nnc_id}")
    assert dialogs.after(page, 2) == [QUESTION, QUESTION]
    asks_on_reload(page, False)  # the form is gone with its page


# What the page last found of a guarded form once it had compared it with values it opened: {changed, opened} (or
# null before that). A form compared before its stored values arrived has nothing to say yet.
COMPARED = """(guard) => {
    const found = window.qcUnsaved.compared(guard);
    return found && found.opened ? found : null;
}"""


def _left_untouched_asks_nothing(page, guard: str) -> None:
    """The form has opened its stored values and, once no callback is left to run, is not taken for changed: the
    values as the server sends them (2.0 hours, "0,005", a flag list, "Tetap", no assignee) read as they opened."""
    page.wait_for_function(COMPARED, arg=guard, timeout=45000)  # the survey plan comes after its charts
    settle(page, quiet_ms=300)
    assert page.evaluate(COMPARED, guard) == {"changed": False, "opened": True}, guard
    asks_on_reload(page, False)


def test_every_guarded_form_opened_untouched_is_left_without_a_question(page, database, make_user):
    """Each form's stored values, as drawn, compare equal to what it opened: a question on an untouched form would
    teach officers to click it away."""
    colleague = actor(database, make_user, "operator", username="petugas_asal")
    make_user("admin_diam", "admin")
    with database.session() as s:
        nnc_id = nnc.create_nnc(s, colleague, valid_nnc(s))["id"]
    complaint_id = recorded_complaint(database, make_user, "petugas_aduan", "Antrean loket")
    dialogs = Dialogs(page)
    sign_in(page, "admin_diam")
    for path, guards in ((f"/nnc/{nnc_id}/edit", ["nnc-form"]), (f"/nnc/{nnc_id}", ["nnc-detail-fu"]),
                         (f"/complaints/{complaint_id}", ["complaint"]), ("/kpi", ["kpi-sla"]),
                         ("/admin/compliance", ["admin-compliance", "admin-targeting"]),
                         ("/survey-results", ["survey-plan"])):
        page.goto(path)
        for guard in guards:
            _left_untouched_asks_nothing(page, guard)
    page.click("#shell-nav-nnc")
    page.wait_for_url("**/nnc")
    assert dialogs.asked == []


def test_the_browsers_back_button_asks_before_it_leaves_a_changed_form(page, make_user):
    """Back inside the portal is Dash's router answering `popstate` (no `beforeunload`): asked first too. Staying keeps
    the page, its address and the typing; leaving goes back to the page before."""
    make_user("admin_mundur", "admin")
    dialogs = Dialogs(page)
    sign_in(page, "admin_mundur")
    page.goto("/admin/users")
    page.click("#shell-nav-group-performance")
    page.click("#shell-nav-survey")  # a page change inside the browser: Back comes as `popstate`
    page.wait_for_url("**/survey-results")
    expect(page.locator("#survey-plan-text")).to_be_enabled(timeout=45000)
    page.fill("#survey-plan-text", TYPED)
    asks_on_reload(page, True)
    page.evaluate("document.getElementById('shell-skip').click()")  # a #anchor on the same page: nothing to ask
    page.wait_for_function("location.hash === '#shell-main'")
    assert dialogs.asked == []

    page.evaluate("history.back()")  # to the page without the #anchor: the same page, not asked either
    page.wait_for_function("location.hash === ''")
    page.evaluate("history.back()")
    expect(page.locator("#survey-plan-text")).to_have_value(TYPED)
    assert dialogs.after(page, 1) == [QUESTION] and page.url.endswith("/survey-results")
    page.wait_for_timeout(300)  # a router that had heard the Back would have drawn the accounts page by now
    expect(page.locator("#survey-plan-text")).to_have_value(TYPED)

    dialogs.answer = "accept"
    page.evaluate("history.back()")
    page.wait_for_url("**/admin/users")
    expect(page.locator("#survey-plan-text")).to_have_count(0)
    assert dialogs.after(page, 2) == [QUESTION, QUESTION]


def test_a_new_complaint_typed_in_its_dialog_asks_before_a_reload_and_a_saved_or_cancelled_one_leaves_it_empty(
        page, make_user):
    """The new-complaint dialog (its backdrop holds the menu off; Back, a reload or a closed tab do not wait): typing
    is asked about while it is open; a save or Cancel closes it and the next complaint starts from an empty form, not
    over the one just recorded or dropped."""
    make_user("operator_aduan", "operator")
    dialogs = Dialogs(page)
    sign_in(page, "operator_aduan")
    page.goto("/complaints")
    page.click("#complaints-new")
    expect(page.locator("#complaints-modal")).to_be_visible()
    asks_on_reload(page, False)  # opened untouched: channel and category at their defaults
    page.fill("#complaints-new-subject", "Antrean loket pemeriksaan")
    asks_on_reload(page, True)
    page.fill("#complaints-new-subject", "")
    asks_on_reload(page, False)  # typed back as it was
    page.select_option("#complaints-new-channel", "email")
    asks_on_reload(page, True)  # a default changed counts too
    page.fill("#complaints-new-subject", "Antrean loket pemeriksaan")
    page.fill("#complaints-new-text", TYPED)
    screenshot(page, "unsaved-complaint-typed")
    page.click("#complaints-new-save")
    expect(page.locator("#complaints-alert")).to_contain_text("Pengaduan tercatat dengan kode PGD-")
    expect(page.locator("#complaints-modal")).to_be_hidden()
    asks_on_reload(page, False)

    page.click("#complaints-new")
    expect(page.locator("#complaints-modal")).to_be_visible()
    expect(page.locator("#complaints-new-subject")).to_have_value("")
    expect(page.locator("#complaints-new-text")).to_have_value("")
    expect(page.locator("#complaints-new-channel")).to_have_value("phone")
    asks_on_reload(page, False)

    # Cancel drops the typing, as it says: it neither waits unseen in the closed dialog (lost without a question when
    # the page is left) nor comes back under the next complaint.
    page.fill("#complaints-new-subject", "Salah ketik, batal")
    page.select_option("#complaints-new-channel", "email")
    page.click("#complaints-new-cancel")
    expect(page.locator("#complaints-modal")).to_be_hidden()
    page.click("#complaints-new")
    expect(page.locator("#complaints-new-subject")).to_have_value("")
    expect(page.locator("#complaints-new-channel")).to_have_value("phone")
    asks_on_reload(page, False)
    # Closed by Esc (or its ×), no button's callback: dropped the same.
    page.fill("#complaints-new-subject", "Ditutup dengan Esc")
    page.keyboard.press("Escape")
    expect(page.locator("#complaints-modal")).to_be_hidden()
    page.click("#complaints-new")
    expect(page.locator("#complaints-new-subject")).to_have_value("")
    asks_on_reload(page, False)
    assert dialogs.asked == []


def test_guidance_typed_and_not_saved_asks_before_a_menu_link_leaves_it(page, make_user):
    """The guidance record opens nothing: it starts as drawn. (Saved, and the dialog's cancel reason:
    tests/browser/test_compliance_browser.py, which has a company to record guidance for.)"""
    make_user("koordinator_bimbing", "coordinator", "plant")
    dialogs = Dialogs(page)
    sign_in(page, "koordinator_bimbing")
    page.goto("/guidance")
    expect(page.locator("#guidance-notes")).to_be_visible()
    asks_on_reload(page, False)  # drawn with the officer's name, "done" and a visit: nothing typed
    page.fill("#guidance-notes", TYPED)
    asks_on_reload(page, True)
    page.click("#shell-nav-nnc")
    assert dialogs.after(page, 1) == [QUESTION]
    assert page.url.endswith("/guidance")
    expect(page.locator("#guidance-notes")).to_have_value(TYPED)
    page.select_option("#guidance-kind", "meeting")
    page.fill("#guidance-notes", "")
    asks_on_reload(page, True)  # the kind is still changed
    page.select_option("#guidance-kind", "visit")
    asks_on_reload(page, False)


def test_a_station_or_a_company_fix_typed_and_not_saved_asks_and_a_saved_one_is_emptied(page, database, make_user):
    """Admin › Perusahaan lintas UPT: a station half entered, or a reason typed for a record's move, asks before
    the page is left; a save empties its form, so the next one does not start from the last one's words."""
    make_user("admin_perusahaan", "admin")
    with database.session() as s:
        first = gen_service_user(s, tax_id="02.111.222.3-444.000", name="PT Sari Buah Tropis")
        gen_service_user(s, tax_id="02.111.222.3-444.000", name="PT SARI BUAH TROPIS", source_id=990001)
        s.flush()
        company_id = first.company_id
    sign_in(page, "admin_perusahaan")
    page.goto("/admin/companies")
    page.wait_for_selector("#admin-companies-office-code")
    asks_on_reload(page, False)
    page.fill("#admin-companies-office-code", "2100")
    asks_on_reload(page, True)
    page.fill("#admin-companies-office-name", "BBKP Surabaya")
    page.click("#admin-companies-office-timezone")
    page.locator(".dash-dropdown-option", has_text="WIB · Asia/Jakarta").click()  # a portal: not inside the control
    page.click("#admin-companies-office-add")
    expect(page.locator("#admin-companies-office-alert")).to_contain_text("2100")
    expect(page.locator("#admin-companies-office-code")).to_have_value("")
    expect(page.locator("#admin-companies-office-name")).to_have_value("")
    asks_on_reload(page, False)

    page.fill("#admin-companies-search", "Sari Buah Tropis")
    page.click(f"#admin-companies-grid .ag-row[row-id='{company_id}'] .ag-cell")
    page.wait_for_selector("#admin-companies-form:visible")
    asks_on_reload(page, False)  # a company shown: nothing typed yet
    page.click("#admin-companies-action label:has-text('Pisahkan')")
    page.fill("#admin-companies-reason", "Dua pemilik berbeda")
    asks_on_reload(page, True)
    page.click("#admin-companies-save")
    expect(page.locator("#admin-companies-alert")).to_have_class(re.compile("alert-success"))
    expect(page.locator("#admin-companies-reason")).to_have_value("")
    asks_on_reload(page, False)
    screenshot(page, "admin-companies-saved-form-emptied")
