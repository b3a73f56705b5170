"""axe-core (WCAG 2.1 A and AA) finds no serious or critical violation on any page, for any role, at 1440×900 and
390×844.

The pages come from the page registry (portal.pages.PAGES) and, for the public pages, from the Flask routes the
guard leaves open, so a page added later is checked without an edit here. A page's markup follows the permissions
of who opens it (a control is drawn only for those who may use it), so each page is checked in its fullest form, by
the role holding the most permissions (the admin: all of them but the service user's own pages), and every other
role checks its home page (its own navigation and landing) and the pages the fullest role cannot open. One browser
context per role; each page is checked wide, then narrowed to a phone's width. (Every role through every page it
may open took ~6 minutes of the suite's ~14 for the same pages drawn with fewer controls.)
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from support.browser import browser_login, screenshot, sign_in
from support.compliance_data import gen_nnc
from support.factories import HAPPY_PATH, gen_application, gen_certificate, gen_handler, gen_service_user
from support.kpi_data import gen_complaint
from support.portal_helpers import link_account
from models import StageEvent
from models.service_portal import SurveyInvitation
from portal import pages
from portal.security import guard
from portal.security.permissions import ROLES, ROLE_PERMISSIONS, home_page, needs_section
from portal.services import notifications

pytestmark = pytest.mark.browser
UTC = timezone.utc
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
           "resultTypes": ["violations"]}
BLOCKING = ("serious", "critical")
# Public routes that are no page a person reads: a health check, the icon, the files of the pages themselves,
# and the language switch, which only redirects.
NOT_PAGES = ("/healthz", "/favicon.ico", "/assets/", "/lang/", "/manifest.webmanifest", "/sw.js")  # no HTML
# Dash 4's dcc.Dropdown puts an invisible, aria-hidden <input> before its button whose only job is to pass the
# focus on to that (labelled) button the moment it arrives; axe reports it as a focusable hidden element. It is
# Dash's own markup (dash/dcc/async-dropdown.js), not a control anyone reaches, so it is left out of the check.
CONTEXT = {"exclude": [[".dash-dropdown-focus-target"]]}
AXE = Axe()  # reads the axe.min.js the package ships: nothing is fetched


@pytest.fixture
def small_office(database, make_user):
    """One account per role, a company with a finished application (survey invited, notifications sent), a
    handler, an NNC and a complaint: enough for every page to draw its full form, not its empty state."""
    for role in ROLES:
        make_user(f"a11y_{role}", role, "plant" if needs_section(role) else None,
                  email=f"{role}@contoh.invalid", full_name=f"Uji {role.title()}")
    now = datetime.now(UTC)
    with database.session() as session:
        company = gen_service_user(session, name="PT Aksesibel Nusantara")
        handler = gen_handler(session, name="PPJK Mudah Dibaca")
        link_account(session, "a11y_service_user", company, now - timedelta(days=30))
        application = gen_application(session, company, handler=handler, submitted_at=now - timedelta(days=3),
                                      step=timedelta(hours=4))
        gen_certificate(session, application, issued_at=now - timedelta(days=2))
        # Applications waiting at the stages whose badges were yellow and cyan ("Draf sertifikat", "Ditagih").
        for stages in (HAPPY_PATH[:4], HAPPY_PATH[:5]):
            gen_application(session, company, handler=handler, submitted_at=now - timedelta(hours=20), stages=stages)
        nnc = gen_nnc(session, company, notice_date=date.today() - timedelta(days=10), application=application)
        complaint = gen_complaint(session, "ADU-A11Y-01", "received", now - timedelta(days=1),
                                  date.today() + timedelta(days=4))
        events = [{"application_id": e.application_id, "stage": e.stage, "occurred_at": e.occurred_at}
                  for e in session.scalars(select(StageEvent).where(StageEvent.application_id == application.id))]
        notifications.enqueue_for_synced_events(session, events, [])
        invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.application_id == application.id))
        token = notifications.mint_survey_token(session, invitation)
        session.commit()
        return {"service_user_id": company.id, "handler_id": handler.id, "application_id": application.id,
                "nnc_id": nnc.id, "complaint_id": complaint.id, "token": token}


def _fill(path: str, arguments: dict) -> str:
    """The rule with each <converter:name> replaced by the record the fixture made for that name; a new argument
    name fails here, so the fixture must learn to make a record for it."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(arguments[m.group(1)]), path)


