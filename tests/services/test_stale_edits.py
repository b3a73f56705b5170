"""No lost updates (issue #16): every edit form saves against the version it opened, and a save over a newer
version is refused with what changed since, who saved it and when, leaving the newer save whole.

Each test opens a record twice (two people, two browser tabs), saves the first, then the second: each step is its
own transaction, as each callback is."""
from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import Complaint, CorrectionRequest, GuidanceRecord, Nnc, User
from models.base import utcnow
from portal.domain.periods import today_in
from portal.services import accounts, complaints, corrections, edit_versions, notifications, users
from portal.services.accounts import current_user_from
from portal.services.compliance import guidance
from portal.services.compliance.scoring_settings import current_settings, save_settings
from portal.services.kpi import sla
from portal.services.offices import office_zone
from portal.services.nnc import detail as nnc_detail
from portal.services.nnc import register as nnc
from portal.services.nnc.rules import EDITABLE_FIELDS, FOLLOW_UP_FIELDS
from portal.validation import StaleEdit
from support.factories import gen_application, gen_certificate, gen_service_user, section_id
from support.nnc_helpers import actor, valid_nnc
from support.portal_helpers import link_account
from support.web import PASSWORD


@pytest.fixture
def operators(database, make_user):
    return (actor(database, make_user, "operator", username="petugas_a"),
            actor(database, make_user, "operator", username="petugas_b"))


@pytest.fixture
def coordinators(database, make_user):
    return (actor(database, make_user, "coordinator", "plant", username="koordinator_a"),
            actor(database, make_user, "coordinator", "plant", username="koordinator_b"))


def _open(database, viewer, nnc_id: int, fields) -> tuple[dict, dict]:
    """What a form holds once it opened the NNC: its values, and the version and values it keeps for the save."""
    with database.session() as s:
        found = nnc_detail.nnc_for_viewer(s, nnc_id, viewer)
    values = {name: found.get(name) for name in fields}
    return values, edit_versions.opened(found["version"], values)


def _new_nnc(database, creator) -> int:
    with database.session() as s:
        return nnc.create_nnc(s, creator, valid_nnc(s))["id"]


def _saved(database, nnc_id: int) -> Nnc:
    with database.session() as s:
        record = s.scalar(select(Nnc).where(Nnc.id == nnc_id))
        s.expunge(record)
        return record


def _both_edit(database, operators, nnc_id: int, first_change, second_change: dict) -> pytest.ExceptionInfo:
    """Both operators open the NNC's form; the first saves `first_change(session)`, the second `second_change`,
    which must be refused: what pytest caught of the refusal."""
    (first, second), opened = operators, []
    for person in operators:
        opened.append(_open(database, person, nnc_id, EDITABLE_FIELDS))
    with database.session() as s:
        values, kept = opened[0]
        nnc.update_nnc(s, first, nnc_id, {**values, **first_change(s)}, expected_version=kept["version"],
                       opened=kept["values"])
    with pytest.raises(StaleEdit) as caught, database.session() as s:
        values, kept = opened[1]
        nnc.update_nnc(s, second, nnc_id, {**values, **second_change}, expected_version=kept["version"],
                       opened=kept["values"])
    return caught


def test_second_save_of_an_nnc_opened_before_the_first_is_refused_and_the_first_is_kept(database, operators):
    nnc_id = _new_nnc(database, operators[0])
    caught = _both_edit(database, operators, nnc_id, lambda _s: {"description": "Larva hidup di 3 dari 40 buah."},
                        {"commodity": "Durian"})

    assert caught.value.changes == (("description", None, "Larva hidup di 3 dari 40 buah."),)
    assert caught.value.by == "petugas_a" and caught.value.at is not None
    record = _saved(database, nnc_id)
    assert (record.description, record.commodity) == ("Larva hidup di 3 dari 40 buah.", "Manggis")
    assert record.version == 2  # created as 1, the first save took 2; the refused one took none


