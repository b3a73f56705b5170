"""Guidance planning: planned → done → cancelled, future dates only for a plan, the effect only after 6 months of a
done guidance, the moves audited, and a save over a newer one refused (issue #14)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from support.compliance_data import AS_OF, build_ranked_office, clock_at_as_of
from support.web import dash_callback
from callbacks.guidance import effect_text, record_row
from models import AuditLog, GuidanceRecord
from portal.services.compliance import guidance
from portal.validation import Conflict, Forbidden, InvalidInput


@pytest.fixture(autouse=True)
def _clock_at_as_of():
    """The office's "today" is AS_OF (the suite also runs at odd real clocks in `make test-dates`)."""
    with clock_at_as_of():
        yield


@pytest.fixture
def office(session):
    return build_ranked_office(session)


def _record(session, office, given_on: date, status: str | None = None, section_scope: str | None = "plant",
            today: date | None = AS_OF):
    values = {"service_user_id": office["beta"].id, "given_on": given_on.isoformat(), "kind": "visit",
              "notes": "Kunjungan ke gudang.", "officer_name": "Drh. Sari", "status": status}
    return guidance.record_guidance(session, None, "coordinator_plant", office_id=office["office_id"],
                                    section_scope=section_scope, values=values, today=today)


def _reach(office, section_scope="plant"):
    return {"office_id": office["office_id"], "section_scope": section_scope}


def test_a_future_guidance_date_saves_as_planned(session, office):
    chosen = _record(session, office, AS_OF + timedelta(days=10), status="planned")
    by_date = _record(session, office, AS_OF + timedelta(days=30))  # no status chosen: the date decides
    assert chosen["status"] == by_date["status"] == "planned"
    assert session.get(GuidanceRecord, chosen["id"]).status == "planned"
    actions = session.scalars(select(AuditLog.action).where(AuditLog.object_type == "guidance")).all()
    assert actions == ["guidance_planned", "guidance_planned"]


def test_guidance_given_refuses_a_date_in_the_future_and_a_plan_refuses_a_past_one(session, office):
    with pytest.raises(InvalidInput) as future:
        _record(session, office, AS_OF + timedelta(days=1), status="done")
    assert future.value.errors["given_on"][0] == "guidance.error.date_future"
    with pytest.raises(InvalidInput) as past:
        _record(session, office, AS_OF - timedelta(days=1), status="planned")
    assert past.value.errors["given_on"][0] == "guidance.error.plan_past"
    assert session.scalar(select(GuidanceRecord)) is None


def test_marking_a_plan_done_refuses_a_future_date_and_keeps_it_planned(session, office):
    plan = _record(session, office, AS_OF + timedelta(days=5), status="planned")
    with pytest.raises(InvalidInput) as error:
        guidance.mark_done(session, None, "c", **_reach(office), guidance_id=plan["id"], version=1,
                           given_on=(AS_OF + timedelta(days=5)).isoformat(), today=AS_OF)
    assert error.value.errors["given_on"][0] == "guidance.error.done_future"
    done = guidance.mark_done(session, None, "c", **_reach(office), guidance_id=plan["id"], version=1,
                              given_on=AS_OF.isoformat(), today=AS_OF)
    record = session.get(GuidanceRecord, plan["id"])
    assert (done["status"], record.status, record.given_on, record.version) == ("done", "done", AS_OF, 2)
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "guidance_done"))
    assert entry.before["status"] == "planned" and entry.after == {"status": "done", "given_on": AS_OF.isoformat()}


def test_the_office_day_decides_what_is_in_the_future(session, office):
    """At 00:30 WIB the office's day is already the next one, while UTC still has the day before."""
    with time_machine.travel(datetime(2026, 6, 15, 17, 30, tzinfo=UTC), tick=False):
        saved = _record(session, office, date(2026, 6, 16), status="done", today=None)
    assert saved["status"] == "done"


def test_statuses_move_forward_only_and_a_cancel_needs_a_reason(session, office):
    plan = _record(session, office, AS_OF + timedelta(days=5), status="planned")
    with pytest.raises(InvalidInput) as no_reason:
        guidance.cancel(session, None, "c", **_reach(office), guidance_id=plan["id"], version=1, reason="  ")
    assert no_reason.value.errors["cancel_reason"][0] == "guidance.error.reason_required"
    done = guidance.mark_done(session, None, "c", **_reach(office), guidance_id=plan["id"], version=1,
                              given_on=AS_OF.isoformat(), today=AS_OF)
    with pytest.raises(InvalidInput) as twice:  # done → done
        guidance.mark_done(session, None, "c", **_reach(office), guidance_id=plan["id"], version=done["version"],
                           given_on=AS_OF.isoformat(), today=AS_OF)
    assert twice.value.errors["status"][0] == "guidance.error.transition"
    assert guidance.TRANSITIONS["done"] == ("cancelled",)  # no way back to planned
    cancelled = guidance.cancel(session, None, "c", **_reach(office), guidance_id=plan["id"],
                                version=done["version"], reason="Dicatat untuk perusahaan yang salah.")
    assert session.get(GuidanceRecord, plan["id"]).cancel_reason == "Dicatat untuk perusahaan yang salah."
    with pytest.raises(InvalidInput) as after_cancel:  # cancelled → done
        guidance.mark_done(session, None, "c", **_reach(office), guidance_id=plan["id"],
                           version=cancelled["version"], given_on=AS_OF.isoformat(), today=AS_OF)
    assert after_cancel.value.errors["status"][0] == "guidance.error.transition"
    assert session.get(GuidanceRecord, plan["id"]).status == "cancelled"
    assert session.scalar(select(AuditLog.after).where(AuditLog.action == "guidance_cancelled"))["status"] == \
        "cancelled"


