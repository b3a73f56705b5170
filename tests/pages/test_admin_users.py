"""Account administration: validation that keeps what was typed, audit with before/after."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from support.web import dash_callback, pager_body, pager_state
from models import AuditLog, Office, User
from portal.services import users
from portal.validation import InvalidInput

FIELDS = ("username", "full_name", "email", "role", "section_id", "office_id", "password")


def _office(session):
    return users.office_id_by_code(session, "0300")


def test_create_user_reports_every_wrong_field_and_writes_nothing(session):
    before = session.scalar(select(func.count(User.id)))
    with pytest.raises(InvalidInput) as caught:
        users.create_user(session, None, {"username": "A", "role": "coordinator", "office_id": None,
                                          "email": "bukan-email", "password": "pendek"})
    assert set(caught.value.errors) == {"username", "office_id", "section_id", "email", "password"}
    session.rollback()
    assert session.scalar(select(func.count(User.id))) == before


def test_coordinator_needs_a_section(session):
    with pytest.raises(InvalidInput) as caught:
        users.create_user(session, None, {"username": "koord", "role": "coordinator", "office_id": _office(session),
                                          "password": "panjang-sekali"})
    assert caught.value.errors["section_id"][0] == "users.error.section_required"


def test_duplicate_username_says_which(session, make_user):
    make_user("petugas", "operator")
    with pytest.raises(InvalidInput) as caught:
        users.create_user(session, None, {"username": "petugas", "role": "operator", "office_id": _office(session),
                                          "password": "panjang-sekali"})
    key, params = caught.value.errors["username"]
    assert key == "users.error.username_taken" and params == {"username": "petugas"}


def test_update_is_audited_with_before_and_after(database, make_user):
    created = make_user("petugas", "operator")
    admin = make_user("kepala_admin", "admin")

    class Actor:
        id, username = admin["id"], admin["username"]

    with database.session() as s:
        users.update_user(s, Actor, created["id"], {"role": "enforcement", "full_name": "Petugas Baru"})
    with database.session() as s:
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "user_updated"))
        assert entry.username == "kepala_admin"
        assert entry.before == {"full_name": "Petugas", "role": "operator"}
        assert entry.after == {"full_name": "Petugas Baru", "role": "enforcement"}


def test_admin_cannot_demote_themselves(database, make_user):
    admin = make_user("admin1", "admin")

    class Actor:
        id, username = admin["id"], admin["username"]

    with database.session() as s, pytest.raises(InvalidInput):
        users.update_user(s, Actor, admin["id"], {"role": "operator"})


def test_unlock_clears_the_lock_and_is_audited(database, make_user):
    from datetime import timedelta

    from models.base import utcnow

    created = make_user("petugas", "operator")
    with database.session() as s:
        s.get(User, created["id"]).locked_until = utcnow() + timedelta(minutes=10)
    with database.session() as s:
        users.unlock(s, None, created["id"])
    with database.session() as s:
        assert s.get(User, created["id"]).locked_until is None
        assert s.scalar(select(AuditLog.id).where(AuditLog.action == "user_unlocked")) is not None


def _save_inputs(values: dict, role_filter=users.STAFF):
    state = [{"id": f"admin-users-{name}", "property": "value", "value": values.get(name)} for name in FIELDS]
    state += [{"id": "admin-users-active", "property": "value", "value": True},
              {"id": "admin-users-selected", "property": "data", "value": None},
              {"id": "admin-users-refresh", "property": "data", "value": 0},
              {"id": "admin-users-opened", "property": "data", "value": None},  # a new account: nothing opened
              {"id": "admin-users-role-filter", "property": "value", "value": role_filter}]
    return [{"id": "admin-users-save", "property": "n_clicks", "value": 1}], state


def _save_output_key(app):
    return next(k for k in app.callback_map if "admin-users-alert.children" in k)


def test_save_callback_marks_wrong_fields_and_keeps_the_form_open(app, logged_in, session):
    client = logged_in("admin")
    inputs, state = _save_inputs({"username": "x", "role": "operator", "office_id": "1", "password": "123"})
    response = dash_callback(client, _save_output_key(app), inputs, state, ["admin-users-save.n_clicks"])
    assert response.status_code == 200
    body = response.json["response"]
    assert body["admin-users-modal"]["is_open"] is True
    assert body["admin-users-username"]["invalid"] is True
    assert "3–64" in body["admin-users-username-feedback"]["children"]
    assert body["admin-users-password"]["invalid"] is True
    assert "admin-users-username" not in {k for k, v in body.items() if "value" in v}  # typed values kept
    assert session.scalar(select(User.id).where(User.username == "x")) is None


def test_save_callback_creates_the_user(app, logged_in, session):
    client = logged_in("admin")
    inputs, state = _save_inputs({"username": "petugas.baru", "full_name": "Petugas Baru", "role": "operator",
                                  "office_id": "1", "password": "sandi-yang-panjang"})
    response = dash_callback(client, _save_output_key(app), inputs, state, ["admin-users-save.n_clicks"])
    body = response.json["response"]
    assert body["admin-users-modal"]["is_open"] is False
    assert "petugas.baru" in body["admin-users-alert"]["children"]
    assert session.scalar(select(User.role).where(User.username == "petugas.baru")) == "operator"


def test_service_user_accounts_list_says_when_it_stops_before_the_last_company(app, session, logged_in):
    """The company list shows 20 at a time; with more matches it says so (it once ended silently at 20 of 2.389)."""
    import json

    from support.factories import gen_service_user
    from support.hostile import find_key

    for n in range(21):
        gen_service_user(session, name=f"PT Daftar Panjang {n:02d}")
    gen_service_user(session, name="CV Satu Saja")
    session.commit()
    client = logged_in("admin")
    key = find_key(app, "admin-service-users-results.children")

    def listed(text):
        body = dash_callback(client, key, inputs=[
            {"id": "admin-service-users-search", "property": "value", "value": text},
            {"id": "admin-service-users-refresh", "property": "data", "value": None}]).json["response"]
        return json.dumps(body["admin-service-users-results"]["children"], ensure_ascii=False)

    many = listed("daftar panjang")
    assert "admin-service-users-more" in many and "20 perusahaan pertama" in many
    assert "PT Daftar Panjang 19" in many and "PT Daftar Panjang 20" not in many
    one = listed("satu saja")
    assert "CV Satu Saja" in one and "admin-service-users-more" not in one


def test_the_accounts_list_names_each_accounts_office(app, logged_in, session):
    """An office code alone ("0300") is no name an administrator of several offices reads at a glance."""
    client = logged_in("admin")
    key = next(k for k in app.callback_map if "admin-users-grid.rowData" in k)
    inputs = [{"id": "admin-users-search", "property": "value", "value": None},
              {"id": "admin-users-role-filter", "property": "value", "value": "all"},
              {"id": "admin-users-refresh", "property": "data", "value": 0},
              *pager_body("admin-users")]
    response = dash_callback(client, key, inputs=inputs,
                             state=pager_state("admin-users-page", 0))
    assert response.status_code == 200
    rows = response.get_json()["response"]["admin-users-grid"]["rowData"]
    office = session.get(Office, _office(session))
    assert rows and all(row["office_title"] == f"{office.code} · {office.name}" for row in rows)


def test_the_accounts_list_opens_on_the_officers_and_lists_service_user_accounts_when_asked(app, logged_in, make_user):
    """A station's companies hold thousands of accounts: the few dozen officers' were lost among them on a list of
    every account. The list opens on "Semua petugas"; "Pengguna jasa" and "Semua akun" still list theirs."""
    from layouts import admin_users as admin_users_layout
    from support.web import components

    client = logged_in("admin", username="admin_daftar")
    for name in ("pt_satu_staf", "pt_dua_staf"):
        make_user(name, "service_user")
    make_user("operator_daftar", "operator")
    page = dash_callback(client, "shell-content.children",
                         inputs=[{"id": "shell-url", "property": "pathname", "value": "/admin/users"}],
                         state=[{"id": "shell-url", "property": "search", "value": ""}]).json
    chosen = next(props for _type, props in components(page) if props.get("id") == "admin-users-role-filter")
    assert chosen["value"] == users.STAFF
    assert [o["label"] for o in chosen["options"]][:1] == ["Semua petugas"]
    assert [o["label"] for o in chosen["options"]][-1] == "Semua akun"
    assert chosen["options"] == admin_users_layout.role_filter_options()
    key = next(k for k in app.callback_map if "admin-users-grid.rowData" in k)

    def listed(role):
        inputs = [{"id": "admin-users-search", "property": "value", "value": None},
                  {"id": "admin-users-role-filter", "property": "value", "value": role},
                  {"id": "admin-users-refresh", "property": "data", "value": 0}, *pager_body("admin-users")]
        response = dash_callback(client, key, inputs=inputs, state=pager_state("admin-users-page", 0))
        assert response.status_code == 200
        return {row["username"] for row in response.get_json()["response"]["admin-users-grid"]["rowData"]}

    staff = listed(users.STAFF)
    assert {"admin_daftar", "operator_daftar"} <= staff and not staff & {"pt_satu_staf", "pt_dua_staf"}
    assert listed("service_user") == {"pt_satu_staf", "pt_dua_staf"}
    assert {"admin_daftar", "operator_daftar", "pt_satu_staf", "pt_dua_staf"} <= listed("all")


def _saved_under(app, client, values: dict, role_filter):
    inputs, state = _save_inputs(values, role_filter)
    response = dash_callback(client, _save_output_key(app), inputs, state, ["admin-users-save.n_clicks"])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["response"]


def test_a_new_account_the_role_filter_leaves_out_switches_the_filter_to_one_that_lists_it(app, logged_in, session):
    """The page opens on the officers: a service user's account made there was saved, named by the alert, and not
    in the list below it until the admin chose "Pengguna jasa"."""
    client = logged_in("admin")
    body = _saved_under(app, client, {"username": "eksportir.baru", "full_name": "Eksportir Baru",
                                      "role": "service_user", "office_id": "1", "password": "sandi-yang-panjang"},
                        users.STAFF)
    assert body["admin-users-role-filter"]["value"] == "service_user"
    assert session.scalar(select(User.role).where(User.username == "eksportir.baru")) == "service_user"
    listed = users.list_users(session, role=body["admin-users-role-filter"]["value"], search="eksportir.baru")
    assert [row["username"] for row in listed["rows"]] == ["eksportir.baru"]

    body = _saved_under(app, client, {"username": "operator.lain", "full_name": "Operator Lain", "role": "operator",
                                      "office_id": "1", "password": "sandi-yang-panjang"}, "service_user")
    assert body["admin-users-role-filter"]["value"] == users.STAFF


def test_a_saved_account_the_role_filter_shows_leaves_the_filter_alone(app, logged_in):
    client = logged_in("admin")
    for username, role_filter in (("operator.satu", users.STAFF), ("operator.dua", "operator"),
                                  ("operator.tiga", "all")):
        body = _saved_under(app, client, {"username": username, "full_name": "Operator", "role": "operator",
                                          "office_id": "1", "password": "sandi-yang-panjang"}, role_filter)
        assert "admin-users-role-filter" not in body, role_filter
        assert username in body["admin-users-alert"]["children"]
