"""Inspection queue callbacks: thin wrappers around portal.services.targeting.queue."""
from __future__ import annotations

import math

from dash import Input, Output

from callbacks.common import page_of, paged_callback, register_date_words, register_open_row, register_url_filters
from layouts import targeting_queue as queue_layout
from layouts.components.formatting import commodity_lines, format_date, format_local_time, format_percent
from layouts.targeting_queue import ALL, summary
from portal.extensions import database
from portal.i18n import t
from portal.security.access import user
from portal.services.targeting import queue

PERMISSION = queue.PERMISSION


def _choice(value):
    return None if value in (None, "", ALL) else value


def _percent(rate: float) -> str:
    return format_percent(rate, decimals=1, trim=True)


def _draw_percent(draw: float) -> str:
    """The draw in the rate's unit ("Undian 1,2% < 5%", not a fraction beside a percent), cut (not rounded) to a
    tenth of a percent, so a draw just under the rate never reads as equal to it (4,99% is "4,9%", not "5%")."""
    return _percent(math.floor(draw * 1000) / 1000)


def reasons(row: dict) -> str:
    """Why the consignment is (not) selected: each raised flag, then the draw against the level's rate."""
    # A flag raised for two commodity lines reads once, with its count.
    counts: dict[str, int] = {}
    for code in row["flag_codes"]:
        counts[code] = counts.get(code, 0) + 1
    parts = [t(f"targeting_queue.flag.{code}") + (f" ({count})" if count > 1 else "") for code, count in counts.items()]
    draw = _draw_percent(row["draw"])
    if row["random_selected"]:
        parts.append(t("targeting_queue.reason.draw_under", draw=draw, rate=_percent(row["rate"])))
    elif not parts:
        parts.append(t("targeting_queue.reason.draw_over", draw=draw, rate=_percent(row["rate"])))
    return " · ".join(parts)


def grid_row(row: dict, tz: str) -> dict:
    """One decision as the grid shows it: labels in the reader's language, times in the office's zone."""
    stage = row["current_stage"]
    return {
        "id": row["application_id"], "number": row["number"], "selected": row["selected"],
        "selected_label": t("targeting_queue.selected.yes" if row["selected"] else "targeting_queue.selected.no"),
        "selected_tone": "danger" if row["selected"] else "secondary",  # its dot on a phone, as the column's rules
        "level_label": f"{t('compliance.intervention.' + row['level'])} · {_percent(row['rate'])}",
        "reasons": reasons(row), "service_user": row["service_user"],
        "commodity": commodity_lines(row["commodity"], row.get("other_lines") or 0) or "–",
        "section_label": t(f"section.{row['section']}"), "submitted": format_local_time(row["submitted_at"], tz),
        "stage_label": t(f"stage.{stage}") if stage else "–",
    }


def register(app) -> None:
    register_date_words(app, PERMISSION, "queue-day")
    register_url_filters(app, PERMISSION, "queue", queue_layout.URL_FIELDS)


    @paged_callback(
        app, PERMISSION, "queue",
        output={"rows": Output("queue-grid", "rowData"), "summary": Output("queue-summary", "children"),
                "error": Output("queue-error", "children"), "error_open": Output("queue-error", "is_open")},
        inputs={"search": Input("queue-search", "value"), "day": Input("queue-day", "value"),
                "section": Input("queue-section", "value"), "level": Input("queue-level", "value"),
                "selected": Input("queue-selected", "value"), "flag": Input("queue-flag", "value")})
    def load_page(page, **values):
        """A page of the day's queue; a changed filter starts again from the first page."""
        current = user()
        filters = {name: _choice(value) for name, value in values.items()}
        tz = current.office_timezone
        with database().session() as db:
            result = queue.queue_page(db, current.scope, filters, page, tz=tz)
        return {"rows": [grid_row(row, tz) for row in result["rows"]],
                "summary": summary(result["total"], result["selected"], format_date(result["day"])),
                "error": "", "error_open": False}, page_of(result, result["page"])

    register_open_row(app, PERMISSION, "queue-grid", "queue-go", "/applications/", back="/targeting/queue")
