"""Filters in the address, in real Chromium: the address follows the filters without adding Back steps, and a
reload or the same link in another browser opens the same filtered list."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from models import Complaint
from support.browser import PAGE_OPTIONS, screenshot, sign_in
from support.factories import office_id

pytestmark = pytest.mark.browser


@pytest.fixture
def complaints(database, make_user):
    make_user("petugas_pengaduan", "operator")
    with database.session() as s:
        for n, (subject, status) in enumerate((("Antrean pemeriksaan di gudang kargo", "new"),
                                               ("Sertifikat terlambat dikirim", "new"),
                                               ("Sertifikat salah nama", "closed"))):
            s.add(Complaint(office_id=office_id(s), tracking_code=f"PGD-URL-{n}", channel="web", category="service",
                            subject=subject, text="Mohon ditindaklanjuti.", status=status,
                            due_date=date.today() + timedelta(days=5),
                            first_response_due=date.today() + timedelta(days=3)))
        s.commit()


def test_the_address_keeps_the_filters_for_a_reload_and_a_shared_link(page, browser, live_server, complaints):
    sign_in(page, "petugas_pengaduan")
    page.goto("/complaints")
    listed = page.locator("#complaints-grid .ag-body")
    expect(listed).to_contain_text("Antrean pemeriksaan")
    steps = page.evaluate("window.history.length")

    page.click("#complaints-text")
    page.keyboard.type("Sertifikat", delay=40)
    page.select_option("#complaints-status", "new")
    expect(page).to_have_url(re.compile(r"/complaints\?q=Sertifikat&status=new$"))
    expect(listed).not_to_contain_text("Antrean pemeriksaan")
    expect(listed).not_to_contain_text("salah nama")
    assert page.evaluate("window.history.length") == steps  # rewritten in place, not one Back step per filter
    shared = page.url

    page.reload()
    expect(page.locator("#complaints-text")).to_have_value("Sertifikat")
    expect(page.locator("#complaints-status")).to_have_value("new")
    expect(listed).to_contain_text("Sertifikat terlambat dikirim")
    expect(listed).not_to_contain_text("salah nama")
    screenshot(page, "complaints-filters-from-the-address")

    # A row opens its own page (without the list's filters in its address), and Back finds the list as it was.
    page.click("#complaints-grid .ag-row:has-text('Sertifikat terlambat dikirim') [col-id='subject']")
    page.wait_for_url(re.compile(r"/complaints/\d+$"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/complaints\?q=Sertifikat&status=new$"))
    expect(page.locator("#complaints-status")).to_have_value("new")
    expect(listed).not_to_contain_text("salah nama")

    colleague = browser.new_context(base_url=live_server, bypass_csp=True, **PAGE_OPTIONS)
    other = colleague.new_page()
    sign_in(other, "petugas_pengaduan")
    other.goto(shared)
    expect(other.locator("#complaints-status")).to_have_value("new")
    expect(other.locator("#complaints-grid .ag-body")).to_contain_text("Sertifikat terlambat dikirim")
    expect(other.locator("#complaints-grid .ag-body")).not_to_contain_text("Antrean pemeriksaan")
    colleague.close()
