"""The inspection queue: today's decisions of the officer's office, selected first, filtered in the database; a
coordinator sees only their section's queue."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from models import Office
from portal.security.scope import scope_of
from portal.services.targeting.queue import queue_page
from portal.validation import Forbidden, InvalidInput
from support.factories import gen_application, gen_service_user, office_id, section_id
from support.hostile import find_key
from support.targeting_data import gen_decision
from support.web import dash_callback, pager_body, pager_state

UTC = timezone.utc
TZ = "Asia/Jakarta"
NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # 12:00 WIB


def _scope(session, role, section=None, office="0300"):
    return scope_of(SimpleNamespace(id=1, username=role, role=role, office_id=office_id(session, office),
                                    section_code=section, section_id=section_id(session, section) if section else None))


@pytest.fixture
def queue_day(session):
    """Today (2 March, WIB): plant selected by a flag, plant not selected, animal selected by the draw; yesterday one
    plant; another office one plant today."""
    company = gen_service_user(session, name="PT Antrian Satu")
    apps = {}
    for name, section, hours_ago, level, draw, flags in (
            ("plant_flag", "plant", 1, "reduced", 0.9, ("new_commodity",)),
            ("plant_clean", "plant", 2, "normal", 0.8, ()),
            ("animal_draw", "animal", 3, "normal", 0.1, ()),
            ("plant_yesterday", "plant", 20, "tightened", 0.3, ())):
        application = gen_application(session, company, section=section, submitted_at=NOW - timedelta(hours=hours_ago),
                                      stages=("submitted",))
        gen_decision(session, application, level=level, draw=draw, flags=flags,
                     decided_at=NOW - timedelta(hours=hours_ago) + timedelta(minutes=3))
        apps[name] = application
    other_office = Office(code="0400", name="BBKP Surabaya", timezone=TZ)
    session.add(other_office)
    session.flush()
    elsewhere = gen_service_user(session, name="PT Kantor Lain", office_id=other_office.id)
    apps["other_office"] = gen_application(session, elsewhere, submitted_at=NOW - timedelta(hours=1))
    gen_decision(session, apps["other_office"], decided_at=NOW - timedelta(minutes=50))
    session.commit()
    return apps


def _numbers(result):
    return [row["number"] for row in result["rows"]]


def test_operator_sees_todays_office_queue_selected_first(session, queue_day):
    result = queue_page(session, _scope(session, "operator"), {}, tz=TZ, now=NOW)

    assert _numbers(result) == [queue_day[n].number for n in ("plant_flag", "animal_draw", "plant_clean")]
    assert (result["total"], result["selected"]) == (3, 2)
    assert result["rows"][0]["flag_codes"] == ["new_commodity"] and result["rows"][0]["level"] == "reduced"


def test_coordinator_sees_only_their_sections_queue_whatever_the_filter_asks(session, queue_day):
    plant = _scope(session, "coordinator", "plant")
    animal = _scope(session, "coordinator", "animal")

    assert _numbers(queue_page(session, plant, {}, tz=TZ, now=NOW)) == [
        queue_day["plant_flag"].number, queue_day["plant_clean"].number]
    assert _numbers(queue_page(session, plant, {"section": "animal"}, tz=TZ, now=NOW)) == [
        queue_day["plant_flag"].number, queue_day["plant_clean"].number]
    assert _numbers(queue_page(session, animal, {}, tz=TZ, now=NOW)) == [queue_day["animal_draw"].number]


def test_roles_without_the_queue_and_coordinators_without_a_section_are_refused(session, queue_day):
    for scope in (_scope(session, "head"), _scope(session, "service_user"), _scope(session, "coordinator")):
        with pytest.raises(Forbidden):
            queue_page(session, scope, {}, tz=TZ, now=NOW)


def test_filters_narrow_the_queue_in_the_database(session, queue_day):
    operator = _scope(session, "operator")

    def numbers(**filters):
        return set(_numbers(queue_page(session, operator, filters, tz=TZ, now=NOW)))

    assert numbers(flag="new_commodity") == {queue_day["plant_flag"].number}
    assert numbers(level="normal") == {queue_day["animal_draw"].number, queue_day["plant_clean"].number}
    assert numbers(selected="no") == {queue_day["plant_clean"].number}
    assert numbers(section="animal") == {queue_day["animal_draw"].number}
    assert numbers(search=queue_day["plant_clean"].number[-6:]) == {queue_day["plant_clean"].number}
    assert numbers(day="2026-03-01") == {queue_day["plant_yesterday"].number}


def test_an_unknown_filter_value_is_refused_with_the_field_named(session, queue_day):
    with pytest.raises(InvalidInput) as refused:
        queue_page(session, _scope(session, "operator"), {"level": "lenient", "day": "kemarin"}, tz=TZ, now=NOW)
    assert set(refused.value.errors) == {"level", "day"}


def test_queue_page_lists_the_coordinators_section_with_reasons(app, logged_in, queue_day):
    client = logged_in("coordinator", "plant")
    values = {"queue-search.value": None, "queue-day.value": "2026-03-02", "queue-section.value": "plant",
              "queue-level.value": "all", "queue-selected.value": "all", "queue-flag.value": "all"}
    inputs = [{"id": key.rsplit(".", 1)[0], "property": key.rsplit(".", 1)[1], "value": value}
              for key, value in values.items()] + pager_body("queue")
    response = dash_callback(client, find_key(app, "queue-grid.rowData"), inputs=inputs,
                             state=pager_state("queue-page", 0))
    body = response.json["response"]
    rows = body["queue-grid"]["rowData"]

    assert [row["number"] for row in rows] == [queue_day["plant_flag"].number, queue_day["plant_clean"].number]
    assert rows[0]["reasons"] == "Komoditas baru bagi perusahaan" and rows[0]["selected_label"] == "Periksa"
    assert "Undian 80% ≥ 25%" in rows[1]["reasons"]  # the draw in the rate's unit
    assert "1 dipilih untuk diperiksa" in json.dumps(body["queue-summary"])


def test_a_draw_just_under_the_rate_never_reads_as_equal_to_it():
    from callbacks.targeting_queue import _draw_percent

    assert _draw_percent(0.0499) == "4,9%" and _draw_percent(0.012) == "1,2%" and _draw_percent(0.8) == "80%"
    assert _draw_percent(0.0) == "0%"


def test_a_consignment_of_several_commodities_names_how_many_more_lines_it_has(session, queue_day):
    """A flag may be about another line: "Manggis" alone beside "quantity far above usual" named the wrong goods."""
    from decimal import Decimal

    from callbacks.targeting_queue import grid_row
    from models import ApplicationCommodity

    application = queue_day["plant_flag"]
    for line, name in ((2, "Aglaonema"), (3, "Anggrek")):
        session.add(ApplicationCommodity(source_id=900 + line, application_id=application.id, line_no=line,
                                         commodity_name=name, quantity=Decimal("897"), unit="Batang",
                                         service_user_id=application.service_user_id,
                                         submitted_at=application.submitted_at))
    gone = ApplicationCommodity(source_id=999, application_id=application.id, line_no=4, commodity_name="Salak",
                                service_user_id=application.service_user_id, submitted_at=application.submitted_at,
                                deleted_at=NOW)  # deleted at the source: no line of the consignment
    session.add(gone)
    session.commit()
    rows = queue_page(session, _scope(session, "operator"), {}, tz=TZ, now=NOW)["rows"]
    shown = {row["number"]: grid_row(row, TZ)["commodity"] for row in rows}
    assert shown[application.number] == "Manggis (+2 lainnya)"
    assert shown[queue_day["plant_clean"].number] == "Manggis"
