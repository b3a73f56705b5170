"""The semester follow-up plan saves against the version its form opened: a save over a colleague's newer plan is
refused (StaleEdit, nothing written), never a silent overwrite (ARCHITECTURE.md, "Every edit form carries …")."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import AuditLog
from portal.services import edit_versions, ikm_results
from portal.validation import StaleEdit
from support.factories import office_id


def _saves(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditLog)
                          .where(AuditLog.action == "ikm_follow_up_plan_saved"))


def _opened(session, office):
    """What the page's plan form keeps when it opens the plan of 2026 S1."""
    plan = ikm_results.follow_up_plan(session, office, 2026, 1)
    return edit_versions.opened(ikm_results.plan_version(session, office, 2026, 1),
                                {"text": plan["text"] if plan else None})


def test_a_second_first_plan_of_a_semester_is_refused_not_written_over_the_first(session):
    office = office_id(session)
    first, second = _opened(session, office), _opened(session, office)  # both forms open the empty semester
    assert first["version"] == 0
    ikm_results.save_follow_up_plan(session, None, "kepala_a", office, 2026, 1, "Sosialisasi prosedur",
                                    expected_version=first["version"], opened=first["values"])
    with pytest.raises(StaleEdit) as refused:
        ikm_results.save_follow_up_plan(session, None, "kepala_b", office, 2026, 1, "Loket informasi",
                                        expected_version=second["version"], opened=second["values"])
    assert refused.value.changes == (("text", None, "Sosialisasi prosedur"),)
    assert refused.value.by == "kepala_a"
    assert ikm_results.follow_up_plan(session, office, 2026, 1)["text"] == "Sosialisasi prosedur"
    assert _saves(session) == 1


def test_a_save_from_a_form_opened_before_a_colleagues_save_is_refused_and_writes_nothing(session):
    office = office_id(session)
    ikm_results.save_follow_up_plan(session, None, "admin", office, 2026, 1, "Rencana awal")
    mine, colleague = _opened(session, office), _opened(session, office)
    ikm_results.save_follow_up_plan(session, None, "rekan", office, 2026, 1, "Rencana dari rekan",
                                    expected_version=colleague["version"], opened=colleague["values"])
    with pytest.raises(StaleEdit) as refused:
        ikm_results.save_follow_up_plan(session, None, "admin", office, 2026, 1, "Rencana saya",
                                        expected_version=mine["version"], opened=mine["values"])
    assert refused.value.changes == (("text", "Rencana awal", "Rencana dari rekan"),)
    assert refused.value.by == "rekan"
    plan = ikm_results.follow_up_plan(session, office, 2026, 1)
    assert (plan["text"], plan["version"]) == ("Rencana dari rekan", mine["version"] + 1)
    assert _saves(session) == 2


def test_a_save_from_the_current_version_takes_the_next_one(session):
    office = office_id(session)
    ikm_results.save_follow_up_plan(session, None, "admin", office, 2026, 1, "Rencana awal")
    opened = _opened(session, office)
    saved = ikm_results.save_follow_up_plan(session, None, "admin", office, 2026, 1, "Rencana kedua",
                                            expected_version=opened["version"], opened=opened["values"])
    assert (saved["text"], saved["version"]) == ("Rencana kedua", opened["version"] + 1)
    # the other semester is another record with its own version
    assert ikm_results.plan_version(session, office, 2026, 2) == 0


@pytest.mark.parametrize("kept", [None, "3", {"version": True}, {"version": "1"}, {"values": {}}])
def test_a_save_without_a_version_it_opened_is_refused(session, kept):
    office = office_id(session)
    ikm_results.save_follow_up_plan(session, None, "admin", office, 2026, 1, "Rencana awal")
    version, opened = edit_versions.from_form(kept)
    with pytest.raises(StaleEdit):
        ikm_results.save_follow_up_plan(session, None, "admin", office, 2026, 1, "Rencana palsu",
                                        expected_version=version, opened=opened)
    assert ikm_results.follow_up_plan(session, office, 2026, 1)["text"] == "Rencana awal"


def test_saving_the_text_that_is_already_stored_writes_nothing_and_keeps_other_forms_current(session):
    office = office_id(session)
    ikm_results.save_follow_up_plan(session, None, "admin", office, 2026, 1, "Rencana awal")
    opened = _opened(session, office)
    ikm_results.save_follow_up_plan(session, None, "admin", office, 2026, 1, "  Rencana awal \n",
                                    expected_version=opened["version"], opened=opened["values"])
    assert ikm_results.plan_version(session, office, 2026, 1) == opened["version"]
    assert _saves(session) == 1
