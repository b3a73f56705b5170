"""The service users' installable app in real Chromium (issue 20): installable, the worker active, the last-seen
application readable with the network off, the Indonesian offline page for anything else, and no officer's page or
answer ever in the worker's cache."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from support.browser import CHROMIUM, CHROMIUM_ARGS, PHONE_OPTIONS, browser_login, browser_logout, screenshot
from support.factories import gen_application, gen_service_user
from support.portal_helpers import link_account

pytestmark = pytest.mark.browser
NOW = datetime.now(timezone.utc)

# Every address in every cache the page's origin holds (the worker's caches are the origin's).
CACHED_PATHS = """async () => {
  const paths = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
  }
  return paths;
}"""


@pytest.fixture
def exporter(database, make_user):
    make_user("sari_pwa", "service_user", full_name="Sari Wulandari")
    with database.session() as session:
        company = gen_service_user(session, name="PT Salak Pondoh Ekspor")
        link_account(session, "sari_pwa", company)
        application = gen_application(session, company, submitted_at=NOW - timedelta(hours=6),
                                      step=timedelta(hours=1), stages=("submitted", "verified", "inspected"),
                                      commodity="Salak pondoh")
        return application.id, application.number


@pytest.fixture
def installable_phone(browser, live_server, tmp_path):
    """A phone-sized tab in a browser profile on disk: Chromium installs no app from an incognito context (a
    fresh context is one: 'in-incognito'), so this one is launched with a profile of its own. The portal's
    Content-Security-Policy stays on: the worker and the manifest must load under it."""
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
        base_url=live_server, **PHONE_OPTIONS)
    tab = context.pages[0] if context.pages else context.new_page()
    tab.set_default_timeout(15000)
    yield tab
    context.close()


def _open_user_menu(tab) -> None:
    tab.wait_for_selector("#shell-user-name", state="attached")  # the shell is drawn (the toggler shows or not)
    if tab.locator("#shell-navbar-toggler").is_visible():
        tab.click("#shell-navbar-toggler")
        tab.wait_for_selector("#shell-navbar-collapse.show:not(.collapsing)")
    tab.click("#shell-user-name")


def _kept(tab, path: str) -> None:
    """Wait until the worker says it keeps the copy of the page at `path` (assets/qc-pwa.js marks <html>)."""
    tab.wait_for_selector(f'html[data-qc-kept="{path}"]', state="attached")


def test_the_app_installs_and_shows_the_last_seen_application_offline(installable_phone, exporter):
    phone = installable_phone
    application_id, number = exporter
    browser_login(phone, "sari_pwa")
    phone.wait_for_url("**/my/applications")
    _kept(phone, "/my/applications")
    cdp = phone.context.new_cdp_session(phone)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    assert phone.evaluate("navigator.serviceWorker.ready.then(r => r.active.state)") == "activated"
    phone.wait_for_selector("html.qc-can-install", state="attached")  # Chromium offered the install
    _open_user_menu(phone)
    expect(phone.locator("#shell-install")).to_contain_text("Pasang aplikasi")
    screenshot(phone, "pwa-install-menu")

    phone.goto(f"/my/applications/{application_id}")
    expect(phone.locator("#my-application-number")).to_have_text(number)
    _kept(phone, f"/my/applications/{application_id}")

    phone.context.set_offline(True)
    phone.goto(f"/my/applications/{application_id}")
    expect(phone.locator("#pwa-copy-number")).to_have_text(number)
    expect(phone.locator("#pwa-copy-banner")).to_contain_text("Anda sedang luring")
    assert "default-src 'self'" in phone.evaluate(
        f"caches.open('qc-pages').then(c => c.match('/my/applications/{application_id}'))"
        ".then(r => r.headers.get('Content-Security-Policy'))"), "the copy lost the portal's policy"
    screenshot(phone, "pwa-offline-application")
    phone.goto("/my/applications")
    expect(phone.locator(f"#pwa-copy-card-{application_id}")).to_contain_text(number)
    phone.goto("/my/nnc")  # never opened on this phone: nothing kept
    expect(phone.locator("#pwa-offline")).to_contain_text("Anda sedang luring")
    screenshot(phone, "pwa-offline-page")
    phone.context.set_offline(False)


def test_officers_pages_are_never_in_the_service_workers_cache(page, exporter, make_user):
    application_id, _ = exporter
    browser_login(page, "sari_pwa")  # the worker is installed on this browser by a service user first
    page.wait_for_url("**/my/applications")
    _kept(page, "/my/applications")
    browser_logout(page)
    assert not any(path.startswith("/my/") for path in page.evaluate(CACHED_PATHS)), "the copies outlived logout"

    make_user("petugas_pwa", "operator", section="plant")
    browser_login(page, "petugas_pwa")
    page.wait_for_selector("#shell-user-name", state="attached")
    for path in ("/applications", f"/applications/{application_id}", "/nnc"):
        page.goto(path)
        page.wait_for_selector("#shell-content > *", state="attached")
    assert page.evaluate("navigator.serviceWorker.controller !== null"), "the worker does not see these pages"
    cached = page.evaluate(CACHED_PATHS)
    assert cached, "the worker kept not even the static files"
    kept_data = [p for p in cached if not p.startswith(("/assets/", "/_dash-component-suites/"))
                 and p not in ("/offline", "/manifest.webmanifest")]
    assert kept_data == []


IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")


def test_on_an_iphone_the_menu_says_how_to_add_the_app_to_the_home_screen(browser, live_server, exporter):
    context = browser.new_context(base_url=live_server, user_agent=IPHONE, **PHONE_OPTIONS)
    try:
        tab = context.new_page()
        browser_login(tab, "sari_pwa")
        tab.wait_for_url("**/my/applications")
        _open_user_menu(tab)
        expect(tab.locator("#shell-install-ios")).to_contain_text("Tambah ke Layar Utama")
        expect(tab.locator("#shell-install")).to_be_hidden()  # Safari has no install prompt to offer
        screenshot(tab, "pwa-install-hint-iphone")
    finally:
        context.close()


def test_an_upgraded_chart_bundle_takes_the_old_ones_place_in_the_workers_cache(page, exporter):
    """The worker keeps one copy per path of a versioned static file. The vendored plotly bundle (1.2 MB) once had its
    version in its name, so each upgrade left the old file in the phone's cache for good; its version is now in the
    query of the address assets/qc-plotly.js names, and the newer copy replaces the older one."""
    browser_login(page, "sari_pwa")
    page.wait_for_url("**/my/applications")
    _kept(page, "/my/applications")
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    named = page.evaluate("""async () => {
      const script = await (await fetch("/assets/qc-plotly.js")).text();
      return script.match(/"(vendor\\/[^"]+)"/)[1];
    }""")
    assert named.startswith("vendor/plotly-basic.min.js?v="), named
    # The copy an older release left (the same file under an older version), then the page asking for the current.
    for address in ("/assets/vendor/plotly-basic.min.js?v=0.0.1", f"/assets/{named}"):
        assert page.evaluate("(address) => fetch(address).then((answer) => answer.ok)", address)
    kept = page.evaluate("""async () => {
      const found = [];
      for (const request of await (await caches.open("qc-shell-v1")).keys()) {
        const url = new URL(request.url);
        if (url.pathname.startsWith("/assets/vendor/")) found.push(url.pathname + url.search);
      }
      return found;
    }""")
    assert kept == [f"/assets/{named}"]
