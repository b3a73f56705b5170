"""The admin Dash forms under hostile input: accounts, invitations, scoring settings, SLA hours, IKM plan.

Each form is called as the browser calls its save callback; the properties every form keeps are listed in
support/hostile_forms.py.
"""
from __future__ import annotations

from hypothesis import event, given, strategies as st

from layouts.admin_compliance import SETTING_NAMES
from layouts.kpi import SLA_KEYS
from models import Setting, User
from portal.services.compliance.scoring_settings import current_settings
from portal.services.kpi import sla
from support.factories import section_id
from support.hostile import changes, emails, fast_user, fuzz, login_as, now, numbers, ran, row_counts
from support.hostile_forms import (TEXT, call, check_answer, ids, opened_versions, snapshot, whole_or_nothing,
                                   world)  # noqa: F401 - world is a fixture


# ------------------------------------------------------------------------------------------------ admin
ROLES = ("admin", "operator", "coordinator", "enforcement", "head", "service_user")


@fuzz(1.5)
@given(data=st.data(), edit=st.booleans())
def test_admin_user_form_saves_whole_or_nothing(app, client, database, world, data, edit):
    login_as(client, world["admin"]["username"])
    form = {"username": f"akun{now().microsecond}x", "full_name": "Nama", "email": "", "role": "operator",
            "section_id": "", "office_id": "1", "password": "kata-sandi-panjang"}
    strategies = {"email": emails(), "role": st.one_of(st.sampled_from(ROLES), TEXT),
                  "section_id": st.one_of(st.sampled_from(("", "1", "2", "3")), ids(world)),
                  "office_id": st.one_of(st.sampled_from(("1", "2")), ids(world)),
                  "username": st.one_of(TEXT, st.from_regex(r"[a-z0-9][a-z0-9_.-]{2,70}", fullmatch=True))}
    for name in data.draw(st.sets(st.sampled_from(tuple(form)), max_size=4), label="fields"):
        form[name] = data.draw(strategies.get(name, TEXT), label=name)
    active = data.draw(st.one_of(st.booleans(), st.none(), TEXT), label="active")
    target = fast_user(database, "operator") if edit else None
    record = snapshot(database, User, target["id"]) if target else None
    kept, current = data.draw(opened_versions(record["version"] if record else 1), label="opened")
    values = {f"admin-users-{name}.value": v for name, v in form.items()}
    values.update({"admin-users-save.n_clicks": 1, "admin-users-active.value": active,
                   "admin-users-selected.data": target["id"] if target else None, "admin-users-refresh.data": 0,
                   "admin-users-opened.data": kept if edit else None})
    before = row_counts(database)
    response, body = _admin_users_save(app, client, values)
    check_answer(response, list(form.values()) + [active, kept], [form["section_id"], form["office_id"]])
    saved = "admin-users-refresh" in body
    event("saved" if saved else "refused")
    delta = changes(before, row_counts(database))
    if edit:
        if not saved or not current:  # a save from a stale (or forged) version never writes (issue #16)
            assert delta == {} and snapshot(database, User, target["id"]) == record
        else:
            assert snapshot(database, User, target["id"])["full_name"] == (form["full_name"] or "").strip()
    else:
        whole_or_nothing(delta, saved, "users", form)
    ran("dash admin user " + ("edit" if edit else "create"))


def _admin_users_save(app, client, values):
    key = next(k for k in app.callback_map if "admin-users-refresh.data" in k and "admin-users-modal-alert" in k)
    return call(app, client, key, values, "admin-users-save.n_clicks")


@fuzz()
@given(password=st.one_of(TEXT, st.just("kata-sandi-baru-123")))
def test_admin_password_reset_saves_whole_or_nothing(app, client, database, world, password):
    login_as(client, world["admin"]["username"])
    target = fast_user(database, "operator")
    values = {"admin-users-reset.n_clicks": 1, "admin-users-new_password.value": password,
              "admin-users-selected.data": target["id"], "admin-users-refresh.data": 0}
    before, record = row_counts(database), snapshot(database, User, target["id"])
    response, body = call(app, client, "..admin-users-new_password.invalid", values, "admin-users-reset.n_clicks")
    check_answer(response, [password])
    if "admin-users-refresh" not in body:
        assert changes(before, row_counts(database)) == {} and snapshot(database, User, target["id"]) == record
    ran("dash admin password reset")


