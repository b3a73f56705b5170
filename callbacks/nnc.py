"""NNC register list: thin wrappers around portal.services.nnc.register (paging, sorting, filtering in the database)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dash import Input, Output, State, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from layouts.nnc import ALL, DEFAULTS, FILTERS, SORTS
from layouts.nnc_common import company_label, format_date, nature_text
from portal import i18n
from portal.reports import exports
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import t
from portal.services.nnc import register as nnc
from portal.services.nnc.register import STATUSES

PERMISSION = "nnc.view"
FILTER_IDS = [f"nnc-{name}" for name in FILTERS]


def filters_from(values) -> dict:
    """The filter controls' values as the service takes them ("all" means no filter)."""
    values = [None if v == ALL else v for v in values]
    text, date_from, date_to, service_user_id, section, flow, status, category, country = values
    return {"text": text, "date_from": date_from, "date_to": date_to, "service_user_id": service_user_id,
            "section": section, "flow": flow, "status": status, "category": category, "country": country}


def sort_from(key: str | None) -> list[tuple[str, str]]:
    return [tuple(pair) for pair in SORTS.get(key or "", SORTS["notice_desc"])]


def grid_row(row: dict) -> dict:
    """One NNC as the grid shows it: labels in the reader's language."""
    return {
        "id": str(row["id"]), "number": row["number"], "notice_date": format_date(row["notice_date"]),
        "received_date": format_date(row["received_date"]), "flow": t(f"nnc.flow.{row['flow']}"),
        "party": row["party"] or "–", "country": row["country"] or "–", "commodity": row["commodity"],
        "category": nature_text(row, short=True),
        "section": t(f"nnc.section_short.{row['section_code']}") if row["section_code"] else "–",
        "status": t(f"nnc.status.{row['status']}"), "status_code": row["status"],
    }


EXPORT_COLUMNS = (
    ("id", "nnc.export.id"), ("number", "nnc.field.number"), ("notice_date", "nnc.field.notice_date"),
    ("received_date", "nnc.field.received_date"), ("flow", "nnc.field.flow"),
    ("notifying_authority", "nnc.field.notifying_authority"), ("notifying_country", "nnc.field.notifying_country"),
    ("notified_authority", "nnc.field.notified_authority"), ("notified_country", "nnc.field.notified_country"),
    ("service_user_name", "nnc.field.service_user_id"), ("service_user_tax_id", "nnc.export.tax_id"),
    ("party_name", "nnc.field.party_name"), ("party_country", "nnc.field.party_country"),
    ("handler_name", "nnc.field.handler_id"), ("application_number", "nnc.field.application_number"),
    ("certificate_number", "nnc.field.certificate_number"), ("section", "nnc.field.section_id"),
    ("commodity", "nnc.field.commodity"), ("scientific_name", "nnc.field.scientific_name"),
    ("hs_code", "nnc.field.hs_code"), ("lot_number", "nnc.field.lot_number"),
    ("container_number", "nnc.field.container_number"), ("air_waybill", "nnc.field.air_waybill"),
    ("point_of_entry", "nnc.field.point_of_entry"), ("category", "nnc.field.category"),
    ("subcategory", "nnc.field.subcategory"), ("organism", "nnc.field.organism"),
    ("description", "nnc.field.description"), ("action_taken", "nnc.field.action_taken"),
    ("status", "nnc.field.status"), ("investigation_findings", "nnc.field.investigation_findings"),
    ("corrective_action", "nnc.field.corrective_action"), ("guidance_given", "nnc.field.guidance_given"),
    ("created_at", "nnc.export.created_at"), ("updated_at", "nnc.export.updated_at"),
)


def export_row(row: dict, tz: str) -> dict:
    """One NNC for a spreadsheet: labels for codes, dates as dates, times in the office's zone."""
    values = dict(row)
    values["flow"] = t(f"nnc.flow.{row['flow']}")
    values["category"] = t(f"nnc.category.{row['category']}")
    values["subcategory"] = t(f"nnc.subcategory.{row['subcategory']}") if row.get("subcategory") else None
    values["action_taken"] = t(f"nnc.action.{row['action_taken']}")
    values["status"] = t(f"nnc.status.{row['status']}")
    values["section"] = t(f"section.{row['section_code']}") if row.get("section_code") else None
    for key in ("created_at", "updated_at"):
        if row.get(key):
            values[key] = row[key].astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return values


