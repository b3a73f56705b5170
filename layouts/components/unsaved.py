"""Unsaved changes: an officer who leaves a form they typed in is asked first, instead of losing the typing.

A menu link, or Back and Forward between the portal's pages, changes the page inside the browser (dcc.Link,
dbc.NavLink, Dash's router on `popstate`: no `beforeunload`), and a reload or a closed tab drops the page whole; either way what was typed and not saved was gone without a word. Every edit form already
keeps what it opened (portal/services/edit_versions.py: `opened(version, values)`), so the page can tell a changed
form from an untouched one without asking the server.

A form declares it with one call, callbacks.common.register_unsaved_guard: a guard id, the store holding what it
opened, which control shows each opened value, and (where a form has them) controls that start blank at every
opening (a note, "keep the status", drafts kept for later) and the dialog it lives in (a closed one has nothing to
lose). The declaration is kept on the app (`forms`) and drawn into the shell for the reader's role
(`shell_parts`), so a page needs no markup of its own: the browser compares (assets/qc-shell.js: unsavedForm, on
every change, no request) and the shell asks before a link, Back or Forward, a reload or a closed tab leaves a
changed form (qcUnsaved there), in the words the shell draws here.
"""
from __future__ import annotations

from typing import Any, Mapping

from dash import dcc, html
from flask import current_app

from portal.i18n import t

# The shell's store of the reader's guarded forms and its element carrying the question (assets/qc-shell.js).
FORMS_ID = "shell-unsaved-forms"
MESSAGE_ID = "shell-unsaved"
EXTENSION = "qcorner_unsaved_forms"


def _spot(where: str | tuple[str, str], prop: str = "value") -> tuple[str, str]:
    """(component id, property) of a control named by its id alone (its `prop`) or as (id, property)."""
    return (where, prop) if isinstance(where, str) else tuple(where)


def declaration(opened: str, fields: Mapping[str, str | tuple[str, str]], blank=(), open_while: str | None = None,
                empty: Mapping[str, Any] | None = None) -> tuple[list[tuple[str, str]], dict]:
    """(the (id, property) the browser watches, in order, and what the browser is told of each) for a guarded form.

    The opened store comes first. Each control of `fields` is compared with the opened value it shows (several keys
    may share one control: a checklist holding a switch per key); each of `blank` counts as changed once it holds
    anything; the dialog `open_while` last (its `is_open`): a closed one has nothing to lose. `empty` gives a
    control's own word for no value by its id ("none": unassigned, "keep": no status change), counted as empty."""
    empty = empty or {}
    watched: list[tuple[str, str]] = [(opened, "data")]
    told: list[dict] = []
    for key, where in fields.items():
        spot = _spot(where)
        if spot in watched:  # another key of the same control
            told[watched.index(spot) - 1]["keys"].append(key)
            continue
        watched.append(spot)
        told.append({"keys": [key], "empty": empty.get(spot[0])})
    for where in blank:
        spot = _spot(where)
        watched.append(spot)
        told.append({"keys": [], "empty": empty.get(spot[0])})
    if open_while is not None:
        watched.append(_spot(open_while, "is_open"))
        told.append({"gate": True})
    return watched, {"opened": opened, "controls": told}


def forms(server) -> dict[str, tuple[str, dict]]:
    """The app's guarded forms: guard id → (the permission of the form, what the browser is told of it)."""
    return server.extensions.setdefault(EXTENSION, {})


def shell_parts(user) -> list:
    """Drawn once in the shell: the guarded forms of the reader's role, and the question asked before leaving one
    changed, in the reader's language (a data attribute, read by assets/qc-shell.js when a link is clicked)."""
    mine = {guard_id: told for guard_id, (permission, told) in forms(current_app).items() if user.can(permission)}
    return [dcc.Store(id=FORMS_ID, data=mine),
            html.Div(id=MESSAGE_ID, hidden=True, **{"data-message": t("edit.unsaved_leave")})]
