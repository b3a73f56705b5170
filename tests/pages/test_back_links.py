"""A record's link back leads to the page it was opened from (the inspection queue, a company's profile), named; an
address naming any other place — another site, a page the reader may not open, no page at all — gives the record's
own list."""
from __future__ import annotations

import pytest

from support.hostile import find_key
from support.web import PROFILE_CHOICES_ALL, PROFILE_DEFAULTS, components, dash_callback

# The profile's address also says when it was opened from the national ranking (layouts/profile.py URL_FIELDS).
NOT_FROM_NATIONAL = {"id": "profile-ranking", "property": "value", "value": None}


def _back_link(client, path: str, search: str, link_id: str) -> tuple[str, str]:
    response = dash_callback(client, "shell-content.children",
                             inputs=[{"id": "shell-url", "property": "pathname", "value": path}],
                             state=[{"id": "shell-url", "property": "search", "value": search}])
    assert response.status_code == 200
    for _type, props in components(response.json):
        if props.get("id") == link_id:
            text = " ".join(part for part in props["children"] if isinstance(part, str))
            return props["href"], text
    raise AssertionError(f"no {link_id} drawn")


def test_an_application_opened_from_the_inspection_queue_leads_back_to_the_queue(app, logged_in):
    client = logged_in("operator")
    assert _back_link(client, "/applications/5", "?back=%2Ftargeting%2Fqueue", "application-detail-back") == (
        "/targeting/queue", "Kembali ke Antrian pemeriksaan")
    assert _back_link(client, "/applications/5", "", "application-detail-back") == (
        "/applications", "Kembali ke daftar permohonan")


def test_an_nnc_or_application_opened_from_a_profile_leads_back_to_that_profile(app, logged_in):
    client = logged_in("coordinator", "plant")
    assert _back_link(client, "/nnc/3", "?back=/profile/42", "nnc-detail-back") == (
        "/profile/42", "Kembali ke Profil pengguna jasa")
    assert _back_link(client, "/applications/3", "?back=/profile/42", "application-detail-back")[0] == "/profile/42"


@pytest.mark.parametrize("named", ["https://example.org/x", "//example.org/profile/1", "/\\example.org",
                                   "/no/such/page", "/admin/users", "javascript:alert(1)", "profile/1", ""])
def test_a_back_address_elsewhere_or_out_of_reach_gives_the_records_own_list(app, logged_in, named):
    client = logged_in("operator")  # may not open /admin/users
    assert _back_link(client, "/applications/5", f"?back={named}", "application-detail-back") == (
        "/applications", "Kembali ke daftar permohonan")


def test_a_row_opened_in_the_inspection_queue_names_the_queue_in_its_address(app, logged_in):
    client = logged_in("operator")
    response = dash_callback(client, find_key(app, "queue-go.href"),
                             inputs=[{"id": "queue-grid", "property": "cellClicked", "value": {"rowId": "17"}}])
    assert response.json["response"]["queue-go"]["href"] == "/applications/17?back=%2Ftargeting%2Fqueue"


def test_a_row_opened_in_the_applications_list_keeps_a_plain_address(app, logged_in):
    client = logged_in("operator")
    response = dash_callback(client, find_key(app, "applications-go.href"),
                             inputs=[{"id": "applications-grid", "property": "cellClicked", "value": {"rowId": "17"}}])
    assert response.json["response"]["applications-go"]["href"] == "/applications/17"


def test_a_timeline_or_handler_row_opened_in_a_profile_names_the_profile(app, logged_in):
    client = logged_in("coordinator", "plant")
    for grid_id, row_id, expected in (("profile-timeline-grid", "/nnc/8#nnc-8", "/nnc/8?back=%2Fprofile%2F42"),
                                      ("profile-timeline-grid", "/applications/9#detention-3",
                                       "/applications/9?back=%2Fprofile%2F42"),
                                      ("profile-handlers-grid", "/handlers/4", "/handlers/4?back=%2Fprofile%2F42")):
        key = next(key for key, spec in app.callback_map.items()
                   if "profile-go.href" in key and spec["inputs"][0]["id"] == grid_id)
        response = dash_callback(client, key,
                                 inputs=[{"id": grid_id, "property": "cellClicked", "value": {"rowId": row_id}}],
                                 state=[{"id": "profile-id", "property": "data", "value": 42}])
        assert response.json["response"]["profile-go"]["href"] == expected, grid_id