@fuzz()
@given(email=st.one_of(emails(), st.integers(0, 10**9).map(lambda n: f"orang{n}@contoh.invalid")),
       full_name=st.one_of(TEXT, st.sampled_from(("", "Budi Santoso"))),
       username=st.one_of(TEXT, st.just(""), st.just(""), st.from_regex(r"[a-z0-9][a-z0-9_.-]{2,70}", fullmatch=True)),
       link_username=st.one_of(TEXT, st.just("")), link=st.booleans())
def test_admin_invites_service_users_whole_or_nothing(app, client, database, world, email, full_name, username,
                                                      link_username, link):
    login_as(client, world["admin"]["username"])
    values = {"admin-service-users-invite.n_clicks": None if link else 1,
              "admin-service-users-link.n_clicks": 1 if link else None,
              "admin-service-users-selected.data": world["company_id"], "admin-service-users-email.value": email,
              "admin-service-users-full_name.value": full_name, "admin-service-users-username.value": username,
              "admin-service-users-link_username.value": link_username, "admin-service-users-refresh.data": 0}
    before = row_counts(database)
    response, body = call(app, client, "..admin-service-users-alert.children", values,
                          "admin-service-users-link.n_clicks" if link else "admin-service-users-invite.n_clicks")
    check_answer(response, [email, full_name, username, link_username])
    saved = "admin-service-users-refresh" in body
    event("saved" if saved else "refused")
    delta = changes(before, row_counts(database))
    if not saved:
        assert delta == {}, delta
    elif not link and "users" in delta:  # a new account: with its link, invitation, audit and outbox record
        assert {k: delta.get(k) for k in ("users", "service_user_links", "access_tokens")} == \
            {"users": 1, "service_user_links": 1, "access_tokens": 1}, delta
    ran("dash admin invite/link service user")


@fuzz()
@given(settings=st.fixed_dictionaries({name: st.one_of(numbers(), st.none()) for name in SETTING_NAMES}),
       note=st.one_of(TEXT, st.none()), data=st.data())
def test_admin_compliance_settings_save_whole_or_nothing(app, client, database, world, settings, note, data):
    login_as(client, world["admin"]["username"])
    with database.session() as s:
        version = current_settings(s)[0]
    kept, current = data.draw(opened_versions(version), label="opened")
    values = {f"admin-compliance-{name}.value": v for name, v in settings.items()}
    values.update({"admin-compliance-save.n_clicks": 1, "admin-compliance-note.value": note,
                   "admin-compliance-opened.data": kept})
    before = row_counts(database)
    key = next(k for k in app.callback_map if "admin-compliance-history.children" in k)
    response, body = call(app, client, key, values, "admin-compliance-save.n_clicks")
    check_answer(response, [note, kept])
    delta = changes(before, row_counts(database))
    if "compliance_settings_versions" not in delta:
        assert delta == {}, delta
    else:
        assert delta["compliance_settings_versions"] == 1
        assert current, "a save from a stale (or forged) version never writes (issue #16)"
    ran("dash admin compliance settings")


@fuzz()
@given(hours=st.fixed_dictionaries({key: st.one_of(numbers(), st.none()) for key in SLA_KEYS}), data=st.data())
def test_kpi_sla_hours_save_whole_or_nothing(app, client, database, world, hours, data):
    login_as(client, world["admin"]["username"])
    with database.session() as s:
        stored, version = s.get(Setting, sla.SLA_SETTING_KEY), sla.sla_version(s)
        record = (stored.value, stored.version) if stored else None
    kept, current = data.draw(opened_versions(version), label="opened")
    values = {f"kpi-sla-{key}.value": v for key, v in hours.items()}
    values.update({"kpi-sla-save.n_clicks": 1, "kpi-refresh.data": 0, "kpi-sla-opened.data": kept})
    before = row_counts(database)
    response, body = call(app, client, "..kpi-sla-alert.children", values, "kpi-sla-save.n_clicks")
    check_answer(response, list(hours.values()) + [kept])
    with database.session() as s:
        stored = s.get(Setting, sla.SLA_SETTING_KEY)
        after = (stored.value, stored.version) if stored else None
    if "kpi-refresh" not in body:
        assert changes(before, row_counts(database)) == {} and after == record
    if not current:  # a save from a stale (or forged) version never writes (issue #16)
        assert after == record
    ran("dash KPI SLA hours")


