"""Filters in the address: a list page is drawn with the filters its query string names, writes them back as they
change, and ignores whatever in the address does not fit (never an error page)."""
from __future__ import annotations

import pytest

from layouts import applications, complaints, kpi, my, nnc, offices, rankings
from layouts.components import url_filters
from support.web import components, dash_callback

PAGES = {"/nnc": ("operator", nnc), "/applications": ("operator", applications),
         "/complaints": ("operator", complaints), "/rankings": ("enforcement", rankings), "/kpi": ("head", kpi),
         "/offices": ("national", offices), "/my/applications": ("service_user", my)}


def _values(client, path: str, search: str) -> dict:
    """The value of every filter of the page drawn for this address, by component id."""
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": path}],
                             state=[{"id": "shell-url", "property": "search", "value": search}])
    assert response.status_code == 200
    return {props["id"]: props.get("value") for _type, props in components(response.json)
            if isinstance(props.get("id"), str)}


def test_parse_keeps_what_fits_and_drops_the_rest():
    given = ("?q=%20MAFF%2FNNC%20&status=received&flow=sideways&from=2026-02-30&to=2026-03-31&sort=number"
             "&section=plant;drop%20table&country=" + "x" * 101 + "&unknown=1&status=closed")
    assert url_filters.parse(given, nnc.URL_FIELDS) == {
        "nnc-text": "MAFF/NNC", "nnc-status": "closed", "nnc-date-to": "2026-03-31", "nnc-sort": "number"}
    assert url_filters.parse("%%%&&=&?", nnc.URL_FIELDS) == {}
    assert url_filters.parse(None, kpi.URL_FIELDS) == {}
    assert url_filters.parse("?overdue=1", complaints.URL_FIELDS) == {"complaints-overdue": True}
    assert url_filters.parse("?overdue=yes", complaints.URL_FIELDS) == {}
    assert url_filters.parse("?page=3", nnc.URL_FIELDS) == {"nnc-page": 2}  # the pager's store counts from 0
    assert url_filters.parse("?page=99999999999999999999", nnc.URL_FIELDS) == {"nnc-page": url_filters.MAX_PAGE - 1}
    for odd in ("0", "-1", "2.5", "\u0663", "", "x", "000"):
        assert url_filters.parse(f"?page={odd}", nnc.URL_FIELDS) == {}, odd


def test_query_string_leaves_defaults_out_and_reads_back_the_same():
    chosen = {"nnc-text": "GACC / 2026", "nnc-status": "received", "nnc-flow": "all", "nnc-date-from": "",
              "nnc-sort": "notice_desc", "nnc-country": "Tiongkok"}
    search = url_filters.query_string(chosen, nnc.URL_FIELDS)
    assert search == "?q=GACC+%2F+2026&status=received&country=Tiongkok"
    assert url_filters.parse(search, nnc.URL_FIELDS) == {
        "nnc-text": "GACC / 2026", "nnc-status": "received", "nnc-country": "Tiongkok"}
    assert url_filters.query_string({"nnc-status": "all"}, nnc.URL_FIELDS) == ""
    assert url_filters.query_string({"complaints-overdue": False}, complaints.URL_FIELDS) == ""
    assert url_filters.query_string({"nnc-status": "received", "nnc-page": 2},
                                    nnc.URL_FIELDS) == "?status=received&page=3"
    assert url_filters.query_string({"nnc-page": 0}, nnc.URL_FIELDS) == ""


@pytest.mark.parametrize("path, search, expected", [
    ("/nnc", "?q=MAFF&status=under_investigation&sort=number", {"nnc-text": "MAFF", "nnc-status": "under_investigation",
                                                         "nnc-sort": "number", "nnc-flow": "all"}),
    ("/applications", "?number=000123&stage=certified&from=2026-03-01",
     {"applications-number": "000123", "applications-stage": "certified", "applications-date-from": "2026-03-01"}),
    ("/complaints", "?q=kargo&status=new&overdue=1",
     {"complaints-text": "kargo", "complaints-status": "new", "complaints-overdue": True}),
    ("/rankings", "?tier=D&sort=name&q=Beta&from=2026-01-01",
     {"rankings-tier": "D", "rankings-sort": "name", "rankings-search": "Beta", "rankings-from": "2026-01-01"}),
    ("/kpi", "?period=custom&from=2026-03-01&to=2026-03-31&direction=export",
     {"kpi-preset": "custom", "kpi-from": "2026-03-01", "kpi-to": "2026-03-31", "kpi-direction": "export"}),
    ("/offices", "?period=last_month&section=plant&chart=ikm",
     {"offices-preset": "last_month", "offices-section": "plant", "offices-metric": "ikm"}),
    ("/my/applications", "?q=kayu&status=completed&stage=certified&from=2026-11-01",
     {"my-search": "kayu", "my-status": "completed", "my-stage": "certified", "my-from": "2026-11-01"}),
])
def test_a_link_opens_the_page_with_its_filters(logged_in, path, search, expected):
    values = _values(logged_in(PAGES[path][0]), path, search)
    assert {key: values.get(key) for key in expected} == expected


