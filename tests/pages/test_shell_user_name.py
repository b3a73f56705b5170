"""The logged-in user's name in the menu. On a laptop a fixed 12rem cut "Dewi Anggraini (PPJK, Pengguna Jasa)" at
1366 px with a third of the bar empty; now the menu breaks into lines as it did (the name counted as at most 12rem),
then the name grows into the room left on its line and is cut with "…" only when that runs out. In the phone's folded
menu the whole name shows, on two lines if it must (a long one ran off the screen). Looked at in Chromium at 1366 and
390 px as admin (two lines of menu before and after), service_user and forwarder, with a 66-character name."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from support.web import components

STYLESHEET = (Path(__file__).resolve().parents[2] / "assets" / "qcorner.css").read_text(encoding="utf-8")


def _rule(selector: str) -> str:
    """The declarations of every rule whose selector ends with `selector` (media queries included), joined."""
    return " ".join(re.findall(r"(?:^|[,}\s])" + re.escape(selector) + r"\s*\{([^}]*)\}", STYLESHEET, re.M))


@pytest.mark.parametrize("role", ["admin", "service_user"])
def test_the_user_menu_is_the_item_that_takes_the_room_left_on_its_line(logged_in, role):
    client = logged_in(role)
    [menu] = [props for kind, props in components(client.get("/_dash-layout").json)
              if kind == "DropdownMenu" and "shell-user-name" in json.dumps(props.get("label"))]
    assert "qc-user-menu" in menu["class_name"].split()


def test_the_name_grows_into_the_room_there_is_instead_of_stopping_at_12rem():
    menu = _rule(".qc-navbar .qc-user-menu")
    # lines are made with the name counted as 12rem at most (no line wraps that did not), then it grows to its length
    assert "flex: 1 1 12rem" in menu and "max-width: max-content" in menu and "min-width: 0" in menu
    name = _rule("#shell-user-name")
    assert "text-overflow: ellipsis" in name and "max-width" not in name
    # the phone's folded menu: the whole name, wrapped
    assert "white-space: normal" in _rule(".qc-navbar .qc-user-menu > .nav-link")
