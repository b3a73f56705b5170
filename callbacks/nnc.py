"""NNC register list: thin wrappers around portal.services.nnc.register (paging, sorting, filtering in the database)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from dash import Input, Output, State, ctx, no_update

from layouts.nnc import ALL, DEFAULTS, FILTERS, SORTS
from callbacks.common import (Page, export_failed, page_of, paged_callback, register_date_words, register_open_row,
                              register_picker_search, register_url_filters, section_choices, table_download)
from layouts.components.formatting import format_date, format_number
from layouts.nnc_common import nature_text
from layouts import nnc as nnc_layout
from portal.security.access import protected_callback, user
from portal.extensions import database
from portal.i18n import country_name, current_language, sort_key, t
from portal.services.nnc import lookups as nnc_lookups
from portal.services.nnc import search as nnc_search
from portal.services.nnc.rules import PAGE_SIZE, STATUSES
from portal.validation import InvalidInput

PERMISSION = "nnc.view"
FILTER_IDS = [f"nnc-{name}" for name in FILTERS]


def filters_from(values) -> dict:
    """The filter controls' values as the service takes them ("all" means no filter)."""
    values = [None if v == ALL else v for v in values]
    text, date_from, date_to, service_user_id, section, flow, status, category, country = values
    return {"text": text, "date_from": date_from, "date_to": date_to, "service_user_id": service_user_id,
            "section": section, "flow": flow, "status": status, "category": category, "country": country}


def _key(name: str) -> str:
    """A filter's name as a Python argument (Dash passes dict inputs as keyword arguments)."""
    return name.replace("-", "_")


def sort_from(key: str | None) -> list[tuple[str, str]]:
    return [tuple(pair) for pair in SORTS.get(key or "", SORTS["notice_desc"])]


def grid_row(row: dict) -> dict:
    """One NNC as the grid shows it: labels in the reader's language."""
    return {
        "id": str(row["id"]), "number": row["number"], "notice_date": format_date(row["notice_date"]),
        "received_date": format_date(row["received_date"]), "flow": t(f"nnc.flow.{row['flow']}"),
        # The partner country as the reader names it ("China"; IQFast and the form keep "Tiongkok").
        "party": row["party"] or "–", "country": country_name(row["country"]) or "–", "commodity": row["commodity"],
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
    # The reason beside a voided NNC's status: the import requires it for such a row, so an export read back has it.
    ("status", "nnc.field.status"), ("void_reason", "nnc.field.void_reason"),
    ("investigation_findings", "nnc.field.investigation_findings"),
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
    register_date_words(app, PERMISSION, "nnc-date-from", "nnc-date-to")
    register_url_filters(app, PERMISSION, "nnc", nnc_layout.URL_FIELDS)

    @protected_callback(app, PERMISSION, Output("nnc-section", "options"), Output("nnc-country", "options"),
                        Input("nnc-page", "id"))
    def load_options(_):
        """The section and country filters' choices (a coordinator's section stays locked to their own)."""
        current = user()
        with database().session() as db:
            from portal.services import users

            sections = users.sections(db)
            found = nnc_search.countries(db, current)
        section_options = no_update if current.section_scope else section_choices(sections, "nnc.filter.all_sections",
                                                                                  ALL)
        # Labelled and sorted as the list's column names them ("China"); the value is the stored names of that label
        # ("China|Tiongkok" when both spellings are stored: one choice, not two of the same name).
        stored: dict[str, list[str]] = {}
        for name in found:
            stored.setdefault(country_name(name), []).append(name)
        countries = sorted(({"label": label, "value": nnc_search.COUNTRY_SEPARATOR.join(names)}
                            for label, names in stored.items()), key=lambda o: sort_key(o["label"]))
        return section_options, [{"label": t("nnc.filter.all_countries"), "value": ALL}] + countries

    register_picker_search(app, PERMISSION, "nnc-service-user", nnc_lookups.search_service_users)

    @paged_callback(
        app, PERMISSION, "nnc", count_id="nnc-pager-text",
        output={"rows": Output("nnc-grid", "rowData"), "count_all": Output("nnc-count-all", "children"),
                "problem": Output("nnc-problem", "children"), "problem_open": Output("nnc-problem", "is_open"),
                **{status: Output(f"nnc-count-{status}", "children") for status in STATUSES}},
        inputs={**{_key(name): Input(component, "value") for name, component in zip(FILTERS, FILTER_IDS)},
                "sort": Input("nnc-sort", "value")})
    def load_page(page, sort=None, **values):
        """A page of NNCs; a changed filter or sort starts again from the first page. Dates the wrong way round are
        said above the list (its counts "–"), not shown as a list with no NNC."""
        filters = filters_from([values[_key(name)] for name in FILTERS])
        current = user()
        try:
            with database().session() as db:
                result = nnc_search.search_nncs(db, current, filters, sort_from(sort), page,
                                                language=current_language())
                counts = nnc_search.status_counts(db, current, filters)
        except InvalidInput as error:
            return {"rows": [], "count_all": "–", "problem": " ".join(error.messages(t).values()),
                    "problem_open": True, **{status: "–" for status in STATUSES}}, \
                Page(0, PAGE_SIZE, 0, 0)
        return {"rows": [grid_row(row) for row in result["rows"]], "count_all": format_number(sum(counts.values())),
                "problem": None, "problem_open": False,
                **{status: format_number(counts[status]) for status in STATUSES}}, page_of(result, page)

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

    register_open_row(app, PERMISSION, "nnc-grid", "nnc-go", "/nnc/")

    @protected_callback(
        app, PERMISSION, Output("nnc-download", "data"),
        Input("nnc-export-csv", "n_clicks"), Input("nnc-export-xlsx", "n_clicks"),
        [State(component, "value") for component in FILTER_IDS] + [State("nnc-sort", "value")],
        prevent_initial_call=True, on_error=export_failed)
    def export(_csv, _xlsx, *args):
        """Every NNC that matches the filters (not only this page), as CSV or XLSX; formulas neutralised."""
        values, sort = args[:len(FILTER_IDS)], args[len(FILTER_IDS)]
        current = user()
        with database().session() as db:
            rows = nnc_search.export_nncs(db, current, filters_from(values), sort_from(sort))
        columns = [(key, t(label)) for key, label in EXPORT_COLUMNS]
        shaped = [export_row(row, current.office_timezone) for row in rows]
        return table_download(columns, shaped, "nnc", ctx.triggered_id == "nnc-export-xlsx",
                              current.office_timezone, sheet="NNC")
