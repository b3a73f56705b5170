"""What each role's menu bar holds (portal/pages.py menu_entries): the pages its permissions open, the station's
figures and the keeping pages in drop-downs, and never a drop-down of one page."""
from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.pages import menu_entries, menu_for
from portal.security.permissions import ROLES, role_can


@dataclass
class Reader:
    role: str

    def can(self, permission: str) -> bool:
        return role_can(self.role, permission)


def _bar(role: str) -> list[str]:
    return [f"{entry[0]}: " + ", ".join(page.key for page in entry[1]) if isinstance(entry, tuple) else entry.key
            for entry in menu_entries(Reader(role))]


def test_the_admins_figures_and_keeping_pages_are_two_drop_downs_of_a_nine_entry_bar():
    assert _bar("admin") == [
        "performance: kpi, offices, survey", "compliance: rankings, priority, guidance, effect", "applications",
        "queue", "nnc", "complaints", "corrections",
        "admin: admin-users, admin-audit, admin-service-users, admin-sync, admin-compliance, admin-calendar, "
        "admin-companies"]


def test_a_role_that_sees_one_page_of_a_group_gets_that_page_alone():
    assert _bar("coordinator") == ["compliance: rankings, priority, guidance, effect", "applications", "queue", "nnc",
                                   "survey"]
    assert _bar("operator") == ["applications", "queue", "nnc", "complaints", "corrections"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_may_open_is_on_its_bar_once(role):
    shown = [page.key for entry in menu_entries(Reader(role))
             for page in (entry[1] if isinstance(entry, tuple) else [entry])]
    assert sorted(shown) == sorted(page.key for page in menu_for(Reader(role)))