@fuzz()
@given(text=st.one_of(TEXT, st.just("")), semester=st.one_of(
    st.just([2026, 1]), st.tuples(st.integers(-10, 10**5), st.integers(-3, 5)).map(list), st.none()), data=st.data())
def test_survey_follow_up_plan_saves_whole_or_nothing(app, client, database, world, text, semester, data):
    """The plan saves to the semester its form opened, against the version it opened (issue #16 for the plan)."""
    from portal.services import ikm_results

    login_as(client, world["admin"]["username"])
    with database.session() as s:
        office = s.get(User, world["admin"]["id"]).office_id
        version = ikm_results.plan_version(s, office, 2026, 1) if semester == [2026, 1] else 0
        record = ikm_results.follow_up_plan(s, office, 2026, 1)
    kept, current = data.draw(opened_versions(version), label="opened")
    if isinstance(kept, dict):
        kept = {**kept, "key": semester}
    values = {"survey-plan-save.n_clicks": 1, "survey-plan-text.value": text, "survey-plan-opened.data": kept}
    before = row_counts(database)
    response, body = call(app, client, "..survey-plan-alert.children", values, "survey-plan-save.n_clicks")
    check_answer(response, [text, kept])
    if response.status_code != 200 or body.get("survey-plan-alert", {}).get("color") != "success":
        assert changes(before, row_counts(database)) == {}
    if not current and semester == [2026, 1]:  # a save from a stale (or forged) version never writes
        with database.session() as s:
            after = ikm_results.follow_up_plan(s, office, 2026, 1)
        assert (after or {}).get("version") == (record or {}).get("version")
    ran("dash survey follow-up plan")


# ------------------------------------------------------------------------------------------------ companies, UPT
@fuzz()
@given(code=st.one_of(TEXT, st.just("7100")), name=TEXT, zone=st.one_of(TEXT, st.just("Asia/Jayapura"), st.none()),
       url=st.one_of(TEXT, st.just(""), st.just("sqlite:///x.db")))
def test_adding_a_station_saves_whole_or_nothing(app, client, database, world, code, name, zone, url):
    login_as(client, world["admin"]["username"])
    values = {"admin-companies-office-code.value": code, "admin-companies-office-name.value": name,
              "admin-companies-office-timezone.value": zone, "admin-companies-office-iqfast_url.value": url,
              "admin-companies-office-add.n_clicks": 1, "admin-companies-office-refresh.data": 0}
    before = row_counts(database)
    response, body = call(app, client, "admin-companies-office-alert.children", values,
                          "admin-companies-office-add.n_clicks")
    check_answer(response, [code, name, zone, url])
    if "admin-companies-office-refresh" not in body:
        assert changes(before, row_counts(database)) == {}
    ran("dash admin add station")


@fuzz()
@given(record=st.one_of(TEXT, st.integers(-2, 2**40), st.none()), target=st.one_of(TEXT, st.integers(-2, 2**40)),
       reason=st.one_of(TEXT, st.just("")), action=st.one_of(st.just("move"), st.just("split"), TEXT),
       data=st.data())
def test_moving_a_company_record_saves_whole_or_nothing(app, client, database, world, record, target, reason,
                                                        action, data):
    login_as(client, world["admin"]["username"])
    kept, _current = data.draw(opened_versions(1), label="opened")
    values = {"admin-companies-record.value": record, "admin-companies-target.value": target,
              "admin-companies-reason.value": reason, "admin-companies-action.value": action,
              "admin-companies-opened.data": kept, "admin-companies-refresh.data": 0,
              "admin-companies-save.n_clicks": 1}
    before = row_counts(database)
    response, body = call(app, client, "admin-companies-reason-feedback.children", values,
                          "admin-companies-save.n_clicks")
    check_answer(response, [reason, action, kept] + ([record] if isinstance(record, str) else [])
                 + ([target] if isinstance(target, str) else []), selects=[record, target])
    if "admin-companies-refresh" not in body:
        assert changes(before, row_counts(database)) == {}
    ran("dash admin company move")