def test_a_form_reopened_after_the_first_save_saves(database, operators):
    first, second = operators
    nnc_id = _new_nnc(database, first)
    values_a, kept_a = _open(database, first, nnc_id, EDITABLE_FIELDS)
    with database.session() as s:
        nnc.update_nnc(s, first, nnc_id, {**values_a, "description": "Pertama"},
                       expected_version=kept_a["version"], opened=kept_a["values"])
    values_b, kept_b = _open(database, second, nnc_id, EDITABLE_FIELDS)
    with database.session() as s:
        nnc.update_nnc(s, second, nnc_id, {**values_b, "commodity": "Durian"},
                       expected_version=kept_b["version"], opened=kept_b["values"])
    record = _saved(database, nnc_id)
    assert (record.description, record.commodity) == ("Pertama", "Durian")


def test_a_save_that_changes_nothing_leaves_other_open_forms_current(database, operators):
    first, second = operators
    nnc_id = _new_nnc(database, first)
    values_a, kept_a = _open(database, first, nnc_id, EDITABLE_FIELDS)
    values_b, kept_b = _open(database, second, nnc_id, EDITABLE_FIELDS)
    with database.session() as s:
        nnc.update_nnc(s, first, nnc_id, values_a, expected_version=kept_a["version"], opened=kept_a["values"])
    with database.session() as s:
        nnc.update_nnc(s, second, nnc_id, {**values_b, "commodity": "Durian"},
                       expected_version=kept_b["version"], opened=kept_b["values"])
    assert _saved(database, nnc_id).commodity == "Durian"


def test_a_save_without_a_version_from_a_form_is_refused(database, operators):
    """A crafted save (or a page from before versions) sends none: edit_versions.from_form makes it match nothing."""
    first, _second = operators
    nnc_id = _new_nnc(database, first)
    values, _kept = _open(database, first, nnc_id, EDITABLE_FIELDS)
    version, opened = edit_versions.from_form({"values": "not a dict"})
    with pytest.raises(StaleEdit), database.session() as s:
        nnc.update_nnc(s, first, nnc_id, {**values, "commodity": "Durian"}, expected_version=version, opened=opened)
    assert _saved(database, nnc_id).commodity == "Manggis"


def test_follow_up_over_a_newer_follow_up_is_refused_and_keeps_the_findings(database, operators, coordinators):
    """The issue's case: the second follow-up set `investigation_findings` back to NULL."""
    nnc_id = _new_nnc(database, operators[0])
    first, second = coordinators
    fields = FOLLOW_UP_FIELDS + ("status",)
    values_a, kept_a = _open(database, first, nnc_id, fields)
    values_b, kept_b = _open(database, second, nnc_id, fields)
    with database.session() as s:
        nnc.record_follow_up(s, first, nnc_id, {"investigation_findings": "Fumigasi tidak tuntas."},
                             "under_investigation", expected_version=kept_a["version"], opened=kept_a["values"])
    with pytest.raises(StaleEdit) as caught, database.session() as s:
        nnc.record_follow_up(s, second, nnc_id, {"investigation_findings": None,
                                                 "corrective_action": "Ganti penyedia fumigasi."},
                             expected_version=kept_b["version"], opened=kept_b["values"])
    assert set(caught.value.changes) == {("investigation_findings", None, "Fumigasi tidak tuntas."),
                                         ("status", "received", "under_investigation")}
    assert caught.value.by == "koordinator_a"
    record = _saved(database, nnc_id)
    assert (record.investigation_findings, record.corrective_action, record.status) == \
        ("Fumigasi tidak tuntas.", None, "under_investigation")


def test_an_edit_form_opened_before_a_follow_up_cannot_undo_it(database, operators, coordinators):
    """The edit form carries the follow-up fields too: one version per NNC, so either save makes the other stale."""
    nnc_id = _new_nnc(database, operators[0])
    values, kept = _open(database, operators[0], nnc_id, EDITABLE_FIELDS)
    _fu_values, fu_kept = _open(database, coordinators[0], nnc_id, FOLLOW_UP_FIELDS + ("status",))
    with database.session() as s:
        nnc.record_follow_up(s, coordinators[0], nnc_id, {"corrective_action": "Pelatihan ulang."},
                             expected_version=fu_kept["version"], opened=fu_kept["values"])
    with pytest.raises(StaleEdit) as caught, database.session() as s:
        nnc.update_nnc(s, operators[0], nnc_id, {**values, "lot_number": "L-7"}, expected_version=kept["version"],
                       opened=kept["values"])
    assert caught.value.changes == (("corrective_action", None, "Pelatihan ulang."),)
    assert _saved(database, nnc_id).corrective_action == "Pelatihan ulang."


