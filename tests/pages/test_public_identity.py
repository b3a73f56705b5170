"""The public pages say who speaks: the agency's name, the station's and the Q-Corner emblem (issue #14)."""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from support.web import switch_language

PUBLIC_PAGES = ["/login", "/pengaduan", "/pengaduan/lacak?kode=PGD-0000-0000", "/survey/not-a-token",
                "/account/forgot", "/account/register"]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_carries_the_agency_the_station_and_the_emblem(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404, 410), response.status_code
    page = response.get_data(as_text=True)
    header = page.split('id="public-identity"', 1)[1].split("</header>", 1)[0]
    assert "Badan Karantina Indonesia" in header and "BBKP Soekarno-Hatta" in header  # the station's own row
    assert 'class="qc-emblem' in header
    # drawn by the stylesheet, so no page carries an <img> (the hostile tests read any <img> as an injection)
    assert '/assets/qc-emblem.svg' in client.get("/assets/qcorner.css").get_data(as_text=True)


def test_the_identity_follows_the_reader_language(client):
    switch_language(client, "en", "/login")
    assert "Indonesian Quarantine Authority" in client.get("/login").get_data(as_text=True)


def test_the_emblem_is_served_as_an_svg_of_our_own(client):
    response = client.get("/assets/qc-emblem.svg")
    assert response.status_code == 200
    root = ElementTree.fromstring(response.get_data())
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("aria-label") == "Q-Corner"
