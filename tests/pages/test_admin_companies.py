"""Admin › Perusahaan lintas UPT: a company's records at every office, a move and its undo through the page
(audited, a stale form refused), adding a station, and the page refused to every other role."""
from __future__ import annotations

from sqlalchemy import select

from models import AuditLog, Office, ServiceUser
from portal.security.access import callback_permissions
from portal.services import companies
from support.factories import gen_service_user
from support.web import dash_callback, logout


def _key(app, fragment: str) -> str:
    return next(key for key in callback_permissions(app) if fragment in key)


def _two_offices(session):
    office = Office(code="2000", name="BBKP Denpasar", timezone="Asia/Makassar")
    session.add(office)
    session.flush()
    jakarta = gen_service_user(session, tax_id="01.234.567.8-901.000", name="PT Sari Buah")
    bali = gen_service_user(session, tax_id="0012 3456 7890 1000", name="PT SARI BUAH", office_id=office.id)
    typo = gen_service_user(session, tax_id="01.234.567.8-90.000", name="PT Sari Buah Bali", office_id=office.id)
    session.commit()
    return jakarta, bali, typo


def _show(app, client, company_id, changed=None):
    return dash_callback(client, _key(app, "admin-companies-company.children"),
                         inputs=[{"id": "admin-companies-selected", "property": "data", "value": company_id},
                                 {"id": "admin-companies-refresh", "property": "data", "value": 0}],
                         changed=changed).json["response"]


def _save(app, client, record_id, target_id, reason, opened, action="move", company=None):
    state = [{"id": "admin-companies-record", "property": "value", "value": record_id},
             {"id": "admin-companies-action", "property": "value", "value": action},
             {"id": "admin-companies-target", "property": "value", "value": target_id},
             {"id": "admin-companies-reason", "property": "value", "value": reason},
             {"id": "admin-companies-opened", "property": "data", "value": opened},
             {"id": "admin-companies-refresh", "property": "data", "value": 0},
             {"id": "admin-companies-selected", "property": "data", "value": company}]
    return dash_callback(client, _key(app, "admin-companies-reason-feedback.children"),
                         inputs=[{"id": "admin-companies-save", "property": "n_clicks", "value": 1}], state=state,
                         changed=["admin-companies-save.n_clicks"])


def test_the_page_shows_a_company_s_records_at_every_office(app, logged_in, session):
    jakarta, bali, _typo = _two_offices(session)
    client = logged_in("admin")
    assert client.get("/admin/companies").status_code == 200
    body = _show(app, client, jakarta.company_id)
    records = str(body["admin-companies-records"]["children"])
    assert "0300" in records and "2000 · BBKP Denpasar" in records and "0012 3456 7890 1000" in records
    assert [o["value"] for o in body["admin-companies-record"]["options"]] == [jakarta.id, bali.id]
    assert "01.234.567.8-901.000" in str(body["admin-companies-company"]["children"])


def test_a_move_through_the_page_is_audited_and_a_stale_form_is_refused(app, logged_in, session):
    jakarta, _bali, typo = _two_offices(session)
    own_company = typo.company_id
    client = logged_in("admin", username="admin_pusat")
    opened = _show(app, client, own_company)["admin-companies-opened"]["data"]
    refused = _save(app, client, typo.id, None, "", opened).json["response"]
    assert refused["admin-companies-alert"]["color"] == "danger"
    assert refused["admin-companies-target"]["invalid"] and refused["admin-companies-reason"]["invalid"]
    assert "value" not in refused["admin-companies-reason"]  # what was typed stays


    done = _save(app, client, typo.id, jakarta.company_id, "NPWP salah ketik", opened).json["response"]
    assert done["admin-companies-alert"]["color"] == "success"
    # emptied: the next change starts afresh (and the page's unsaved-changes guard has nothing to ask)
    assert done["admin-companies-reason"]["value"] == "" and done["admin-companies-target"]["value"] is None
    session.expire_all()
    assert session.get(ServiceUser, typo.id).company_id == jakarta.company_id
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "company_record_moved")).one()
    assert entry.username == "admin_pusat" and entry.after["reason"] == "NPWP salah ketik"

    again = _save(app, client, typo.id, own_company, "lagi", opened).json["response"]  # the same old form
    assert again["admin-companies-alert"]["color"] == "warning"
    assert "sudah diubah" in str(again["admin-companies-alert"]["children"])


def test_a_refused_move_shows_the_company_as_it_now_stands_beside_the_kept_form(app, logged_in, session):
    """A colleague split a record off the company after the page opened it: the refused move draws the company's
    records and history again as they now stand (without the record split off), and leaves the form alone (the record
    chosen, the reason typed, the version it opened)."""
    jakarta, bali, typo = _two_offices(session)
    client = logged_in("admin")
    shown = _show(app, client, jakarta.company_id)
    assert "2000 · BBKP Denpasar" in str(shown["admin-companies-records"]["children"])
    opened = shown["admin-companies-opened"]["data"]
    companies.split_record(session, None, "admin_rekan", service_user_id=bali.id, version=opened["version"],
                           reason="Usaha lain di Bali", opened=opened["values"])  # the colleague, meanwhile
    session.commit()

    refused = _save(app, client, jakarta.id, typo.company_id, "NPWP salah ketik", opened,
                    company=jakarta.company_id).json["response"]
    assert refused["admin-companies-alert"]["color"] == "warning"
    assert "sudah diubah" in str(refused["admin-companies-alert"]["children"])
    records = str(refused["admin-companies-records"]["children"])
    assert "0300" in records and "2000 · BBKP Denpasar" not in records
    assert "Usaha lain di Bali" in str(refused["admin-companies-history"]["children"])
    assert not {"admin-companies-opened", "admin-companies-refresh"} & set(refused)
    assert not any("value" in props for props in refused.values())
    session.expire_all()
    assert session.get(ServiceUser, jakarta.id).company_id == jakarta.company_id


