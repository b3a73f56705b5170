"""A record of another section is refused saying whose section it is and the reader's: "Peran Anda tidak berhak
membuka halaman ini" (your role may not open this page) told a coordinator of animal quarantine, whose role opens
that page for their own section's records, something untrue of a plant record. Other refusals keep their words."""
from __future__ import annotations

import json
from datetime import date

import pytest

from models import Office
from support.compliance_data import gen_nnc
from support.factories import gen_application, gen_service_user
from support.web import dash_callback, switch_language


@pytest.fixture
def records(database):
    """An application and an NNC of each section at the home office, and an animal NNC of another office."""
    with database.session() as s:
        company = gen_service_user(s, name="PT Dua Bidang")
        far = Office(code="0400", name="BBKP Surabaya", timezone="Asia/Jakarta")
        s.add(far)
        s.flush()
        away = gen_service_user(s, name="PT Kantor Lain", office_id=far.id)
        found = {"plant_application": gen_application(s, company).id,
                 "animal_application": gen_application(s, company, section="animal").id,
                 "plant_nnc": gen_nnc(s, company, notice_date=date(2026, 3, 3)).id,
                 "animal_nnc": gen_nnc(s, company, notice_date=date(2026, 3, 3), section="animal").id,
                 "away_nnc": gen_nnc(s, away, notice_date=date(2026, 3, 3), section="animal").id}
        s.commit()
    return found


def _application_page(client, application_id: int) -> str:
    answer = dash_callback(client, "application-detail-body.children",
                           inputs=[{"id": "application-detail-id", "property": "data", "value": application_id}])
    assert answer.status_code == 200
    return json.dumps(answer.json, ensure_ascii=False)


def _nnc_page(app, client, nnc_id: int) -> str:
    key = next(k for k in app.callback_map if k.startswith("..nnc-detail-title.children"))
    answer = dash_callback(client, key, inputs=[{"id": "nnc-detail-id", "property": "data", "value": nnc_id},
                                                {"id": "nnc-detail-refresh", "property": "data", "value": 0}])
    assert answer.status_code == 200
    return json.dumps(answer.json["response"]["nnc-detail-content"], ensure_ascii=False)


def test_an_nnc_of_another_section_says_whose_section_it_is_and_the_readers_not_that_their_role_may_not(
        app, logged_in, records):
    client = logged_in("coordinator", section="animal")
    refused = _nnc_page(app, client, records["plant_nnc"])
    assert "Catatan ini milik bidang Karantina Tumbuhan, sedangkan Anda hanya dapat membuka catatan bidang " \
           "Karantina Hewan." in refused and "Di luar bidang Anda" in refused
    assert "Peran Anda" not in refused
    assert "qc-record-refused" in refused  # still the refusal alone on the page
    assert client.get(f"/nnc/{records['plant_nnc']}").status_code == 403  # the status unchanged
    assert "Di luar bidang Anda" not in _nnc_page(app, client, records["animal_nnc"])  # their own: the NNC


def test_an_application_of_another_section_names_both_sections_in_indonesian_then_english(logged_in, records):
    client = logged_in("coordinator", section="plant")
    assert "Permohonan ini milik bidang Karantina Hewan, sedangkan Anda hanya dapat membuka permohonan bidang " \
           "Karantina Tumbuhan." in _application_page(client, records["animal_application"])
    switch_language(client, "en")
    assert "This application belongs to the Animal quarantine section; you may open only the applications of the " \
           "Plant quarantine section." in _application_page(client, records["animal_application"])


def test_a_refusal_not_about_a_section_keeps_the_general_message(app, logged_in, records):
    """An NNC of another office is refused for its office, not its section: the general words stay."""
    refused = _nnc_page(app, logged_in("coordinator", section="animal"), records["away_nnc"])
    assert "Peran Anda tidak berhak membuka halaman ini." in refused and "bidang" not in refused
