"""Applications search callbacks: thin wrappers around portal.services.applications."""
from __future__ import annotations

from dash import Input, Output, State

from callbacks.common import page_of, paged_callback, register_date_words, register_open_row, register_url_filters
from layouts.applications import ALL, TEXT_FILTERS, stage_tone
from layouts.components.formatting import commodity_lines, format_local_time
from layouts import applications as applications_layout
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services import applications
from portal.view_cache import cached

PERMISSION = "applications.view"
# The service's filter names and their components' ids, in the same order.
FILTER_NAMES = [name for name, _key in TEXT_FILTERS] + ["stage", "direction", "section", "dates", "date_from",
                                                         "date_to"]
FILTER_IDS = [f"applications-{name}" for name, _key in TEXT_FILTERS] + [
    "applications-stage", "applications-direction", "applications-section", "applications-dates",
    "applications-date-from", "applications-date-to"]
# The filters chosen from a list, where "all" means no filter.
CHOICES = {"stage", "direction", "section"}


def _commodity_text(names: list[str]) -> str:
    return commodity_lines(names[0], len(names) - 1) if names else "–"


def _choice(value):
    return None if value in (None, "", ALL) else value


def grid_row(row: dict, tz: str) -> dict:
    """One application as the grid shows it: labels in the reader's language, times in the office's zone."""
    number = row["number"] + (f" · {t('applications.deleted_at_source')}" if row["deleted"] else "")
    stage = row["current_stage"]
    return {
        "id": row["id"], "number": number, "deleted": row["deleted"],
        "submitted": format_local_time(row["submitted_at"], tz),
        "service_user": row["service_user_name"], "tax_id": row["service_user_tax_id"],
        "service_user_tip": f"{row['service_user_name']} · {t('application_detail.tax_id')} "
                            f"{row['service_user_tax_id']}",
        "handler": row["handler_name"] or "–", "commodity": _commodity_text(row["commodities"]),
        "stage_label": t(f"stage.{stage}") if stage else "–", "stage_tone": stage_tone(stage),
        "section_label": t(f"section.{row['section_code']}"),
        "direction_label": t(f"direction.{row['direction']}"),
        "completed": format_local_time(row["completed_at"], tz) if row["completed_at"] else "–",
    }


def register(app) -> None:
    register_date_words(app, PERMISSION, "applications-date-from", "applications-date-to")
    register_url_filters(app, PERMISSION, "applications", applications_layout.URL_FIELDS)


    @paged_callback(
        app, PERMISSION, "applications", forbidden_key="application_detail.forbidden",
        output={"rows": Output("applications-grid", "rowData"), "error": Output("applications-error", "children"),
                "error_open": Output("applications-error", "is_open")},
        inputs={**{name: Input(component, "value") for name, component in zip(FILTER_NAMES, FILTER_IDS)},
                "sort": Input("applications-sort", "value")})
    def load_page(page, sort=None, **values):
        """A page of applications; a changed filter or sort starts again from the first page."""
        current = user()
        filters = {name: _choice(value) if name in CHOICES else value for name, value in values.items()}
        reach = applications.reach(current.scope)
        with database().session() as db:
            # The total is kept per scope, filters and data stamp: a page turn does not count the matches again.
            total = cached(db, applications.count_applications, filters, tz=current.office_timezone, **reach)
            result = applications.search_applications(db, filters, page, sort, tz=current.office_timezone,
                                                      total=total, **reach)
        return {"rows": [grid_row(row, current.office_timezone) for row in result["rows"]], "error": "",
                "error_open": False}, page_of(result, page)

    register_open_row(app, PERMISSION, "applications-grid", "applications-go", "/applications/")

    @protected_callback(
        app, PERMISSION,
        [Output(component, "value") for component in FILTER_IDS if component != "applications-section"]
        + [Output("applications-section", "value")],
        Input("applications-clear", "n_clicks"), State("applications-section", "disabled"),
        State("applications-section", "value"), prevent_initial_call=True)
    def clear_filters(_clicks, section_locked, section):
        """Empty every filter (the period filters submission dates again); a coordinator's section stays (it is not
        theirs to lift)."""
        return ["", "", "", "", ALL, ALL, applications.DEFAULT_DATES, "", ""] + [section if section_locked else ALL]