def register(app) -> None:
    @protected_callback(app, PERMISSION, Output("nnc-section", "options"), Output("nnc-country", "options"),
                        Input("nnc-page", "id"))
    def load_options(_):
        """The section and country filters' choices (a coordinator's section stays locked to their own)."""
        current = user()
        with database().session() as db:
            from portal.services import users

            sections = users.sections(db)
            found = nnc.countries(db, current)
        language = i18n.current_language()
        section_options = no_update if current.section_scope else [
            {"label": t("nnc.filter.all_sections"), "value": ALL}] + [
            {"label": s["name_id"] if language == "id" else s["name_en"], "value": s["code"]} for s in sections]
        return section_options, [{"label": t("nnc.filter.all_countries"), "value": ALL}] + [
            {"label": c, "value": c} for c in found]

    @protected_callback(app, PERMISSION, Output("nnc-service-user", "options"),
                        Input("nnc-service-user", "search_value"), State("nnc-service-user", "value"),
                        State("nnc-service-user", "options"), prevent_initial_call=True)
    def search_companies(search_value, value, current_options):
        """Search-as-you-type over the synced companies (name or NPWP), at most 20 at a time."""
        if not search_value or len(search_value.strip()) < 2:
            raise PreventUpdate
        with database().session() as db:
            found = nnc.search_service_users(db, user(), search_value)
        kept = [o for o in (current_options or []) if o["value"] == value]
        return kept + [{"label": company_label(c), "value": c["id"]} for c in found if c["id"] != value]

    @protected_callback(
        app, PERMISSION,
        [Output("nnc-grid", "rowData"), Output("nnc-pager-text", "children"), Output("nnc-page", "data"),
         Output("nnc-prev", "disabled"), Output("nnc-next", "disabled"),
         Output("nnc-count-all", "children")] + [Output(f"nnc-count-{status}", "children") for status in STATUSES],
        [Input(component, "value") for component in FILTER_IDS]
        + [Input("nnc-sort", "value"), Input("nnc-prev", "n_clicks"), Input("nnc-next", "n_clicks"),
           State("nnc-page", "data")])
    def load_page(*args):
        """A page of NNCs; a changed filter or sort starts again from the first page."""
        values, (sort, _prev, _next, page) = args[:len(FILTER_IDS)], args[len(FILTER_IDS):]
        page = page or 0
        if ctx.triggered_id == "nnc-next":
            page += 1
        elif ctx.triggered_id == "nnc-prev":
            page = max(page - 1, 0)
        else:
            page = 0
        filters = filters_from(values)
        current = user()
        with database().session() as db:
            result = nnc.search_nncs(db, current, filters, sort_from(sort), page)
            counts = nnc.status_counts(db, current, filters)
        rows = [grid_row(row) for row in result["rows"]]
        first = page * result["page_size"] + (1 if rows else 0)
        last = page * result["page_size"] + len(rows)
        text = t("pager.showing", first=i18n.format_number(first), last=i18n.format_number(last),
                 total=i18n.format_number(result["total"]))
        count_texts = [i18n.format_number(sum(counts.values()))] + [i18n.format_number(counts[s]) for s in STATUSES]
        return [rows, text, page, page == 0, last >= result["total"]] + count_texts

    @protected_callback(app, PERMISSION, Output("nnc-status", "value"),
                        [Input("nnc-chip-all", "n_clicks")] + [Input(f"nnc-chip-{s}", "n_clicks") for s in STATUSES],
                        prevent_initial_call=True)
    def pick_status(*_clicks):
        """A status button filters the list to that status ("all" lifts it)."""
        chosen = (ctx.triggered_id or "").removeprefix("nnc-chip-")
        return ALL if chosen == "all" else chosen

    @protected_callback(
        app, PERMISSION, [Output(component, "value", allow_duplicate=True) for component in FILTER_IDS],
        Input("nnc-clear", "n_clicks"), State("nnc-section", "disabled"), State("nnc-section", "value"),
        prevent_initial_call=True)
    def clear_filters(_clicks, section_locked, section):
        """Empty every filter; a coordinator's section stays (it is not theirs to lift)."""
        values = list(DEFAULTS)
        values[FILTERS.index("section")] = section if section_locked else ALL
        return values

    @protected_callback(app, PERMISSION, Output("nnc-filters", "className"), Input("nnc-filter-toggle", "n_clicks"),
                        State("nnc-filters", "className"), prevent_initial_call=True)
    def toggle_filters(_clicks, class_name):
        """On a phone the filters fold away under one button."""
        opened = "qc-open" in (class_name or "")
        return "qc-nnc-filters" if opened else "qc-nnc-filters qc-open"

    @protected_callback(app, PERMISSION, Output("nnc-go", "href"), Input("nnc-grid", "cellClicked"),
                        prevent_initial_call=True)
    def open_nnc(cell):
        """Clicking a row opens that NNC (its page checks the caller's reach again)."""
        if not cell or cell.get("rowId") in (None, ""):
            return no_update
        return f"/nnc/{int(cell['rowId'])}"

    @protected_callback(
        app, PERMISSION, Output("nnc-download", "data"),
        Input("nnc-export-csv", "n_clicks"), Input("nnc-export-xlsx", "n_clicks"),
        [State(component, "value") for component in FILTER_IDS] + [State("nnc-sort", "value")],
        prevent_initial_call=True)
    def export(_csv, _xlsx, *args):
        """Every NNC that matches the filters (not only this page), as CSV or XLSX; formulas neutralised."""
        values, sort = args[:len(FILTER_IDS)], args[len(FILTER_IDS)]
        current = user()
        with database().session() as db:
            rows = nnc.export_nncs(db, current, filters_from(values), sort_from(sort))
        columns = [(key, t(label)) for key, label in EXPORT_COLUMNS]
        shaped = [export_row(row, current.office_timezone) for row in rows]
        stamp = datetime.now(ZoneInfo(current.office_timezone)).date().isoformat()
        if ctx.triggered_id == "nnc-export-xlsx":
            return dcc.send_bytes(exports.xlsx_bytes(columns, shaped, sheet="NNC"), f"nnc-{stamp}.xlsx",
                                  type=exports.XLSX_MIME)
        return dcc.send_bytes(exports.csv_bytes(columns, shaped), f"nnc-{stamp}.csv", type=exports.CSV_MIME)
