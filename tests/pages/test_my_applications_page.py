"""The service user's applications page: the search box and stage filter reach the paged list, a search that
finds nothing says what was searched, and the open surveys are one compact banner however many there are."""
from __future__ import annotations

import functools
import json
from datetime import datetime, timedelta, timezone

import pytest

from models.service_portal import SurveyInvitation
from portal.services import my_applications
from support.factories import gen_application, gen_service_user
from support.portal_helpers import link_account, my_list
from support.web import login, readable

NOW = datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def forwarder(client, session, make_user):
    make_user("ekspedisi_p", "service_user")
    company = gen_service_user(session, name="PT Ekspedisi Halaman")
    link_account(session, "ekspedisi_p", company)
    apps = [gen_application(session, company, submitted_at=NOW - timedelta(days=n + 1), commodity=commodity)
            for n, commodity in enumerate(("Kopi arabika", "Manggis", "Vanili", "Lada putih", "Pala", "Cengkih"))]
    session.commit()
    login(client, "ekspedisi_p")
    return {"company": company, "apps": apps}


def _list(app, client, search=None, stage="all", date_from=None, date_to=None):
    response = my_list(app, client, search, stage, date_from, date_to, changed=["my-search.value"])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def test_typing_a_number_or_commodity_narrows_the_list(app, client, forwarder):
    apps = forwarder["apps"]
    everything = readable(json.dumps(_list(app, client)["my-list"]))
    assert all(a.number in everything for a in apps)
    by_number = readable(json.dumps(_list(app, client, search=apps[4].number[-6:])["my-list"]))
    assert apps[4].number in by_number and apps[0].number not in by_number
    by_commodity = _list(app, client, search="vanili")
    assert apps[2].number in readable(json.dumps(by_commodity["my-list"]))
    assert apps[1].number not in readable(json.dumps(by_commodity["my-list"]))
    assert by_commodity["my-count"]["children"] == "Menampilkan 1–1 dari 1"


def test_a_search_without_match_says_what_was_searched(app, client, forwarder):
    body = _list(app, client, search="durian montong")
    assert body["my-list"]["children"][0]["props"]["children"] == \
        'Tidak ada permohonan dengan nomor atau komoditas "durian montong" pada filter ini.'


def test_the_stage_filter_reaches_the_list(app, client, forwarder):
    body = json.dumps(_list(app, client, stage="submitted")["my-list"])
    assert "Tidak ada permohonan" in body  # every application went on to handed_over
    assert forwarder["apps"][0].number in readable(json.dumps(_list(app, client, stage="handed_over")["my-list"]))


def test_five_open_surveys_are_one_compact_banner(app, client, session, forwarder):
    for n, application in enumerate(forwarder["apps"][:5]):
        session.add(SurveyInvitation(application_id=application.id, service_user_id=forwarder["company"].id,
                                     invited_at=NOW - timedelta(hours=n), expires_at=NOW + timedelta(days=25)))
    session.commit()
    body = _list(app, client)  # the list's first answer draws them
    banner = body["my-surveys"]["children"]
    assert banner["type"] == "Alert" and banner["props"]["id"] == "my-surveys-banner"  # one, not five
    text = json.dumps(banner)
    assert "5 survei menunggu" in text and text.count("/my/survey/") == 5


def test_the_surveys_and_levels_come_with_the_list_s_first_answer_and_are_left_as_drawn_by_the_next(
        app, client, forwarder):
    """Drawn above the filters by an answer of their own, after the list's, they pushed the search and the status
    down under the reader's finger; now drawn once, under the filters, by the list's first answer."""
    first = my_list(app, client)
    assert first.status_code == 200
    assert set(first.json["response"]) >= {"my-list", "my-surveys", "my-levels"}
    assert first.json["response"]["my-surveys"]["children"] == []  # nothing waits: drawn empty, not asked again
    later = my_list(app, client, search="vanili", changed=["my-search.value"], surveys_drawn=[])
    assert "my-list" in later.json["response"]
    assert "my-surveys" not in later.json["response"] and "my-levels" not in later.json["response"]
    assert not [key for key in app.callback_map if "my-surveys.children" in key and "my-list.children" not in key]


def _ids(component) -> list:
    """The ids in a drawn layout, in the page's order."""
    found = [component.id] if getattr(component, "id", None) else []
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if child is not None and hasattr(child, "to_plotly_json"):
            found += _ids(child)
    return found


def test_the_surveys_and_levels_are_drawn_under_the_filters(app):
    from layouts.my import _page

    with app.server.test_request_context("/my"):
        ids = _ids(_page(False))
    assert ids.index("my-search") < ids.index("my-surveys") and ids.index("my-status") < ids.index("my-levels")
    assert ids.index("my-levels") < ids.index("my-list")