def test_a_save_racing_past_the_check_is_refused_by_the_guarded_update(database, operators):
    """Both read version 1; the other commits between this one's read and its write: the UPDATE … WHERE version
    finds no row, so this one is refused too (the check alone could not see it)."""
    first, _second = operators
    nnc_id = _new_nnc(database, first)
    with database.sessionmaker() as slow:
        record = slow.get(Nnc, nnc_id)  # read, not locked
        version = record.version
        with database.session() as fast:
            other = fast.get(Nnc, nnc_id)
            edit_versions.claim(fast, other, version, {}, lambda n: {"commodity": n.commodity}, "nnc")
            other.commodity = "Durian"
        record.commodity = "Salak"
        with pytest.raises(StaleEdit) as caught:
            edit_versions.claim(slow, record, version, {"commodity": "Manggis"}, lambda n: {"commodity": n.commodity},
                                "nnc")
        slow.rollback()
    assert caught.value.changes == (("commodity", "Manggis", "Durian"),)
    assert _saved(database, nnc_id).commodity == "Durian"


# ------------------------------------------------------------------------------------------------ complaints
def _opened_twice_and_answered(database, officer, complaint: dict, answer: str) -> tuple[int, dict]:
    """A complaint created by `officer`, its handling form opened in two tabs, the first tab's answer saved: (its
    id, what the second tab opened)."""
    with database.session() as s:
        complaint_id = complaints.create(s, officer, complaint)["id"]
    opened = []
    for _ in range(2):
        with database.session() as s:
            found = complaints.detail(s, officer, complaint_id)
        opened.append(edit_versions.opened(found["version"], {n: found[n] for n in complaints.EDIT_FIELDS}))
    with database.session() as s:
        complaints.update(s, officer, complaint_id, {"status": "answered", "answer": answer},
                          expected_version=opened[0]["version"], opened=opened[0]["values"])
    return complaint_id, opened[1]


def test_second_complaint_handling_save_is_refused_and_the_first_answer_is_kept(database, operators):
    first, second = operators
    complaint_id, later = _opened_twice_and_answered(database, first, {
        "channel": "whatsapp", "category": "service", "subject": "Antrean lama", "text": "Menunggu 3 jam."},
        "Sudah ditambah loket.")
    with pytest.raises(StaleEdit) as caught, database.session() as s:
        complaints.update(s, second, complaint_id, {"status": "in_progress", "answer": "", "category": "tariff"},
                          expected_version=later["version"], opened=later["values"])
    # what the first save changed, its answerer assigned by it included
    assert set(caught.value.changes) == {("status", "new", "answered"), ("answer", None, "Sudah ditambah loket."),
                                         ("assignee_id", None, "petugas_a")}
    assert caught.value.by == "petugas_a"
    with database.session() as s:
        stored = s.get(Complaint, complaint_id)
        assert (stored.status, stored.answer, stored.category) == ("answered", "Sudah ditambah loket.", "service")


def test_a_complaint_form_opened_while_new_and_saved_after_it_was_answered_is_told_someone_saved_meanwhile(
        database, operators):
    """Not "answered → new is not allowed" under Status: the form is stale, and says who answered it with what."""
    first, second = operators
    complaint_id, later = _opened_twice_and_answered(database, first, {
        "channel": "phone", "category": "service", "subject": "Loket tutup", "text": "Loket 2 tutup siang."},
        "Loket buka lagi pukul 13.00.")
    with pytest.raises(StaleEdit) as caught, database.session() as s:
        complaints.update(s, second, complaint_id, {"status": "new", "answer": "Kami cek dulu."},
                          expected_version=later["version"], opened=later["values"])
    assert ("status", "new", "answered") in caught.value.changes and caught.value.by == "petugas_a"
    with database.session() as s:
        assert s.get(Complaint, complaint_id).answer == "Loket buka lagi pukul 13.00."