def test_the_history_undoes_a_change(app, logged_in, session):
    jakarta, _bali, typo = _two_offices(session)
    own_company = typo.company_id
    client = logged_in("admin")
    opened = _show(app, client, own_company)["admin-companies-opened"]["data"]
    _save(app, client, typo.id, jakarta.company_id, "NPWP salah ketik", opened)
    body = _show(app, client, jakarta.company_id)
    assert "NPWP salah ketik" in str(body["admin-companies-history"]["children"])
    change_id = companies.history(session, jakarta.company_id)[0][0].id
    response = dash_callback(
        client, _key(app, "admin-companies-alert.children@"),
        inputs=[[{"id": {"type": "admin-companies-undo", "index": change_id}, "property": "n_clicks", "value": 1}]],
        state=[{"id": "admin-companies-selected", "property": "data", "value": jakarta.company_id},
               {"id": "admin-companies-opened", "property": "data", "value": body["admin-companies-opened"]["data"]},
               {"id": "admin-companies-refresh", "property": "data", "value": 0}],
        changed=[f'{{"index":{change_id},"type":"admin-companies-undo"}}.n_clicks'])
    assert response.json["response"]["admin-companies-alert"]["color"] == "success"
    session.expire_all()
    assert session.get(ServiceUser, typo.id).company_id == own_company


def _add_office(app, client, code, name, zone, url=""):
    values = {"code": code, "name": name, "timezone": zone, "iqfast_url": url}
    state = [{"id": f"admin-companies-office-{k}", "property": "value", "value": v} for k, v in values.items()]
    state.append({"id": "admin-companies-office-refresh", "property": "data", "value": 0})
    return dash_callback(client, _key(app, "admin-companies-office-alert.children"),
                         inputs=[{"id": "admin-companies-office-add", "property": "n_clicks", "value": 1}],
                         state=state, changed=["admin-companies-office-add.n_clicks"])


def test_the_upt_section_adds_a_station_and_names_each_wrong_field(app, logged_in, session):
    client = logged_in("admin")
    refused = _add_office(app, client, "0300", "", "Europe/Paris").json["response"]
    assert refused["admin-companies-office-code"]["invalid"] and refused["admin-companies-office-timezone"]["invalid"]
    assert "sudah dipakai" in refused["admin-companies-office-code-feedback"]["children"]
    assert "value" not in refused["admin-companies-office-code"]  # what was typed stays
    added = _add_office(app, client, "3000", "BKP Jayapura", "Asia/Jayapura").json["response"]
    assert added["admin-companies-office-alert"]["color"] == "success"
    assert [added[f"admin-companies-office-{k}"]["value"] for k in ("code", "name", "timezone", "iqfast_url")] == [
        None] * 4  # emptied for the next station
    assert session.scalar(select(Office.timezone).where(Office.code == "3000")) == "Asia/Jayapura"


def test_every_other_role_is_refused_the_page_and_its_changes(app, client, logged_in, session):
    jakarta, _bali, typo = _two_offices(session)
    own_company = typo.company_id
    for role in ("operator", "head", "enforcement", "coordinator", "service_user"):
        logout(client)
        logged_in(role)
        assert client.get("/admin/companies").status_code == 403
        assert _save(app, client, typo.id, jakarta.company_id, "x", {"version": 1, "values": {}}).status_code == 403
        assert _add_office(app, client, "4000", "X", "Asia/Jakarta").status_code == 403
    session.expire_all()
    assert session.get(ServiceUser, typo.id).company_id == own_company
    assert session.scalar(select(Office).where(Office.code == "4000")) is None


def test_the_new_stations_time_zone_says_what_to_choose_before_one_is_chosen(app, logged_in):
    from support.web import components

    page = dash_callback(logged_in("admin"), "shell-content.children",
                         [{"id": "shell-url", "property": "pathname", "value": "/admin/companies"}])
    zone = next(props for _type, props in components(page.json)
                if props.get("id") == "admin-companies-office-timezone")
    assert zone.get("value") is None and zone["placeholder"] == "Pilih zona waktu UPT"


def test_choosing_another_company_empties_the_target_and_reason_typed_for_the_last_one(app, logged_in, session):
    """A reason and a target typed for one company stayed under the next one clicked: a save would have moved the
    wrong record. The refresh after a save leaves the form to the save (which empties it itself)."""
    _jakarta, _bali, typo = _two_offices(session)
    client = logged_in("admin")
    chosen = _show(app, client, typo.company_id, changed=["admin-companies-selected.data"])
    assert chosen["admin-companies-target"]["value"] is None and chosen["admin-companies-reason"]["value"] == ""
    refreshed = _show(app, client, typo.company_id, changed=["admin-companies-refresh.data"])
    assert "admin-companies-target" not in refreshed and "admin-companies-reason" not in refreshed
