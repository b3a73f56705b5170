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
                      html.Span(value(k, before.get(k)), className="qc-before") if k in before else None,
                      # the arrow is drawn; a screen reader hears the word
                      html.I(className="bi bi-arrow-right mx-1", **{"aria-hidden": "true"}) if k in before else None,
                      html.Span(t("changes.became"), className="visually-hidden") if k in before else None,
                      html.Span(value(k, after.get(k)), className="qc-after") if k in after else None])
            for k in keys]
