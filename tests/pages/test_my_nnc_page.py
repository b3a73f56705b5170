"""A service user's NNC page: the application it names opens the user's own application page, and the officers'
bare "ditemukan" lookup badge is not shown to them."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest

from portal.i18n import t
from portal.services import service_user_links
from portal.services.nnc import register as nnc
from support.factories import gen_application, gen_service_user
from support.nnc_helpers import actor, valid_nnc
from support.web import dash_callback, login

DETAIL = "..my-nnc-detail-title.children...my-nnc-detail-content.children.."


def test_the_nncs_application_number_links_to_the_users_own_application_without_a_lookup_badge(
        client, database, make_user):
    operator = actor(database, make_user, "operator", username="petugas_nnc_link")
    with database.session() as s:
        company = gen_service_user(s, name="PT Tautan Permohonan")
        application = gen_application(s, company, submitted_at=datetime(2025, 2, 20, 1, 0, tzinfo=timezone.utc))
        recorded = nnc.create_nnc(s, operator, valid_nnc(s, number="GACC/LINK/1", service_user=company,
                                                         application_number=application.number))
        application_id, number = application.id, application.number
    created = make_user("pengguna_nnc_link", "service_user")
    with database.session() as s:
        service_user_links.link(s, None, created["id"], company.id)
    login(client, "pengguna_nnc_link")
    body = dash_callback(client, DETAIL, inputs=[{"id": "my-nnc-detail-id", "property": "data",
                                                  "value": recorded["id"]}])
    assert body.status_code == 200, body.get_data(as_text=True)[:300]
    content = json.dumps(body.json["response"]["my-nnc-detail-content"], ensure_ascii=False)
    assert f'"href": "/my/applications/{application_id}"' in content and number in content
    assert f'"{t("nnc.lookup.found")}"' not in content and f'"{t("nnc.lookup.not_found")}"' not in content


@pytest.mark.parametrize("language, country", [("en", "China"), ("id", "Tiongkok")])
def test_a_service_users_nnc_card_names_the_partner_country_in_their_language(app, language, country):
    """IQFast and the form keep "Tiongkok": an English card read "… · Received · Tiongkok"."""
    from flask import session as flask_session

    from layouts.my_nnc import nnc_card

    row = {"id": 1, "number": "GACC/1", "status": "received", "notice_date": date(2025, 3, 3), "flow": "received",
           "country": "Tiongkok", "commodity": "Manggis", "category": "pest", "party": "PT Negara"}
    with app.server.test_request_context():
        flask_session["lang"] = language
        text = json.dumps(nnc_card(row).to_plotly_json(), default=lambda c: c.to_plotly_json(), ensure_ascii=False)
    assert f' · {country}"' in text and ("Tiongkok" in text) == (language == "id")
