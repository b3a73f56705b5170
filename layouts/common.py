"""Pieces several pages draw the same way."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from layouts.components.date_words import date_words, is_date_input
from portal.i18n import current_language, t



def page_header(title: str, subtitle: str | None = None, actions=None):
    """The page title, a line on what it is for, and the page's main buttons."""
    return dbc.Row([
        dbc.Col([html.H1(title, className="mb-1"),
                 html.P(subtitle, className="text-muted mb-0") if subtitle else None], md=8),
        dbc.Col(actions, md=4, className="text-md-end mt-2 mt-md-0") if actions else None,
    ], className="mb-3 align-items-end")


def field(label: str, control, feedback_id: str | None = None, help_text: str | None = None, width: int = 12):
    """A labelled form control with room for its error message under it; a date field has its date in words under
    it too (layouts.components.date_words)."""
    children = [dbc.Label(label, html_for=getattr(control, "id", None)), control]
    if is_date_input(control):
        children.append(date_words(control.id))
    if feedback_id:
        children.append(dbc.FormFeedback(id=feedback_id, type="invalid"))
    if help_text:
        control_id = getattr(control, "id", None)
        named = {"id": f"{control_id}-help"} if isinstance(control_id, str) else {}
        children.append(dbc.FormText(help_text, **named))
    return dbc.Col(html.Div(children, className="mb-3"), md=width)


def filled_form(form_id: str, children, disabled: bool = True, **kwargs):
    """An edit form whose stored values arrive by a callback after the page is drawn: its controls stay disabled
    until that callback enables them (its `disabled` output), so nothing chosen or typed in between is overwritten
    by the arriving values, and no save can go out without the version the form opened (edit_versions)."""
    return html.Fieldset(children, id=form_id, disabled=disabled, **kwargs)


def hidden_label(text: str, control_id: str):
    """A label screen readers announce; the placeholder or first option already shows it on screen."""
    return dbc.Label(text, html_for=control_id, class_name="visually-hidden")


def group_label(children, control_id: str):
    """The words at the front of an input group ("Dari", "Urutkan"), as the control's own label: seen on screen
    and announced by a screen reader (a plain input-group text is neither tied to the control)."""
    return dbc.Label(children, html_for=control_id, class_name="input-group-text mb-0")


def scrolling_table(table, label: str, **kwargs):
    """A wide table that scrolls sideways inside its own frame on a phone (the page itself never does); the frame
    takes keyboard focus, so the arrow keys scroll it too (WCAG 2.1.1), and says what it holds."""
    return html.Div(table, className="table-responsive qc-scroll-table", tabIndex="0", role="region",
                    **{"aria-label": label}, **kwargs)


def section_select(component_id: str, user, all_label: str, all_value: str = "all", sections=()):
    """Section-scoped users see their own section only: the select shows it, locked (the service enforces it).

    Officers who see every section get "all" and ``sections``, the active sections as (code, name_id, name_en) the
    router read for the page (`Page.sections`): drawn with the page, not asked for by a callback after it.
    """
    if user.section_scope:
        return dbc.Select(id=component_id, value=user.section_scope, disabled=True,
                          options=[{"label": t(f"section.{user.section_scope}"), "value": user.section_scope}])
    named = 1 if current_language() == "id" else 2
    return dbc.Select(id=component_id, value=all_value, options=[{"label": all_label, "value": all_value}] + [
        {"label": section[named], "value": section[0]} for section in sections])