def _public_paths(app, arguments: dict) -> list[str]:
    paths = []
    for rule in app.server.url_map.iter_rules():
        if "GET" in rule.methods and guard.is_public(rule.rule) and not rule.rule.startswith(NOT_PAGES):
            paths.append(_fill(rule.rule, arguments))
    return sorted(set(paths))


FULLEST = max(ROLES, key=lambda role: len(ROLE_PERMISSIONS[role]))


def _pages_of(role: str, arguments: dict) -> list[str]:
    """Every page the role may open, for the fullest role; for another, its home page and the pages the fullest
    role cannot open."""
    def may_open(who):
        return [page.path for page in pages.PAGES if page.permission in ROLE_PERMISSIONS[who]]

    paths = may_open(role)
    if role != FULLEST:
        checked = set(may_open(FULLEST))
        paths = [path for path in paths if path == home_page(role) or path not in checked]
    return [_fill(path, arguments) for path in paths]


# True once the page has been drawn and no callback has been pending for 150 ms (polled; the renderer shows
# ._dash-loading-callback while any is, also one whose only output is a grid's rows): a callback's answer is
# drawn, and the next callback it sets off is marked loading, well within that. Playwright's "networkidle" waited
# 500 ms of silence on every page (a third of this file's time).
# A page the server writes whole (the login, the public complaint form) has no Dash entry point: settled at "load".
QUIET = """() => {
  const dash = document.getElementById('react-entry-point');
  const busy = dash !== null && (!dash.firstElementChild || document.querySelector(
    '[data-dash-is-loading="true"], ._dash-loading, ._dash-loading-callback') !== null);
  const now = performance.now();
  if (busy || window.qcQuietSince === undefined) { window.qcQuietSince = busy ? undefined : now; return false; }
  return now - window.qcQuietSince >= 150;
}"""


def _settled(tab) -> None:
    """Wait until Dash has drawn the page and no callback is still loading."""
    tab.wait_for_load_state("load")
    tab.wait_for_function(QUIET, polling=50)


def _contrast(node: dict) -> str:
    """For a contrast failure, the colours and ratio axe measured, so the message says what to change."""
    data = next((check.get("data") for check in node.get("any", []) if check["id"] == "color-contrast"), None)
    if not isinstance(data, dict) or "contrastRatio" not in data:
        return ""
    return f" ({data['fgColor']} on {data['bgColor']}: {data['contrastRatio']}:1)"


def _violations(tab, where: str) -> list[str]:
    found = []
    for violation in AXE.run(tab, context=CONTEXT, options=WCAG_AA).response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [", ".join(node["target"]) + _contrast(node) for node in violation["nodes"][:5]]
            found.append(f"{where}: {violation['id']} ({violation['impact']}) on {targets}")
    return found


# Labels the libraries write in English (AG Grid's paging panel, dbc's navbar toggler and close buttons), read out on
# Indonesian pages.
ENGLISH_LABELS = ["Toggle navigation", "Page Size", "First Page", "Previous Page", "Next Page", "Last Page", "Close"]


def _english_labels(tab, where: str) -> list[str]:
    found = tab.evaluate("""english => [...new Set([...document.querySelectorAll('[aria-label]')]
        .map(node => node.getAttribute('aria-label')).filter(label => english.includes(label)))]""", ENGLISH_LABELS)
    return [f"{where}: English label {label!r}" for label in found]


