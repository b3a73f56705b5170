"""A record's change in words, one line per field: "label: before → after" (or "label: value" when only one side was
recorded). The NNC's and the complaint's histories draw their changes with it, each with its own words for fields
and values."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from dash import html

from portal.i18n import t


def change_lines(before: dict[str, Any], after: dict[str, Any], keys: Iterable[str], label: Callable[[str], str],
                 value: Callable[[str, Any], Any]) -> list:
    """`label(field)` names a field, `value(field, value)` words a value."""
    return [html.Div([html.Span(label(k) + ": ", className="text-muted"),
                      *(_before(k, before, value) if k in before else ()),
                      html.Span(value(k, after.get(k)), className="qc-after") if k in after else None])
            for k in keys]


def _before(k: str, before: dict[str, Any], value: Callable[[str, Any], Any]) -> tuple:
    """The value before and the arrow: drawn for the eye, the word for a screen reader."""
    return (html.Span(value(k, before[k]), className="qc-before"),
            html.I(className="bi bi-arrow-right mx-1", **{"aria-hidden": "true"}),
            html.Span(t("changes.became"), className="visually-hidden"))
