"""Every staff list's search box filters while the reader types, without Enter (and Enter still works).

Each case builds two records that differ in the searched text, types a piece of one of them with the keyboard at
a person's speed and waits for the list to show it and no longer show the other. Before the shared search box
(layouts/components/search_box.py) the boxes sent their text only on Enter or on leaving the box, so the other
record stayed in the list.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from models import Complaint
from portal import audit
from portal.services.compliance import rollup as compliance_rollup
from support.browser import browser_login, screenshot, sign_in
from support.compliance_data import gen_nnc
from support.factories import gen_application, gen_service_user, office_id

pytestmark = pytest.mark.browser
UTC = timezone.utc


def _recently(days: int) -> datetime:
    return datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0) - timedelta(days=days)


def _nncs(s):
    company = gen_service_user(s, name="PT Kelapa Sawit Raya")
    gen_nnc(s, company, notice_date=date.today() - timedelta(days=20), number="GACC/NNC/2026/0101")
    gen_nnc(s, company, notice_date=date.today() - timedelta(days=10), number="MAFF/NNC/2026/0202")
    return "MAFF/NNC", "MAFF/NNC/2026/0202", "GACC/NNC/2026/0101"


def _applications(s):
    company = gen_service_user(s, name="PT Kopi Priangan")
    first = gen_application(s, company, submitted_at=_recently(3))
    second = gen_application(s, company, submitted_at=_recently(2))
    return second.number[-6:], second.number, first.number


def _complaints(s):
    for n, subject in enumerate(("Antrean pemeriksaan di gudang kargo", "Sertifikat terlambat dikirim")):
        s.add(Complaint(office_id=office_id(s), tracking_code=f"PGD-CARI-{n}", channel="web", category="service",
                        subject=subject, text="Mohon ditindaklanjuti.", due_date=date.today() + timedelta(days=5),
                        first_response_due=date.today() + timedelta(days=3)))
    return "Sertifikat", "Sertifikat terlambat dikirim", "Antrean pemeriksaan"


def _users(s):
    return "siti", "siti_rahma", "budi_santoso"


def _audit(s):
    audit.record(s, None, "siti_rahma", "user_created", "user", 1)
    audit.record(s, None, "budi_santoso", "user_created", "user", 2)
    return "siti", "siti_rahma", "budi_santoso"


def _companies(s):
    gen_service_user(s, name="PT Sejahtera Abadi Ekspor")
    gen_service_user(s, name="CV Mutiara Laut")
    return "Sejahtera", "PT Sejahtera Abadi Ekspor", "CV Mutiara Laut"


def _ranking(s):
    for name in ("PT Sinar Manggis Ekspor", "CV Anggrek Nusantara"):
        company = gen_service_user(s, name=name)
        for i in range(6):
            gen_application(s, company, submitted_at=_recently(10 + 20 * i))
    compliance_rollup.recompute_all(s)
    return "Anggrek", "CV Anggrek Nusantara", "PT Sinar Manggis Ekspor"


# (the list, its role, path, search box, where its rows are, the records) — `build` returns what to type, the
# text of the record it finds and the text of the record it leaves out.
LISTS = [
    ("nnc", "operator", "/nnc", "#nnc-text", ".qc-nnc-grid .ag-body", _nncs),
    ("applications", "operator", "/applications", "#applications-number", "#applications-grid .ag-body", _applications),
    ("complaints", "operator", "/complaints", "#complaints-text", "#complaints-grid .ag-body", _complaints),
    ("admin-users", "admin", "/admin/users", "#admin-users-search", "#admin-users-grid .ag-body", _users),
    ("admin-audit", "admin", "/admin/audit", "#admin-audit-user", "#admin-audit-grid .ag-body", _audit),
    ("admin-service-users", "admin", "/admin/service-users", "#admin-service-users-search",
     "#admin-service-users-results", _companies),
    ("rankings", "coordinator", "/rankings", "#rankings-search", "#rankings-grid .ag-body", _ranking),
]


@pytest.mark.parametrize("name, role, path, box, rows, build", LISTS, ids=[case[0] for case in LISTS])
def test_typing_in_the_search_box_filters_the_list_without_enter(page, database, make_user, name, role, path, box,
                                                                  rows, build):
    make_user("siti_rahma", "operator", full_name="Siti Rahmawati")
    make_user("budi_santoso", "operator", full_name="Budi Santoso")
    make_user(f"cari_{role}", role, "plant" if role == "coordinator" else None)
    with database.session() as s:
        typed, found, left_out = build(s)
        s.commit()
    sign_in(page, f"cari_{role}")
    page.goto(path)
    listed = page.locator(rows)
    expect(listed).to_contain_text(left_out)

    page.click(box)
    page.keyboard.type(typed, delay=60)  # no Enter, and the cursor stays in the box
    try:
        expect(listed).to_contain_text(found)
        expect(listed).not_to_contain_text(left_out)
    finally:
        screenshot(page, f"search-as-you-type-{name}")
    assert page.evaluate("document.activeElement.id") == box[1:]


def test_enter_searches_at_once_and_clearing_the_box_brings_the_list_back(page, database, make_user):
    make_user("siti_rahma", "operator", full_name="Siti Rahmawati")
    make_user("budi_santoso", "operator", full_name="Budi Santoso")
    make_user("cari_admin", "admin")
    browser_login(page, "cari_admin")
    page.wait_for_url("**/admin/users")
    listed = page.locator("#admin-users-grid .ag-body")
    expect(listed).to_contain_text("budi_santoso")
    page.fill("#admin-users-search", "siti")
    page.keyboard.press("Enter")
    expect(listed).not_to_contain_text("budi_santoso")
    expect(listed).to_contain_text("siti_rahma")
    page.fill("#admin-users-search", "")
    expect(listed).to_contain_text("budi_santoso")