def test_a_ranking_row_opens_the_profile_scored_for_the_rankings_section_and_period_and_the_profile_keeps_them(
        app, logged_in):
    """Filtered to plant, a row showed 13 consignments and its profile opened on "Semua bidang" with 18: the profile
    opens on the ranking's section, holds it in its address (Back and a record's link back return to it), and a
    ranking of every section opens it on every section. A ranking of a custom period opened its profiles on the
    last 12 months: the period goes with the section."""
    client = logged_in("enforcement")
    key = find_key(app, "rankings-go.href")
    for (section, first, last, direction, commodity), expected in (
            (("plant", None, None, "all", "all"), "/profile/581?section=plant"),
            (("all", None, None, "all", "all"), "/profile/581"), ((None, None, None, None, None), "/profile/581"),
            (("plant", "2026-01-01", "2026-03-31", "all", "all"),
             "/profile/581?section=plant&from=2026-01-01&to=2026-03-31"),
            # A ranking of exports of one commodity opened its profiles on every consignment: those go too.
            (("plant", None, None, "export", "12"), "/profile/581?section=plant&direction=export&commodity=12")):
        response = dash_callback(client, key,
                                 inputs=[{"id": "rankings-grid", "property": "cellClicked", "value": {"rowId": "581"}}],
                                 state=[{"id": "rankings-section", "property": "value", "value": section},
                                        {"id": "rankings-from", "property": "value", "value": first},
                                        {"id": "rankings-to", "property": "value", "value": last},
                                        {"id": "rankings-direction", "property": "value", "value": direction},
                                        {"id": "rankings-commodity", "property": "value", "value": commodity},
                                        {"id": "rankings-office", "property": "value", "value": "home"}])
        assert response.json["response"]["rankings-go"]["href"] == expected, section
    # The national ranking switches its direction and commodity off (their values stay in their fields): a row
    # opened there carries neither…
    national = dash_callback(client, key,
                             inputs=[{"id": "rankings-grid", "property": "cellClicked", "value": {"rowId": "581"}}],
                             state=[{"id": "rankings-section", "property": "value", "value": "plant"},
                                    {"id": "rankings-from", "property": "value", "value": None},
                                    {"id": "rankings-to", "property": "value", "value": None},
                                    {"id": "rankings-direction", "property": "value", "value": "export"},
                                    {"id": "rankings-commodity", "property": "value", "value": "12"},
                                    {"id": "rankings-office", "property": "value", "value": "national"}])
    # …and says it came from the national ranking (the profile shows the row's pooled figures beside its office's)
    assert national.json["response"]["rankings-go"]["href"] == "/profile/581?section=plant&ranking=national"
    drawn = dash_callback(client, "shell-content.children",
                          inputs=[{"id": "shell-url", "property": "pathname", "value": "/profile/581"}],
                          state=[{"id": "shell-url", "property": "search",
                                  "value": "?section=plant&from=2026-01-01&to=2026-03-31"
                                           "&direction=import&commodity=12"}])
    values = {props["id"]: props.get("value") for _type, props in components(drawn.json)
              if isinstance(props.get("id"), str)}
    assert (values["profile-section"], values["profile-from"], values["profile-to"], values["profile-direction"],
            values["profile-commodity"]) == ("plant", "2026-01-01", "2026-03-31", "import", "12")
    written = dash_callback(client, find_key(app, "profile-url.search"),
                            inputs=[{"id": "profile-section", "property": "value", "value": "animal"},
                                    {"id": "profile-from", "property": "value", "value": "2026-01-01"},
                                    {"id": "profile-to", "property": "value", "value": "2026-03-31"},
                                    *PROFILE_CHOICES_ALL, NOT_FROM_NATIONAL],
                            state=[{"id": "profile-url", "property": "search", "value": "?section=plant"}])
    assert written.json["response"]["profile-url"]["search"] == "?section=animal&from=2026-01-01&to=2026-03-31"
    written = dash_callback(client, find_key(app, "profile-url.search"),
                            inputs=[{"id": "profile-section", "property": "value", "value": "animal"},
                                    *PROFILE_DEFAULTS, NOT_FROM_NATIONAL],
                            state=[{"id": "profile-url", "property": "search", "value": "?section=plant"}])
    assert written.json["response"]["profile-url"]["search"] == "?section=animal"
    # Opened from the national ranking, the profile keeps saying so in its address (a reload shows the row again).
    written = dash_callback(client, find_key(app, "profile-url.search"),
                            inputs=[{"id": "profile-section", "property": "value", "value": "animal"},
                                    *PROFILE_DEFAULTS, {**NOT_FROM_NATIONAL, "value": "national"}],
                            state=[{"id": "profile-url", "property": "search", "value": "?ranking=national"}])
    assert written.json["response"]["profile-url"]["search"] == "?section=animal&ranking=national"


def test_a_service_users_record_opened_from_a_notification_leads_back_to_the_notifications(app, logged_in):
    """The application opened by a notification said "Permohonan saya" and led to the list, away from the
    notifications the reader was going through (/my/notifications/<id>/open names them: test_my_notifications)."""
    client = logged_in("service_user")
    assert _back_link(client, "/my/applications/5", "?back=%2Fmy%2Fnotifications", "my-application-back") == (
        "/my/notifications", "Kembali ke Notifikasi")
    assert _back_link(client, "/my/nnc/5", "?back=%2Fmy%2Fnotifications", "my-nnc-detail-back") == (
        "/my/notifications", "Kembali ke Notifikasi")
    assert _back_link(client, "/my/applications/5", "", "my-application-back")[0] == "/my/applications"
    assert _back_link(client, "/my/applications/5", "?back=%2Fadmin%2Fusers", "my-application-back")[0] == \
        "/my/applications"  # a page the reader may not open is no way back