# ------------------------------------------------------------------------------------------------ notification choices
@pytest.fixture
def shared_account(database, make_user):
    """One service-user account (a forwarder's) that several staff keep open in their own tabs."""
    return make_user("forwarder_bersama", "service_user", email="ekspedisi@contoh.invalid")["id"]


def _open_choices(database, user_id: int) -> dict:
    with database.session() as s:
        found = notifications.preferences(s, user_id)
    return edit_versions.opened(found["version"], {n: found[n] for n in notifications.EDIT_FIELDS})


def _save_choices(database, user_id: int, kept: dict, **choices):
    with database.session() as s:
        return notifications.save_preferences(s, user_id, **{"email": True, "whatsapp": False, "phone": None,
                                                             **choices},
                                              expected_version=kept["version"], opened=kept["values"])


@pytest.mark.parametrize("chosen_before", [False, True], ids=["first-save", "later-save"])
def test_notification_choices_saved_from_a_tab_opened_before_another_tabs_save_are_refused(
        database, shared_account, chosen_before):
    """Two staff on one account: the second tab's save cannot silently undo the first's (nor can the second of two
    first saves, when the account had no stored choices yet)."""
    if chosen_before:
        _save_choices(database, shared_account, _open_choices(database, shared_account), stages=["paid"])
    tab_a, tab_b = _open_choices(database, shared_account), _open_choices(database, shared_account)
    _save_choices(database, shared_account, tab_a, whatsapp=True, phone="+62 812 1111 2222",
                  stages=["paid", "released"])
    with pytest.raises(StaleEdit) as caught:
        _save_choices(database, shared_account, tab_b, email=False, stages=["paid"])
    changes = {field: (then, now) for field, then, now in caught.value.changes}
    assert changes["whatsapp"] == (False, True) and changes["phone"] == (None, "+62 812 1111 2222")
    assert changes["stages"][1] == ["paid", "released"] and caught.value.by == "forwarder_bersama"
    with database.session() as s:
        stored = notifications.preferences(s, shared_account)
    assert (stored["email"], stored["whatsapp"], stored["stages"]) == (True, True, ["paid", "released"])
    # Reopened on the newer choices, the second tab saves.
    _save_choices(database, shared_account, _open_choices(database, shared_account), email=False)


def test_turning_push_on_from_a_device_leaves_the_open_choices_form_current(database, shared_account):
    """A device subscribing turns the push channel on without a form save: the tab that did it can still save."""
    from portal.services import push

    kept = _open_choices(database, shared_account)
    with database.session() as s:
        push.subscribe(s, shared_account, {"endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": {
            "p256dh": base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode().rstrip("="),
            "auth": base64.urlsafe_b64encode(b"\x02" * 16).decode().rstrip("=")}}, "Ponsel")
    saved = _save_choices(database, shared_account, kept, push=True, digest=True)
    assert (saved["push"], saved["digest"]) == (True, True)


# ------------------------------------------------------------------------------------------------ accounts
def test_second_account_save_is_refused_and_the_first_role_change_is_kept(database, make_user):
    admins = [actor(database, make_user, "admin", username=name) for name in ("admin_satu", "admin_dua")]
    target = make_user("petugas_target", "operator")
    opened = []
    for _ in admins:
        with database.session() as s:
            row = users.get_user(s, target["id"])
        opened.append(edit_versions.opened(row["version"], {n: row[n] for n in users.EDIT_FIELDS}))
    with database.session() as s:
        users.update_user(s, admins[0], target["id"], {"role": "enforcement"},
                          expected_version=opened[0]["version"], opened=opened[0]["values"])
    with pytest.raises(StaleEdit) as caught, database.session() as s:
        users.update_user(s, admins[1], target["id"], {"role": "operator", "full_name": "Nama Baru"},
                          expected_version=opened[1]["version"], opened=opened[1]["values"])
    assert caught.value.changes == (("role", "operator", "enforcement"),) and caught.value.by == "admin_satu"
    with database.session() as s:
        assert (s.get(User, target["id"]).role, s.get(User, target["id"]).full_name) == ("enforcement",
                                                                                        target["full_name"])


