"""NNC import page: load a spreadsheet through portal.services.nnc.imports and show its row-by-row report."""
from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from callbacks.nnc_form import decode_upload
from portal.reports import exports
from portal.security.access import protected_callback, user
from portal.extensions import database, settings
from portal.i18n import current_language, t
from portal.services.nnc import imports as nnc_import
from portal.spreadsheets import limits_for
from portal.validation import Forbidden, InvalidInput

PERMISSION = "nnc.edit"
# Field keys the import reports under, and the label each has in the form.
FIELD_LABELS = {"service_user_id": "nnc.field.service_user_id", "section_id": "nnc.field.section_id",
                "handler_id": "nnc.field.handler_id"}


def field_label(field: str) -> str:
    key = FIELD_LABELS.get(field, f"nnc.field.{field}")
    label = t(key)
    return field if label == key else label


def report_view(report: dict):
    """The summary, every refused row with its reasons, and links to the NNCs loaded."""
    created, rejected = report["created"], report["rejected"]
    color = "success" if not rejected else ("warning" if created else "danger")
    parts = [dbc.Alert([html.Strong(t("nnc_import.summary", rows=report["rows"], created=len(created),
                                      rejected=len(rejected))),
                        html.Div(t("nnc_import.unknown_columns", columns=", ".join(report["unknown_columns"])),
                                 className="small mt-1") if report["unknown_columns"] else None],
                       color=color, id="nnc-import-summary")]
    if rejected:
        rows = [html.Tr([html.Td(str(r["row"]), className="text-nowrap"), html.Td(r["number"] or "–"),
                         html.Td(html.Ul([html.Li([html.Strong(field_label(field) + ": "), t(key, **params)])
                                          for field, (key, params) in r["errors"].items()], className="mb-0 ps-3"))])
                for r in rejected]
        parts.append(dbc.Card([
            dbc.CardHeader(t("nnc_import.rejected_title"), className="fw-semibold text-danger"),
            dbc.Table([html.Thead(html.Tr([html.Th(t("nnc_import.col.row")), html.Th(t("nnc.field.number")),
                                           html.Th(t("nnc_import.col.reasons"))])), html.Tbody(rows)],
                      size="sm", responsive=True, className="mb-0", id="nnc-import-rejected"),
        ], className="mb-3"))
    if created:
        parts.append(dbc.Card([
            dbc.CardHeader(t("nnc_import.created_title"), className="fw-semibold text-success"),
            dbc.ListGroup([dbc.ListGroupItem([html.Span(t("nnc_import.row", row=c["row"]), className="text-muted me-2"),
                                              html.A(c["number"], href=f"/nnc/{c['id']}")]) for c in created],
                          flush=True, id="nnc-import-created"),
        ], className="mb-3"))
    return parts


def register(app) -> None:
    @protected_callback(app, PERMISSION, Output("nnc-import-result", "children"),
                        Output("nnc-import-upload", "contents"),
                        Input("nnc-import-upload", "contents"), State("nnc-import-upload", "filename"),
                        prevent_initial_call=True)
    def run_import(contents, filename):
        """Load the good rows, report the bad ones (a bad row writes nothing)."""
        if not contents:
            raise PreventUpdate
        data = decode_upload(contents) or b""
        try:
            with database().session() as db:
                report = nnc_import.import_file(db, user(), filename or "", data,
                                                limits=limits_for("nnc_import", settings()),
                                                language=current_language())
        except InvalidInput as error:
            return dbc.Alert(list(error.messages(t).values()), color="danger", id="nnc-import-summary"), None
        except Forbidden:
            return dbc.Alert(t("error.forbidden"), color="danger"), None
        return report_view(report), None

    @protected_callback(app, PERMISSION, Output("nnc-import-template-download", "data"),
                        Input("nnc-import-template", "n_clicks"), prevent_initial_call=True)
    def template(_clicks):
        """An empty XLSX with the Indonesian headers and one example row."""
        columns = nnc_import.template_columns("id")
        example = {"number": "NNC/GACC/2024/0173", "notice_date": date(2024, 5, 14), "received_date": date(2024, 5, 16),
                   "flow": t("nnc.flow.received"), "notifying_authority": "GACC", "notifying_country": "Tiongkok",
                   "notified_authority": "Badan Karantina Indonesia (Barantin)", "notified_country": "Indonesia",
                   "party_name": "PT Contoh Ekspor", "party_country": "Indonesia", "section": t("section.plant"),
                   "commodity": "Manggis", "scientific_name": "Garcinia mangostana", "hs_code": "0804.50.30",
                   "category": t("nnc.category.pest"), "organism": "Bactrocera dorsalis",
                   "action_taken": t("nnc.action.destruction"), "status": t("nnc.status.closed"),
                   "investigation_findings": "…", "corrective_action": "…"}
        return dcc.send_bytes(exports.xlsx_bytes(columns, [example], sheet="NNC"), "templat-impor-nnc.xlsx",
                              type=exports.XLSX_MIME)