def test_a_save_over_a_newer_save_is_refused(session, office):
    plan = _record(session, office, AS_OF + timedelta(days=5), status="planned")
    guidance.mark_done(session, None, "first", **_reach(office), guidance_id=plan["id"], version=1,
                       given_on=AS_OF.isoformat(), today=AS_OF)
    with pytest.raises(Conflict):  # the second person's dialog still holds version 1
        guidance.cancel(session, None, "second", **_reach(office), guidance_id=plan["id"], version=1,
                        reason="Perusahaan tutup.")
    assert session.get(GuidanceRecord, plan["id"]).status == "done"


def test_a_coordinator_cannot_move_another_sections_guidance(session, office):
    plan = _record(session, office, AS_OF + timedelta(days=5), status="planned", section_scope=None)
    animal = {**_reach(office, "animal")}
    with pytest.raises(Forbidden):
        guidance.cancel(session, None, "c", **animal, guidance_id=plan["id"], version=1, reason="x")


def test_the_effect_shows_only_six_months_after_a_done_guidance(session, office):
    given = AS_OF - timedelta(days=10)
    done = _record(session, office, given, status="done")
    _record(session, office, AS_OF + timedelta(days=7), status="planned")
    result = guidance.guidance_list(session, **_reach(office), as_of=AS_OF)
    row = next(r for r in result["rows"] if r["service_user_id"] == office["beta"].id)
    effect = row["last_guidance"]["effect"]
    assert row["last_guidance"]["id"] == done["id"] and row["planned_guidance"]["given_on"] == AS_OF + timedelta(7)
    assert (effect["verdict"], effect["before"], effect["judged_from"]) == ("pending", None, date(2026, 12, 5))
    text = effect_text(effect)  # outside a request: Indonesian
    assert text.startswith("Belum dapat dinilai") and "→" not in text and "membaik" not in text
    # Six months later the same guidance is judged, from the raw records on both sides.
    later = guidance.effect(session, office["beta"].id, given, section_id=None, tz="Asia/Jakarta",
                            settings=guidance.current_settings(session)[1], today=date(2026, 12, 5))
    assert later["verdict"] != "pending" and later["before"]["n"] > 0


def test_planned_and_cancelled_guidance_have_no_effect(session, office):
    plan = _record(session, office, AS_OF + timedelta(days=3), status="planned")
    old = _record(session, office, date(2025, 12, 1), status="done")
    guidance.cancel(session, None, "c", **_reach(office), guidance_id=old["id"], version=1, reason="Salah input.")
    result = guidance.guidance_list(session, **_reach(office), as_of=AS_OF)
    row = next(r for r in result["rows"] if r["service_user_id"] == office["beta"].id)
    assert row["last_guidance"] is None and row["planned_guidance"]["id"] == plan["id"]
    page = guidance.records_page(session, **_reach(office), as_of=AS_OF)
    assert [(r["status"], r["effect"]) for r in page["rows"]] == [("planned", None), ("cancelled", None)]
    shown = [record_row(r)["effect"] for r in page["rows"]]
    assert shown[0].startswith("Direncanakan") and shown[1] == "Dibatalkan: Salah input."


def test_the_records_list_is_paged_in_the_database(session, office):
    for day in range(30):
        _record(session, office, AS_OF - timedelta(days=day), status="done")
    first = guidance.records_page(session, **_reach(office), page=0, page_size=25, as_of=AS_OF)
    second = guidance.records_page(session, **_reach(office), page=1, page_size=25, as_of=AS_OF)
    assert (first["total"], len(first["rows"]), len(second["rows"])) == (30, 25, 5)
    assert first["rows"][0]["given_on"] == AS_OF and second["rows"][-1]["given_on"] == AS_OF - timedelta(days=29)


def _key(app, *parts) -> str:
    found = [key for key in app.callback_map if all(part in key for part in parts)]
    assert len(found) == 1, (parts, found)
    return found[0]


def test_the_dialog_refuses_a_stale_version_with_a_message(session, office, app, logged_in):
    plan = _record(session, office, AS_OF + timedelta(days=5), status="planned")
    session.commit()
    client = logged_in("coordinator", "plant")
    key = _key(app, "guidance-action-error.children")
    record = {"id": plan["id"], "version": 1, "moves": ["done", "cancelled"], "given_on": AS_OF.isoformat()}

    def act(button, version):
        return dash_callback(client, key, inputs=[
            {"id": "guidance-action-done", "property": "n_clicks", "value": 1 if button == "done" else None},
            {"id": "guidance-action-cancel", "property": "n_clicks", "value": 1 if button == "cancel" else None}],
            state=[{"id": "guidance-action-record", "property": "data", "value": {**record, "version": version}},
                   {"id": "guidance-action-given_on", "property": "value", "value": AS_OF.isoformat()},
                   {"id": "guidance-action-cancel_reason", "property": "value", "value": "Batal."},
                   {"id": "guidance-version", "property": "data", "value": 0}],
            changed=[f"guidance-action-{button}.n_clicks"]).get_json()["response"]

    assert act("done", 1)["guidance-action-modal"]["is_open"] is False
    stale = act("cancel", 1)
    assert stale["guidance-action-error"]["is_open"] is True
    assert "diubah oleh pengguna lain" in stale["guidance-action-error"]["children"]
    session.expire_all()
    assert session.get(GuidanceRecord, plan["id"]).status == "done"