def test_logging_in_does_not_make_the_admins_open_form_stale(database, make_user):
    """Only the form's saves move an account's version: the account's own logins and lockouts do not."""
    admin = actor(database, make_user, "admin", username="admin_login")
    target = make_user("petugas_login", "operator")
    with database.session() as s:
        row = users.get_user(s, target["id"])
    with database.session() as s:
        accounts.authenticate(s, "petugas_login", "salah-sekali")
        accounts.authenticate(s, "petugas_login", PASSWORD)
    with database.session() as s:
        users.update_user(s, admin, target["id"], {"full_name": "Petugas Masuk"}, expected_version=row["version"],
                          opened={n: row[n] for n in users.EDIT_FIELDS})
    with database.session() as s:
        assert s.get(User, target["id"]).full_name == "Petugas Masuk"


# ------------------------------------------------------------------------------------------------ settings
def test_second_scoring_settings_save_is_refused_and_the_first_version_stays_current(database):
    with database.session() as s:
        version, settings = current_settings(s)
    opened = edit_versions.opened(version, settings.to_dict())
    with database.session() as s:
        first = save_settings(s, None, "admin_satu", {**settings.to_dict(), "weight_nnc": settings.weight_nnc + 1},
                              expected_version=opened["version"], opened=opened["values"])
    with pytest.raises(StaleEdit) as caught, database.session() as s:
        save_settings(s, None, "admin_dua", {**settings.to_dict(), "prior_m": 50},
                      expected_version=opened["version"], opened=opened["values"])
    assert caught.value.changes == (("weight_nnc", settings.weight_nnc, settings.weight_nnc + 1),) and caught.value.by == "admin_satu"
    with database.session() as s:
        now_version, now = current_settings(s)
    assert (now_version, now.weight_nnc, now.prior_m) == (first["version"], settings.weight_nnc + 1, settings.prior_m)


def test_second_sla_hours_save_is_refused_and_the_first_hours_are_kept(database):
    for _round in range(2):  # the first save creates the settings row, the second changes it
        with database.session() as s:
            opened = edit_versions.opened(sla.sla_version(s), sla.sla_hours(s))
        hours = opened["values"]
        with database.session() as s:
            sla.save_sla_hours(s, None, "admin_satu", {**hours, "verified": hours["verified"] + 1},
                               expected_version=opened["version"], opened=hours)
        with pytest.raises(StaleEdit) as caught, database.session() as s:
            sla.save_sla_hours(s, None, "admin_dua", {**hours, "paid": 12}, expected_version=opened["version"],
                               opened=hours)
        assert caught.value.changes == (("verified", hours["verified"], hours["verified"] + 1),)
        with database.session() as s:
            assert sla.sla_hours(s)["verified"] == hours["verified"] + 1 and sla.sla_hours(s)["paid"] == hours["paid"]