def test_the_list_total_is_kept_per_data_change_and_per_company(app, client, session, make_user, forwarder,
                                                                monkeypatch):
    # The total is counted once per (companies, filters, data stamp) — page turns and repeat views reuse it — yet a
    # new application and one deleted at the source show in the next total, and another company's account with
    # the same filters gets its own.
    counted, count_matching = [], my_applications.count_matching

    @functools.wraps(count_matching)
    def counting(*args, **kwargs):
        counted.append(args[1])
        return count_matching(*args, **kwargs)

    monkeypatch.setattr(my_applications, "count_matching", counting)
    assert _list(app, client)["my-count"]["children"] == "Menampilkan 1–6 dari 6"
    assert _list(app, client)["my-count"]["children"] == "Menampilkan 1–6 dari 6"
    assert counted == [(forwarder["company"].id,)]  # the second view's total is the cache's
    gen_application(session, forwarder["company"], submitted_at=NOW, commodity="Kayu manis")
    session.commit()
    assert _list(app, client)["my-count"]["children"] == "Menampilkan 1–7 dari 7"
    forwarder["apps"][0].deleted_at = NOW
    session.commit()
    assert _list(app, client)["my-count"]["children"] == "Menampilkan 1–6 dari 6"

    make_user("ekspedisi_q", "service_user")
    other = gen_service_user(session, name="PT Lain Sendiri")
    link_account(session, "ekspedisi_q", other)
    gen_application(session, other, submitted_at=NOW, commodity="Kopi arabika")
    session.commit()
    someone_else = app.server.test_client()
    login(someone_else, "ekspedisi_q")
    assert _list(app, someone_else)["my-count"]["children"] == "Menampilkan 1–1 dari 1"
    assert _list(app, client)["my-count"]["children"] == "Menampilkan 1–6 dari 6"


def test_one_waiting_survey_reads_singular_in_english(app):
    from flask import session as flask_session

    from callbacks.my import survey_alerts

    one = {"total": 1, "rows": [{"application_id": 1, "number": "2026.1", "invited_at": NOW, "expires_at": NOW}]}
    with app.server.test_request_context():
        flask_session["lang"] = "en"
        text = json.dumps(survey_alerts(one, "Asia/Jakarta").to_plotly_json(), default=lambda c: c.to_plotly_json())
        assert "1 survey waiting" in text and "surveys" not in text.split("waiting")[0]
        two = survey_alerts({**one, "total": 2}, "Asia/Jakarta")
        assert "2 surveys waiting" in json.dumps(two.to_plotly_json(), default=lambda c: c.to_plotly_json())


def test_an_end_date_before_the_start_date_says_so_not_that_nothing_matches(app, client, forwarder):
    body = _list(app, client, date_from="2026-03-10", date_to="2026-03-01")
    assert body["my-list"]["children"][0]["props"]["children"] == \
        "Tanggal akhir harus sama atau sesudah tanggal awal."


def test_the_page_the_address_names_is_shown_on_the_first_load_and_a_filter_starts_again(app, client, session,
                                                                                          forwarder):
    """Back from an application returns to the page it was opened from (the address says "page=2"; the layout puts
    it in the pager's store); a changed filter starts at page one, and a page past the end shows the last page."""
    company = forwarder["company"]
    for n in range(19):  # 25 applications: pages of 10, 10 and 5
        gen_application(session, company, submitted_at=NOW - timedelta(days=20 + n), commodity="Kelapa")
    session.commit()

    def shown(page, changed=None):
        body = my_list(app, client, changed=changed, page=page).json["response"]
        return body["my-count"]["children"], body["my-page"]["data"]

    assert shown(1) == ("Menampilkan 11–20 dari 25", 1)  # the first load: the page drawn from the address
    assert shown(1, changed=["my-search.value"]) == ("Menampilkan 1–10 dari 25", 0)
    assert shown(1, changed=["my-next.n_clicks"]) == ("Menampilkan 21–25 dari 25", 2)
    assert shown(7) == ("Menampilkan 21–25 dari 25", 2)  # an old link past the end: the last page, not nothing
    assert shown(-3) == ("Menampilkan 1–10 dari 25", 0)


def test_a_company_in_the_address_that_is_not_the_readers_falls_back_to_all_of_theirs(app, client, session, forwarder):
    """An old link, or another account's, said "nothing matches" under filters that all read "Semua", and a reader of
    one company has no company picker to undo it with. The list's own answer sets the picker (and so the address)
    back to "all"; a company of theirs, or "all", is left as chosen."""
    other = gen_service_user(session, name="PT Bukan Milik Anda")
    session.commit()
    body = my_list(app, client, company=str(other.id)).json["response"]
    assert body["my-count"]["children"] == "Menampilkan 1–6 dari 6"
    assert body["my-company"]["value"] == "all"  # and so the address
    assert my_list(app, client, company="bukan-angka").json["response"]["my-company"]["value"] == "all"
    for theirs in (str(forwarder["company"].id), "all"):
        assert "value" not in my_list(app, client, company=theirs).json["response"]["my-company"]


def test_no_two_callbacks_of_the_list_feed_each_other_through_the_company_picker(app):
    """The picker's value was set by a callback reading its options, which the list's callback writes, and read by
    the list's callback: a loop through two callbacks, in which Dash now and then ran neither again (a search or a
    tapped status changed nothing in the browser, no request sent)."""
    writers = [key for key in app.callback_map if "my-company.value" in key]
    readers_of_options = [key for key, spec in app.callback_map.items()
                          if any(item["id"] == "my-company" and item["property"] == "options" for item in spec["inputs"])]
    assert len(writers) == 1 and "my-list.children" in writers[0], writers
    assert readers_of_options == []