"""The one search box of the staff lists: it searches while the reader types (after a short pause) and at once on
Enter, so nobody waits in front of an unfiltered list wondering whether to press something.

The box is a dbc.Input whose `value` is sent ~300 ms after the last keystroke (`debounce` in milliseconds for
dbc.Input); the page's list callback takes `Input(<id>, "value")` as before. Enter: dbc sends only `n_submit` while a
pause is pending, so assets/qc-search.js sends the value itself on Enter (no second callback per box).
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

# Milliseconds of quiet after the last keystroke before the list is asked again: long enough that a word typed at
# normal speed is one request, short enough to feel immediate.
SEARCH_DELAY_MS = 300
MAX_LENGTH = 100


def search_box(component_id: str, placeholder: str, label: str | None = None, value: str | None = None,
               class_name: str = ""):
    """A labelled search box (the label is for screen readers; the magnifier and placeholder show what it does).

    The placeholder must fit the box whole on a phone and in a quarter-width column on a laptop (about 27
    characters there, 31 in a wider box: tests/pages/test_search_placeholders.py): a cut-off hint ("Media pembawa,
    nama ilmiah atau…") hides the very fields it lists. A longer description goes in `label`, which screen readers
    say and a mouse shows over the box (its title)."""
    full = label if label and label != placeholder else None
    return html.Div([
        dbc.Label(label or placeholder, html_for=component_id, class_name="visually-hidden"),
        dbc.InputGroup([
            dbc.InputGroupText(html.I(className="bi bi-search", **{"aria-hidden": "true"}), class_name="qc-search-icon"),
            dbc.Input(id=component_id, type="search", placeholder=placeholder, value=value,
                      debounce=SEARCH_DELAY_MS, maxLength=MAX_LENGTH, autoComplete="off", class_name="qc-search"),
        ]),
    ], className=class_name or None, title=full)
