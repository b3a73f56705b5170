"""One path for both application pages: the officer's and the service user's agree on which steps are behind."""
from __future__ import annotations

from datetime import datetime, timedelta

from portal.services.applications import happy_path_progress
from portal.services.my_applications import progress_steps


def _events(*stages: str) -> list[dict]:
    start = datetime(2026, 11, 2, 8, 0)
    return [{"stage": stage, "occurred_at": start + timedelta(hours=n), "deleted": False}
            for n, stage in enumerate(stages)]


def test_a_step_without_its_own_event_before_a_reached_one_is_passed_on_the_service_users_page():
    # IQFast recorded no verification event, yet the consignment was inspected and billed after it.
    reached = {"submitted", "inspected", "draft_certificate", "billed"}
    states = {step["stage"]: step["state"] for step in progress_steps("billed", reached)}
    assert states["verified"] == "done"
    assert states["billed"] == "current"
    assert states["paid"] == "todo"


def test_the_officers_and_the_service_users_pages_count_the_same_steps_behind():
    for stages in (("submitted", "inspected", "billed"), ("submitted", "verified", "inspected", "treated", "paid"),
                   ("submitted",), ("submitted", "verified", "inspected", "draft_certificate", "billed", "paid",
                                    "certified", "handed_over")):
        officer = happy_path_progress(_events(*stages))
        service_user = progress_steps(stages[-1], set(stages))
        assert [step["stage"] for step in officer["steps"]] == [step["stage"] for step in service_user]
        assert officer["reached"] == sum(step["state"] != "todo" for step in service_user), stages


def test_treatment_appears_on_both_pages_only_when_it_happened():
    assert "treated" not in [step["stage"] for step in progress_steps("inspected", {"submitted", "inspected"})]
    assert "treated" in [step["stage"] for step in progress_steps("treated", {"submitted", "treated"})]
    assert "treated" not in [s["stage"] for s in happy_path_progress(_events("submitted", "inspected"))["steps"]]
