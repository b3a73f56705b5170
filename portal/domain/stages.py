"""The path a consignment takes through the station (DOMAIN.md, "Stages"), and how far along it one has come.

One home for the officer's application page (portal/services/applications.py) and the service user's
(portal/services/my_applications.py): they drew the same path from two copies and disagreed on a stage with no
event of its own — the officer's page counted it passed, the service user's still to come.
"""
from __future__ import annotations

from typing import Iterable

# The path a consignment normally takes.
MAIN_PATH = ("submitted", "verified", "inspected", "treated", "draft_certificate", "billed", "paid", "certified",
             "handed_over")
# Shown only when it happened: most consignments need no treatment.
OPTIONAL_STAGES = frozenset({"treated"})
PROBLEM_STAGES = ("detained", "refused", "destroyed")
# The stages that end an application without a certificate (a detention ends in release, refusal or destruction).
ENDED_STAGES = ("refused", "destroyed")


def path_for(reached: Iterable[str]) -> list[str]:
    """The main path as this application's page draws it: an optional stage only when it was reached."""
    reached = set(reached)
    return [stage for stage in MAIN_PATH if stage not in OPTIONAL_STAGES or stage in reached]


def passed_count(path: list[str], reached: Iterable[str]) -> int:
    """How many steps of ``path`` are behind the application: every step up to the furthest one reached.

    A step with no event of its own before a later one that has one was passed all the same (IQFast records one
    event per stage it saw, and a step can be done without one: "still to come" would promise it again)."""
    return max((path.index(stage) + 1 for stage in set(reached) if stage in path), default=0)