@pytest.mark.parametrize("path", sorted(PAGES))
def test_nonsense_in_the_address_draws_the_page_with_its_defaults(logged_in, path):
    role, module = PAGES[path]
    client = logged_in(role)
    plain = _values(client, path, "")
    odd = _values(client, path, "?" + "&".join(f"{field.param}=%3Cscript%3E{'x' * 120}" for field in module.URL_FIELDS)
                  + "&status=%00&period=forever&from=31-12-2026")
    assert odd == plain


def test_a_coordinators_locked_section_stays_their_own(logged_in):
    values = _values(logged_in("coordinator", "plant"), "/rankings", "?section=animal")
    assert values["rankings-section"] == "plant"


def test_changing_a_filter_writes_the_address_once(app, logged_in):
    client = logged_in("operator")
    key = next(k for k in app.callback_map if k.startswith("nnc-url.search"))
    fields = nnc.URL_FIELDS
    inputs = [{"id": f.component_id, "property": f.prop, "value": v} for f, v in zip(fields, (
        "MAFF", "", "", "all", "all", "received", "all", "all", "notice_desc", 0))]
    response = dash_callback(client, key, inputs=inputs, state=[{"id": "nnc-url", "property": "search", "value": ""}],
                             changed=["nnc-status.value"])
    assert response.get_json()["response"]["nnc-url"]["search"] == "?q=MAFF&status=received"
    again = dash_callback(client, key, inputs=inputs,
                          state=[{"id": "nnc-url", "property": "search", "value": "?q=MAFF&status=received"}],
                          changed=["nnc-status.value"])
    assert again.status_code == 204  # the address already says so: nothing to write


@pytest.mark.parametrize("path, store, who", [
    ("/nnc", "nnc-page", ("operator",)), ("/applications", "applications-page", ("operator",)),
    ("/complaints", "complaints-page", ("operator",)), ("/rankings", "rankings-page", ("enforcement",)),
    ("/targeting/queue", "queue-page", ("coordinator", "plant")), ("/my/applications", "my-page", ("service_user",)),
    ("/my/notifications", "my-notifications-page", ("service_user",))])
def test_a_link_to_a_lists_third_page_draws_its_pager_on_that_page(logged_in, path, store, who):
    """Back from a row's page finds the list on the page it was left (the list callback's first load shows the
    stored page: tests/pages/test_my_applications_page.py)."""
    client = logged_in(*who)
    assert _drawn(client, path, "?page=3", store, "data") == 2
    assert _drawn(client, path, "?page=nonsense", store, "data") == 0


def _drawn(client, path: str, search: str, component_id: str, prop: str):
    """A property of one component of the page drawn for this address."""
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": path}],
                             state=[{"id": "shell-url", "property": "search", "value": search}])
    return next(props.get(prop) for _type, props in components(response.json) if props.get("id") == component_id)


def test_on_a_phone_the_nnc_filters_a_link_sets_are_shown_not_folded(logged_in):
    client = logged_in("operator")

    def filters_class(search: str) -> str:
        return _drawn(client, "/nnc", search, "nnc-filters", "className")

    assert "qc-open" in filters_class("?status=received")
    assert "qc-open" not in filters_class("") and "qc-open" not in filters_class("?status=nonsense")


def test_a_link_that_sets_a_folded_filter_of_my_applications_opens_the_fold(logged_in):
    client = logged_in("service_user")

    def fold_open(search: str) -> bool:
        return bool(_drawn(client, "/my/applications", search, "my-more-filters-fold", "open"))

    assert fold_open("?stage=detained") and fold_open("?from=2026-11-01")
    assert not fold_open("?status=problem&q=kayu") and not fold_open("") and not fold_open("?stage=nonsense")
    assert not fold_open("?company=all&section=all")  # a default sets nothing