# A page of the portal opened inside the document already showing one, as the menu and a list's links open it (a
# pushState Dash's router hears): the title is emptied first, so the page counts as drawn once the router's answer
# has named it. Loading each page as a new document booted Dash again every time (≈ 0.8 s of the browser's CPU a page
# here, over half of a role's sweep); what axe reads, the page drawn in the portal's frame, is the same.
OPEN_INSIDE = """path => {
  document.title = '';
  window.qcQuietSince = undefined;
  window.history.pushState({}, '', path);
  window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));
}"""


def _open(tab, path: str) -> None:
    """The page at `path`, drawn and settled: inside the document when both it and the page shown are the portal's
    Dash pages, else loaded as a new document (the login, the public complaint and survey forms)."""
    inside = pages.match(path.split("?")[0]) is not None and tab.evaluate(
        "document.getElementById('shell-content') !== null")
    if inside:
        tab.evaluate(OPEN_INSIDE, path)
        tab.wait_for_function("() => document.title !== ''")
    else:
        tab.goto(path)
    _settled(tab)


def _check(tab, path: str) -> list[str]:
    tab.set_viewport_size(DESKTOP)
    _open(tab, path)
    found = _violations(tab, f"{path} 1440×900") + _english_labels(tab, path)
    tab.set_viewport_size(PHONE)
    tab.wait_for_timeout(50)  # one frame for the layout to follow the new width
    return found + _violations(tab, f"{path} 390×844")


@pytest.mark.parametrize("role", ("public",) + ROLES)
def test_no_serious_accessibility_violation_on_any_page(role, browser, live_server, app, small_office):
    context = browser.new_context(base_url=live_server, bypass_csp=True, locale="id-ID", viewport=DESKTOP)
    tab = context.new_page()
    tab.set_default_timeout(20000)
    try:
        if role == "public":
            paths = _public_paths(app, small_office)
            assert {"/login", "/pengaduan", "/pengaduan/lacak", f"/survey/{small_office['token']}"} <= set(paths)
        else:
            sign_in(tab, f"a11y_{role}")  # its home page is among the paths checked
            paths = _pages_of(role, small_office)
            assert paths
        found = [problem for path in paths for problem in _check(tab, path)]
    finally:
        context.close()
    assert not found, "\n".join(found)


def test_a_keyboard_user_skips_to_the_page_opens_a_row_with_enter_and_reads_each_page_title(page, make_user,
                                                                                           database):
    """The first Tab reaches the skip link; Enter on a focused grid row opens it (here the audit log's drawer, the
    same prop a click sets on every grid); the tab's title and <html lang> name the page and the language."""
    make_user("kunci_admin", "admin", full_name="Admin Papan Ketik")
    make_user("petugas_lama", "operator")
    browser_login(page, "kunci_admin")
    page.wait_for_url("**/admin/users")
    assert page.title() == "Pengguna · Q-Corner" and page.evaluate("document.documentElement.lang") == "id"

    page.goto("/admin/audit")
    page.wait_for_selector("#admin-audit-grid .ag-row")
    assert page.title() == "Log audit · Q-Corner"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "shell-skip"
    assert page.is_visible("#shell-skip")  # hidden until focused, then on screen
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "shell-main"

    assert not page.is_visible("#admin-audit-drawer")
    page.focus("#admin-audit-grid .ag-row[row-index='0'] .ag-cell")  # where Tab and the arrow keys bring a reader
    page.keyboard.press("Enter")
    page.wait_for_selector("#admin-audit-drawer.show")
    assert "Masuk" in page.inner_text("#admin-audit-detail")
    screenshot(page, "audit-drawer-keyboard")

    page.keyboard.press("Escape")
    page.click("#shell-nav-group-admin")
    page.click("#shell-nav-admin-sync")
    page.wait_for_function("document.title.startsWith('Sinkronisasi')")
