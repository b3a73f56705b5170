"""Every grid speaks Indonesian, also when it is empty, and writes numbers one way (2.284), in real Chromium.

AG Grid falls back to its English "No Rows To Show" when its Indonesian text is refused (dash-ag-grid's HTML guard
refused the old overlay template and logged it on every grid page); a count handed over as text, or a column not
typed numeric, showed 2284 next to 2.284.
"""
from __future__ import annotations

from datetime import date

import pytest

from support.browser import browser_login, sign_in
from support.factories import gen_service_user
from models import ComplianceMonthly, Section
from portal.domain.periods import add_months, month_start
from portal.i18n import t
from portal.services.compliance import ranking
from sqlalchemy import select

pytestmark = pytest.mark.browser

# (role, section, page, grid, its empty text): every grid of layouts/ (all through layouts/components/grid.py), on
# a station with no data.
GRIDS = [
    ("coordinator", "plant", "/rankings", "rankings-grid", "rankings.no_rows"),
    ("coordinator", "plant", "/priority", "priority-grid", "priority.no_rows"),
    ("coordinator", "plant", "/guidance", "guidance-grid", "guidance.no_rows"),
    ("coordinator", "plant", "/guidance", "guidance-records-grid", "guidance.no_records"),
    ("coordinator", "plant", "/applications", "applications-grid", "applications.no_rows"),
    ("operator", None, "/nnc", "nnc-grid", "nnc.no_rows"),
    ("operator", None, "/complaints", "complaints-grid", "grid.no_rows"),
    ("admin", None, "/admin/users", "admin-users-grid", "grid.no_rows"),
    ("admin", None, "/admin/audit", "admin-audit-grid", "grid.no_rows"),
    ("admin", None, "/admin/sync", "admin-sync-runs-grid", "admin_sync.no_runs"),
]


def _grid_warnings(messages: list[str]) -> list[str]:
    return [m for m in messages if "AG Grid" in m or "ag-grid" in m.lower() or "No Rows" in m]


@pytest.mark.parametrize("role", sorted({g[0] for g in GRIDS}))
def test_every_grid_shows_its_empty_state_in_indonesian_and_logs_no_grid_warning(page, make_user, role):
    grids = [g for g in GRIDS if g[0] == role]
    make_user(f"grid_{role}", role, grids[0][1])
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    browser_login(page, f"grid_{role}")
    page.wait_for_load_state("networkidle")
    for _role, _section, path, grid_id, empty_key in grids:
        page.goto(path)
        page.wait_for_selector(f"#{grid_id} .ag-root")
        # Either rows, or the grid's own "no rows" overlay in the reader's language.
        page.wait_for_selector(f"#{grid_id} .ag-row, #{grid_id} .ag-overlay-no-rows-wrapper, "
                               f"#{grid_id} .ag-overlay-no-rows-center")
        page.wait_for_load_state("networkidle")
        text = page.inner_text(f"#{grid_id}")
        assert "No Rows To Show" not in text and "Loading" not in text, (path, grid_id, text[-200:])
        if page.locator(f"#{grid_id} .ag-row").count() == 0:
            assert page.inner_text(f"#{grid_id} .ag-overlay").strip() == t(empty_key, "id"), (path, grid_id)
    assert _grid_warnings(console) == []


def test_counts_in_a_grid_have_thousands_separators_like_the_rest_of_the_page(page, make_user, database):
    """A company with 2.284 consignments this year: the ranking writes 2.284, never 2284."""
    with database.session() as s:
        big = gen_service_user(s, name="PT Ekspor Besar Sekali")
        plant = s.scalar(select(Section.id).where(Section.code == "plant"))
        s.add(ComplianceMonthly(office_id=big.office_id, service_user_id=big.id, section_id=plant, direction="export",
                                commodity_id=None, month=month_start(add_months(date.today(), -1)), n=2284, d=0,
                                r=0, x=0, k=0))
        s.flush()
        ranking.refresh_scores(s)
    make_user("grid_numbers", "coordinator", "plant")
    sign_in(page, "grid_numbers")
    page.goto("/rankings")
    page.wait_for_selector("#rankings-grid .ag-row:has-text('PT Ekspor Besar Sekali')")
    row = page.locator("#rankings-grid .ag-center-cols-container .ag-row").first
    assert row.locator("[col-id='consignments']").inner_text().strip() == "2.284"
    cells = page.locator("#rankings-grid .ag-cell").all_inner_texts()
    assert not [c for c in cells if c.strip().isdigit() and len(c.strip()) >= 4]
