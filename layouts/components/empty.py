"""Empty and refused states: what a page shows when there is nothing, or nothing the reader may see."""
from __future__ import annotations

import textwrap

import dash_bootstrap_components as dbc
from dash import html

from portal.i18n import t


class Refusal(str):
    """A refused record's word ("forbidden", "not_found": callbacks.common.load_record's) and, when the record is of
    another section than the reader's (portal.validation.OutsideSection), the two sections' codes, so the page says
    whose record it is. A str: a page that only asks which word it is reads it as before."""

    section: str | None
    reader_section: str | None

    def __new__(cls, word: str, section: str | None = None, reader_section: str | None = None):
        refusal = super().__new__(cls, word)
        refusal.section, refusal.reader_section = section, reader_section
        return refusal


def sections_named(refusal) -> dict[str, str] | None:
    """{"section", "reader_section"}: the two sections' names of a refusal about a section, for its message; None
    for any other refusal."""
    section, reader_section = getattr(refusal, "section", None), getattr(refusal, "reader_section", None)
    if not section or not reader_section:
        return None
    return {"section": t(f"section.{section}"), "reader_section": t(f"section.{reader_section}")}


def forbidden(refusal=None):
    """The page (or record) is not the reader's to open; a record of another section says whose it is (a role's
    refusal misled a coordinator, whose role opens the page for their own section's records)."""
    named = sections_named(refusal)
    if named:
        return dbc.Alert([html.H2(t("error.outside_section_title"), className="h5"),
                          t("error.outside_section", **named)], color="danger")
    return dbc.Alert([html.H2(t("error.forbidden_title"), className="h5"), t("error.forbidden")], color="danger")


def not_found():
    """No such page or record."""
    return dbc.Alert([html.H2(t("error.not_found_title"), className="h5"), t("error.not_found")], color="warning")


# On a refused record's alert: the record page's other parts (`RECORD_PART`: empty file and history cards, a greyed
# form) are hidden while it shows (assets/qcorner.css), so the page is the refusal alone.
RECORD_REFUSED = "qc-record-refused"
RECORD_PART = "qc-record-part"


def refused(refusal: str):
    """The alert for a refused record: "forbidden" or "not_found" (callbacks.common.load_record's words)."""
    alert = forbidden(refusal) if refusal == "forbidden" else not_found()
    alert.className = RECORD_REFUSED
    return alert


def nothing(text: str, component_id: str | None = None):
    """A quiet line where a list or table has no rows."""
    extra = {"id": component_id} if component_id else {}
    return html.P(text, className="text-muted mb-0", **extra)


# Characters per line of an empty chart's reason: plotly never wraps an annotation, and the narrowest chart holding
# one (the rankings' tier chart beside the score's explanation, ≈ 320 px) cut a longer line at both ends.
EMPTY_LINE = 36


def empty_figure(message: str) -> dict:
    """A chart with no data: the axes hidden and the reason in their place, in lines short enough for a narrow
    chart."""
    message = "<br>".join(textwrap.wrap(message, EMPTY_LINE)) or message
    return {"data": [], "layout": {
        "xaxis": {"visible": False}, "yaxis": {"visible": False}, "height": 280, "plot_bgcolor": "#fff",
        "paper_bgcolor": "rgba(0,0,0,0)", "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "annotations": [{"text": message, "showarrow": False, "font": {"size": 14, "color": "#6c757d"}}]}}
