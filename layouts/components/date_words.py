"""A recorded date in words under its field: "Sabtu, 5 Desember 2026".

A date field is the browser's own (`<input type="date">`), and the browser shows it in the format of its own
language, not the page's: an officer whose Chromium speaks English reads "12/05/2026" on an Indonesian form, the
fifth of December or the twelfth of May. Where a date is recorded (an NNC's dates, a complaint's, a guidance visit, a
holiday) the form says the chosen date in the page's language as well, day of the week included, so a misread date
is seen before it is saved; so do the filters of a period. An empty field of a browser whose date fields put the
month first says the order instead ("Urutan: bulan/tanggal/tahun"), before anyone types 05/12 for December. The words
are written in the browser (assets/qc-shell.js: dateWords) by a clientside callback per field
(callbacks.common.register_date_words), so choosing a date costs no request.

A month field (`<input type="month">`, a period's first and last month) is the browser's own too ("July 2026" in an
English Chromium), and a browser without month fields (Firefox, older Safari) shows a plain text box holding
"2026-07": the same words under it say the month in the page's language, "Juli 2026" (qc-shell.js: monthWords,
callbacks.common.register_month_words).
"""
from __future__ import annotations

from dash import html

CLASS = "qc-date-words"


def words_id(control_id: str) -> str:
    """The id of the words under date field `control_id`."""
    return f"{control_id}-words"


# The browser's own fields whose value is a day or a month: the words belong under each.
DATE_TYPES = ("date", "month")


def is_date_input(control) -> bool:
    """Whether `control` is a date or month field the words belong under."""
    return getattr(control, "type", None) in DATE_TYPES and isinstance(getattr(control, "id", None), str)


def date_words(control_id: str):
    """The (empty until a date is chosen) words under date or month field `control_id`; assets/qc-shell.js points the
    field's aria-describedby at them, so a screen reader says them with the field."""
    return html.Small(id=words_id(control_id), className=f"form-text d-block {CLASS}")
