"""Security headers on every kind of response, and a Content-Security-Policy the real pages work under."""
from __future__ import annotations

from datetime import date

import pytest

from support.browser import browser_login, screenshot, sign_in
from support.kpi_data import build_recent
from portal.security.headers import policy
from portal.services.kpi.rollup import refresh_kpi_rollups


@pytest.mark.parametrize("path", ["/login", "/pengaduan", "/healthz", "/assets/qcorner.css", "/nope"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "'unsafe-eval'" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_the_index_page_inline_scripts_are_allowed_by_hash(app, logged_in):
    response = logged_in("head").get("/kpi")
    hashes = app.csp_hashes()
    assert hashes and all(h.startswith("'sha256-") for h in hashes)
    assert "<script" in response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == policy(hashes)


def test_strict_transport_security_only_when_served_over_https(client, settings):
    from portal import create_app

    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = create_app(settings.model_copy(update={"cookie_secure": True}))
    assert secure.server.test_client().get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.browser
def test_pages_with_charts_grids_and_forms_run_without_a_single_policy_violation(browser, live_server, make_user,
                                                                                 session):
    """Chromium reports every blocked script, style or image; the portal's pages must cause none."""
    from support.browser import PAGE_OPTIONS, PHONE_OPTIONS

    page = browser.new_context(base_url=live_server, **PAGE_OPTIONS).new_page()  # the policy enforced
    phone = browser.new_context(base_url=live_server, **PHONE_OPTIONS).new_page()
    build_recent(session, date.today())
    refresh_kpi_rollups(session)
    session.commit()
    make_user("kepala_csp", "head")
    make_user("admin_csp", "admin")
    violations = []
    for tab in (page, phone):
        tab.on("console", lambda message: violations.append(message.text)
               if "Content Security Policy" in message.text else None)
        tab.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                            "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + "
                            "e.blockedURI))")
    page.goto("/pengaduan")
    page.wait_for_selector("form")
    browser_login(page, "kepala_csp")
    page.wait_for_url("**/kpi")
    page.wait_for_selector("#kpi-value-certificates")
    page.wait_for_selector(".js-plotly-plot .main-svg")
    page.goto("/rankings")
    page.wait_for_selector(".ag-root")
    page.goto("/applications")
    page.wait_for_selector(".ag-root")
    page.wait_for_timeout(500)
    screenshot(page, "csp-applications")
    sign_in(phone, "admin_csp")
    phone.goto("/nnc/new")
    phone.wait_for_selector("#nnc-form-number")
    phone.wait_for_timeout(500)
    page.context.close()
    phone.context.close()
    assert not violations, violations


def test_behind_a_trusted_proxy_each_visitor_has_their_own_rate_limit(settings):
    """Without ProxyFix every citizen behind nginx would share the proxy's address, and one rate-limit budget."""
    from portal import create_app

    def posts(app, addresses):
        client = app.server.test_client()
        codes = []
        for address in addresses:
            codes.append(client.get("/pengaduan/lacak?kode=QC-XXXX", headers={"X-Forwarded-For": address}).status_code)
        return codes

    behind_proxy = create_app(settings.model_copy(update={"trusted_proxies": 1}))
    direct = create_app(settings)
    many = [f"10.0.0.{n}" for n in range(35)]  # the tracking page allows 30 a minute per address
    assert 429 not in posts(behind_proxy, many)  # 35 visitors, each within their own limit
    assert 429 in posts(direct, many)  # no proxy trusted: the header is ignored, the one address is limited


@pytest.mark.parametrize("path", ["/account/invite/tok3n-from-an-email", "/account/reset/tok3n-from-an-email",
                                  "/account/register/tok3n-from-an-email", "/survey/tok3n-from-an-email"])
def test_a_page_whose_address_carries_a_token_is_never_cached(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_everything_a_signed_in_person_is_sent_is_never_cached_but_static_files_are(logged_in):
    client = logged_in("operator")
    for path in ("/nnc", "/help", "/_dash-layout", "/_dash-dependencies", "/logout"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in client.get("/assets/qcorner.css").headers.get("Cache-Control", "")


def test_the_built_in_server_names_no_versions(app):
    """`qcorner serve`'s server says "Q-Corner", not Werkzeug's and Python's versions (gunicorn's: test_scale_out)."""
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    from portal.cli.main import UnversionedRequestHandler

    server = make_server("127.0.0.1", 0, app.server, threaded=True, request_handler=UnversionedRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/login") as response:
            assert response.headers["Server"] == "Q-Corner"
    finally:
        server.shutdown()
