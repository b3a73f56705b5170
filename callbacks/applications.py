"""Applications search callbacks: thin wrappers around portal.services.applications."""
from __future__ import annotations

from dash import Input, Output, State, ctx, no_update

from layouts.applications import ALL, TEXT_FILTERS, stage_tone
from portal import i18n
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services import applications
from portal.validation import Forbidden, InvalidInput

PERMISSION = "applications.view"
FILTER_IDS = [f"applications-{name}" for name, _key in TEXT_FILTERS] + [
    "applications-stage", "applications-direction", "applications-section", "applications-date-from",
    "applications-date-to"]


def _commodity_text(names: list[str]) -> str:
    if not names:
        return "–"
    return names[0] + (f" {t('applications.more_lines', count=len(names) - 1)}" if len(names) > 1 else "")


def _choice(value):
    return None if value in (None, "", ALL) else value


def _local(value, tz: str) -> str:
    """A time in the office's zone without the zone's name: the column header names it once."""
    return i18n.format_datetime(value, tz).removesuffix(" " + i18n.zone_label(tz))


def grid_row(row: dict, tz: str) -> dict:
    """One application as the grid shows it: labels in the reader's language, times in the office's zone."""
    number = row["number"] + (f" · {t('applications.deleted_at_source')}" if row["deleted"] else "")
    stage = row["current_stage"]
    return {
        "id": row["id"], "number": number, "deleted": row["deleted"],
        "submitted": _local(row["submitted_at"], tz),
        "service_user": row["service_user_name"], "tax_id": row["service_user_tax_id"],
        "service_user_tip": f"{row['service_user_name']} · {t('application_detail.tax_id')} "
                            f"{row['service_user_tax_id']}",
        "handler": row["handler_name"] or "–", "commodity": _commodity_text(row["commodities"]),
        "stage_label": t(f"stage.{stage}") if stage else "–", "stage_tone": stage_tone(stage),
        "section_label": t(f"section.{row['section_code']}"),
        "direction_label": t(f"direction.{row['direction']}"),
        "completed": _local(row["completed_at"], tz) if row["completed_at"] else "–",
    }


def register(app) -> None:
    @protected_callback(app, PERMISSION, Output("applications-section", "options"),
                        Input("applications-page", "id"), State("applications-section", "options"))
    def load_sections(_, current):
        """The section filter's choices (a coordinator's stays locked to their own)."""
        if user().section_scope:
            return no_update
        with database().session() as db:
            sections = applications.section_options(db)
        language = i18n.current_language()
        return [{"label": t("applications.all_sections"), "value": ALL}] + [
            {"label": s["name_id"] if language == "id" else s["name_en"], "value": s["code"]} for s in sections]

    @protected_callback(
        app, PERMISSION,
        [Output("applications-grid", "rowData"), Output("applications-count", "children"),
         Output("applications-page", "data"), Output("applications-prev", "disabled"),
         Output("applications-next", "disabled"), Output("applications-error", "children"),
         Output("applications-error", "is_open")],
        [Input(component, "value") for component in FILTER_IDS]
        + [Input("applications-sort", "value"), Input("applications-prev", "n_clicks"),
           Input("applications-next", "n_clicks"), State("applications-page", "data")])
    def load_page(number, service_user, handler, commodity, stage, direction, section, date_from, date_to, sort,
                  _prev, _next, page):
        """A page of applications; a changed filter or sort starts again from the first page."""
        page = page or 0
        if ctx.triggered_id == "applications-next":
            page += 1
        elif ctx.triggered_id == "applications-prev":
            page = max(page - 1, 0)
        else:
            page = 0
        current = user()
        filters = {"number": number, "service_user": service_user, "handler": handler, "commodity": commodity,
                   "stage": _choice(stage), "direction": _choice(direction), "section": _choice(section),
                   "date_from": date_from, "date_to": date_to}
        try:
            with database().session() as db:
                result = applications.search_applications(db, filters, page, sort, tz=current.office_timezone,
                                                          **applications.reach(current.scope))
        except InvalidInput as error:
            return [], "", page, True, True, " ".join(error.messages(t).values()), True
        except Forbidden:
            return [], "", 0, True, True, t("application_detail.forbidden"), True
        rows = [grid_row(row, current.office_timezone) for row in result["rows"]]
        first = page * result["page_size"] + (1 if rows else 0)
        last = page * result["page_size"] + len(rows)
        count = t("pager.showing", first=i18n.format_number(first), last=i18n.format_number(last),
                  total=i18n.format_number(result["total"]))
        return rows, count, page, page == 0, last >= result["total"], "", False

    @protected_callback(app, PERMISSION, Output("applications-go", "pathname"),
                        Input("applications-grid", "cellClicked"), prevent_initial_call=True)
    def open_application(cell):
        """Clicking a row opens that application's page (the page checks the caller's reach again)."""
        if not cell or cell.get("rowId") in (None, ""):
            return no_update
        return f"/applications/{int(cell['rowId'])}"

    @protected_callback(
        app, PERMISSION,
        [Output(component, "value") for component in FILTER_IDS if component != "applications-section"]
        + [Output("applications-section", "value")],
        Input("applications-clear", "n_clicks"), State("applications-section", "disabled"),
        State("applications-section", "value"), prevent_initial_call=True)
    def clear_filters(_clicks, section_locked, section):
        """Empty every filter; a coordinator's section stays (it is not theirs to lift)."""
        return ["", "", "", "", ALL, ALL, "", ""] + [section if section_locked else ALL]
