"""The service users' installable app on the server side (issue 20): the manifest, the worker and the offline page
are public and static; the read-only copies the worker keeps sit behind the login and show only the viewer's own
company; only the service users' pages link the manifest."""
from __future__ import annotations

import pytest

from support.factories import gen_application, gen_service_user
from support.portal_helpers import link_account
from support.web import login


@pytest.fixture
def exporter(client, session, make_user):
    make_user("eksportir_pwa", "service_user")
    mine, theirs = gen_service_user(session, name="PT Salak Ekspor"), gen_service_user(session, name="PT Lain")
    link_account(session, "eksportir_pwa", mine)
    own = gen_application(session, mine, commodity="Salak pondoh")
    other = gen_application(session, theirs, commodity="Kopi luwak")
    session.commit()
    return {"own": own, "other": other}


def test_the_manifest_is_public_and_names_the_app_in_indonesian(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = response.json
    assert manifest["name"] == "Q-Corner Karantina" and manifest["lang"] == "id"
    assert manifest["start_url"] == "/my/applications" and manifest["display"] == "standalone"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"


def test_the_service_worker_is_served_from_the_root_and_never_cached_by_http(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-store" in response.headers["Cache-Control"] or "no-cache" in response.headers["Cache-Control"]
    assert "worker-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_offline_page_is_public_and_says_so_in_indonesian(client):
    response = client.get("/offline")
    assert response.status_code == 200
    assert "Anda sedang luring" in response.get_data(as_text=True)


def test_the_copies_need_a_login(client, exporter):
    response = client.get(f"/my/offline/applications/{exporter['own'].id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_list_copy_shows_only_the_viewers_company(client, exporter):
    login(client, "eksportir_pwa")
    text = client.get("/my/offline/applications").get_data(as_text=True)
    assert exporter["own"].number in text and exporter["other"].number not in text
    assert "Anda sedang luring" in text


@pytest.mark.parametrize("language, country", [("id", "Tiongkok"), ("en", "China")])
def test_the_offline_copies_say_where_a_consignment_goes_in_the_readers_language(client, session, make_user,
                                                                                language, country):
    """The detail copy read the detail's joined "origin"/"destination", which it no longer holds: both showed "–".
    The list copy said "→ Indonesia" of every import and dropped the other lines; it says its cards' words now."""
    make_user(f"eksportir_luring_{language}", "service_user", language=language)
    company = gen_service_user(session, name=f"PT Luring {language.upper()}")
    link_account(session, f"eksportir_luring_{language}", company)
    shipped = gen_application(session, company, commodity="Manggis", destination_country="Tiongkok",
                              destination_place="Guangzhou", origin_country="Indonesia", origin_place="Tangerang")
    gen_application(session, company, direction="import", commodity="Apel segar", origin_country="Tiongkok",
                    destination_country="Indonesia")
    session.commit()
    login(client, f"eksportir_luring_{language}")
    detail = client.get(f"/my/offline/applications/{shipped.id}").get_data(as_text=True)
    assert f"Guangzhou, {country}" in detail and "Tangerang, Indonesia" in detail
    # each line's quantity, as online ("1.200 kg"): a user at the cargo area checks it against the goods
    assert ("1.200 kg" if language == "id" else "1,200 kg") in detail
    listing = client.get("/my/offline/applications").get_data(as_text=True)
    to, source = ("ke", "dari") if language == "id" else ("to", "from")
    assert f"Manggis {to} {country}" in listing and f"Apel segar {source} {country}" in listing
    assert "→" not in listing
    assert 'href="/assets/my_portal.css"' in listing  # the cards' styles: a long stage badge wraps on a phone


def test_the_detail_copy_of_another_companys_application_is_refused(client, exporter):
    login(client, "eksportir_pwa")
    own = client.get(f"/my/offline/applications/{exporter['own'].id}")
    assert own.status_code == 200 and exporter["own"].number in own.get_data(as_text=True)
    assert own.headers["Cache-Control"] == "no-store"
    assert client.get(f"/my/offline/applications/{exporter['other'].id}").status_code in (403, 404)


def test_an_officer_cannot_open_the_copies(logged_in, exporter):
    client = logged_in("operator")
    assert client.get("/my/offline/applications").status_code == 403


def test_the_service_users_pages_link_the_manifest(client, exporter):
    login(client, "eksportir_pwa")
    assert 'rel="manifest"' in client.get("/my/applications").get_data(as_text=True)


def test_the_officers_pages_are_no_installable_app(logged_in):
    officer = logged_in("operator")
    assert 'rel="manifest"' not in officer.get("/applications").get_data(as_text=True)


def test_the_offline_copies_colour_each_stage_as_the_pages_do(client, session, exporter):
    """Offline every badge was grey: "Tagihan terbit" yellow and "Sertifikat terbit" green online, the same grey
    in the copy a user opens at the cargo area without a signal."""
    from layouts.my import stage_badge

    login(client, "eksportir_pwa")
    own = exporter["own"]
    stage = own.current_stage
    online = stage_badge(stage).className.split()
    tone = next(name for name in online if name.startswith("bg-"))
    assert tone != "bg-secondary" or stage is None
    listing = client.get("/my/offline/applications").get_data(as_text=True)
    detail = client.get(f"/my/offline/applications/{own.id}").get_data(as_text=True)
    assert f'class="badge {tone} text-wrap qc-stage-badge"' in listing
    assert f'class="badge {tone} text-wrap" id="pwa-copy-stage"' in detail
