"""Every edit form that keeps what it opened (portal/services/edit_versions.py) asks before it is left changed and
not saved (layouts/components/unsaved.py), or is named here with why it does not: a form added later is guarded by
default, as every page is protected by default."""
from __future__ import annotations

import re
from pathlib import Path

from layouts.components.unsaved import declaration

ROOT = Path(__file__).resolve().parents[2]
# A callbacks module whose form keeps what it opened.
KEEPS_WHAT_IT_OPENED = re.compile(r"edit_versions\.opened\(|\.opened_request\(")
# A registration (a call in the module's code, not a word in a comment).
REGISTERS = re.compile(r"^\s+register_unsaved_guard\(app,", re.MULTILINE)
# module → why its form does not ask before it is left.
EXEMPT: dict[str, str] = {}  # none since Admin › Perusahaan lintas UPT asks too (its reason is typing to lose)


def _modules() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted((ROOT / "callbacks").glob("*.py"))}


def test_every_form_that_keeps_what_it_opened_asks_before_it_is_left_changed():
    unguarded = [name for name, source in _modules().items()
                 if KEEPS_WHAT_IT_OPENED.search(source) and name not in EXEMPT
                 and not REGISTERS.search(source)]
    assert not unguarded, f"forms that keep what they opened without asking before they are left: {unguarded}"


def test_every_exempt_form_still_keeps_what_it_opened_and_is_not_guarded():
    """An exemption outlives nothing: a form that is guarded now, or gone, leaves this list."""
    modules = _modules()
    for name in EXEMPT:
        assert KEEPS_WHAT_IT_OPENED.search(modules.get(name, "")), name
        assert not REGISTERS.search(modules[name]), name


def test_the_browser_is_told_which_opened_value_each_control_shows_in_the_order_it_watches_them():
    watched, told = declaration(
        "x-opened", {"text": "x-text", "a": ("x-flags", "value"), "b": "x-flags", "when": ("x-day", "date")},
        blank=["x-note", ("x-drafts", "data")], open_while="x-dialog", empty={"x-note": "keep"})
    assert watched == [("x-opened", "data"), ("x-text", "value"), ("x-flags", "value"), ("x-day", "date"),
                       ("x-note", "value"), ("x-drafts", "data"), ("x-dialog", "is_open")]
    assert told == {"opened": "x-opened", "controls": [
        {"keys": ["text"], "empty": None}, {"keys": ["a", "b"], "empty": None}, {"keys": ["when"], "empty": None},
        {"keys": [], "empty": "keep"}, {"keys": [], "empty": None}, {"gate": True}]}