# ------------------------------------------------------------------------------------------------ corrections
def test_second_answer_to_a_correction_request_is_refused_and_names_the_first(database, make_user, operators):
    make_user("pengguna_koreksi", "service_user")
    with database.session() as s:
        company = gen_service_user(s, name="PT Koreksi")
        link_account(s, "pengguna_koreksi", company, utcnow() - timedelta(days=1))
        application = gen_application(s, company, submitted_at=utcnow() - timedelta(hours=5),
                                      stages=("submitted", "verified", "inspected", "draft_certificate"))
        gen_certificate(s, application, issued_at=utcnow() - timedelta(hours=2))
        member = current_user_from(s.scalar(select(User).where(User.username == "pengguna_koreksi")), "test",
                                   (company.id,))
        request_id = corrections.create_request(s, member, application.id, "commodity", "salah", "benar")["id"]
    opened = []
    for _ in operators:
        with database.session() as s:
            opened.append(corrections.opened_request(s, operators[0], request_id))
    with database.session() as s:
        corrections.resolve(s, operators[0], request_id, reason="Data di IQFast sudah benar.",
                            expected_version=opened[0]["version"], opened=opened[0]["values"])
    with pytest.raises(StaleEdit) as caught, database.session() as s:
        corrections.resolve(s, operators[1], request_id, reason="Akan diperbaiki.",
                            expected_version=opened[1]["version"], opened=opened[1]["values"])
    assert set(caught.value.changes) == {("status", "open", "resolved"), ("resolution", None, "reason"),
                                         ("resolution_note", None, "Data di IQFast sudah benar.")}
    assert caught.value.by == "petugas_a"
    with database.session() as s:
        assert s.get(CorrectionRequest, request_id).resolution_note == "Data di IQFast sudah benar."
        # The answered request says who answered it and when, in the list and on its card; the dialog names it
        listed = corrections.list_requests(s, operators[1], None)["rows"]
        assert [(row["id"], row["resolved_by"]) for row in listed] == [(request_id, "petugas_a")]
        named = corrections.request_summary(s, operators[1], request_id)
        assert (named["number"], named["company"], named["expected"]) == (application.number, "PT Koreksi", "benar")
    from callbacks.corrections import _card

    card = str(_card(listed[0], "Asia/Jakarta"))
    assert "Dijawab oleh petugas_a" in card and "Sudah dijawab" in card


# ------------------------------------------------------------------------------------------------ guidance
def test_second_guidance_move_is_refused_with_what_the_first_did(database, coordinators):
    first, second = coordinators
    with database.session() as s:
        company = gen_service_user(s, name="PT Binaan")
        gen_application(s, company, section="plant")  # active in the coordinators' section
        reach = {"office_id": first.office_id, "section_scope": "plant"}
        today = today_in(office_zone(s, first.office_id))
        plan = guidance.record_guidance(s, first.id, first.username, **reach, values={
            "service_user_id": company.id, "given_on": (today + timedelta(days=3)).isoformat(), "kind": "visit",
            "notes": "Kunjungan kebun", "officer_name": "Budi", "section": "plant"})
    opened = []
    for _ in coordinators:
        with database.session() as s:
            record = guidance.record_detail(s, plan["id"], **reach)
        opened.append(edit_versions.opened(record["version"], {n: record[n] for n in guidance.ACTION_FIELDS}))
    with database.session() as s:
        guidance.mark_done(s, first.id, first.username, **reach, guidance_id=plan["id"],
                           version=opened[0]["version"], given_on=today.isoformat(), opened=opened[0]["values"])
    with pytest.raises(StaleEdit) as caught, database.session() as s:
        guidance.cancel(s, second.id, second.username, **reach, guidance_id=plan["id"],
                        version=opened[1]["version"], reason="Perusahaan tutup.", opened=opened[1]["values"])
    assert set(caught.value.changes) == {("status", "planned", "done"),
                                         ("given_on", (today + timedelta(days=3)).isoformat(), today.isoformat())}
    assert caught.value.by == "koordinator_a"
    with database.session() as s:
        assert (s.get(GuidanceRecord, plan["id"]).status, s.get(GuidanceRecord, plan["id"]).cancel_reason) == \
            ("done", None)


def test_a_changed_reference_is_named_not_numbered(database, operators):
    """The message says which company and section the NNC names now, not their ids."""
    nnc_id = _new_nnc(database, operators[0])

    def move(s):
        return {"service_user_id": gen_service_user(s, name="PT Pengganti").id,
                "section_id": section_id(s, "animal")}

    caught = _both_edit(database, operators, nnc_id, move, {"commodity": "Durian"})
    changes = {field: (then, now) for field, then, now in caught.value.changes}
    assert changes["section_id"] == ("plant", "animal")
    assert changes["service_user_id"][1] == "PT Pengganti"
