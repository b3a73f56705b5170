"""Admin › Service users callbacks: search companies, list their accounts, invite and link accounts."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, html, no_update

from layouts.components.formatting import format_count, format_datetime, format_tax_id
from portal.security.access import protected_callback, user
from portal.extensions import database, settings
from portal.i18n import t
from portal.services import service_accounts
from portal.validation import InvalidInput, NotFound

PERMISSION = "admin.users"
FORM = ("email", "full_name", "username", "link_username")
LIST_SIZE = 20  # companies listed at once: the search narrows the rest


def _feedback(messages: dict) -> list:
    return [v for f in FORM for v in (f in messages, messages.get(f, ""))]


def register(app) -> None:
    @protected_callback(app, PERMISSION, Output("admin-service-users-results", "children"),
                        Input("admin-service-users-search", "value"), Input("admin-service-users-refresh", "data"))
    def search(text, _refresh):
        with database().session() as db:
            # One more than shown: whether the list stops before the last match, so the page can say so.
            companies = service_accounts.search_companies(db, user(), text, limit=LIST_SIZE + 1)
        if not companies:
            return dbc.Alert(t("admin_service_users.no_companies"), color="light")
        more = len(companies) > LIST_SIZE
        listed = dbc.ListGroup([dbc.ListGroupItem([
            html.Div(c["name"], className="fw-semibold"),
            html.Div(" · ".join(part for part in (f"NPWP {format_tax_id(c['tax_id'])}", c["city"]) if part),
                     className="small text-muted"),
            html.Div(t("admin_service_users.account_count", count=c["accounts"]), className="small")],
            id={"type": "admin-service-users-pick", "index": c["id"]}, action=True, n_clicks=0)
            for c in companies[:LIST_SIZE]])
        if not more:
            return listed
        return [html.P(t("admin_service_users.more", count=LIST_SIZE), className="small text-muted mb-1",
                       id="admin-service-users-more"), listed]

    @protected_callback(app, PERMISSION, Output("admin-service-users-selected", "data"),
                        Input({"type": "admin-service-users-pick", "index": ALL}, "n_clicks"),
                        prevent_initial_call=True)
    def pick(clicks):
        if not any(clicks or []):
            return no_update
        return ctx.triggered_id["index"]

    @protected_callback(
        app, PERMISSION,
        [Output("admin-service-users-company", "children"), Output("admin-service-users-accounts", "children"),
         Output("admin-service-users-forms", "style")],
        Input("admin-service-users-selected", "data"), Input("admin-service-users-refresh", "data"))
    def show_company(company_id, _refresh):
        """The chosen company and every account that may see its records."""
        if not company_id:
            return no_update, None, {"display": "none"}
        tz = user().office_timezone
        try:
            with database().session() as db:
                company = service_accounts.company(db, user(), int(company_id))
                accounts = service_accounts.accounts_of_company(db, company["id"])
        except NotFound:
            return dbc.Alert(t("error.not_found"), color="warning"), None, {"display": "none"}
        header = html.Div([html.H2(company["name"], className="h5 mb-0", id="admin-service-users-name"),
                           html.Div(f"NPWP {format_tax_id(company['tax_id'])} · {company['email'] or ''}",
                                    className="small text-muted mb-2")])
        rows = [html.Tr([html.Td(a["username"]), html.Td(a["full_name"]), html.Td(a["email"] or ""),
                         html.Td(t("admin_service_users.pending") if a["invitation_pending"] else (
                             format_datetime(a["last_login_at"], tz) if a["last_login_at"] else
                             t("admin_service_users.never"))),
                         html.Td(format_count(a["companies"]))]) for a in accounts]
        table = dbc.Table([html.Thead(html.Tr([html.Th(t("field.username")), html.Th(t("field.full_name")),
                                               html.Th(t("field.email")), html.Th(t("field.last_login")),
                                               html.Th(t("admin_service_users.companies"))])),
                           html.Tbody(rows)], size="sm", responsive=True, id="admin-service-users-table") \
            if rows else html.P(t("admin_service_users.no_accounts"), className="text-muted")
        return header, table, {}

    @protected_callback(
        app, PERMISSION,
        [Output("admin-service-users-alert", "children"), Output("admin-service-users-alert", "is_open"),
         Output("admin-service-users-alert", "color"), Output("admin-service-users-refresh", "data")]
        + [o for f in FORM for o in (Output(f"admin-service-users-{f}", "invalid"),
                                     Output(f"admin-service-users-{f}-feedback", "children"))],
        Input("admin-service-users-invite", "n_clicks"), Input("admin-service-users-link", "n_clicks"),
        State("admin-service-users-selected", "data"), State("admin-service-users-email", "value"),
        State("admin-service-users-full_name", "value"), State("admin-service-users-username", "value"),
        State("admin-service-users-link_username", "value"), State("admin-service-users-refresh", "data"),
        prevent_initial_call=True)
    def invite_or_link(_invite, _link, company_id, email, full_name, username, link_username, refresh):
        """Invite a person (a link to set a password, emailed) or link an existing account to the company."""
        if not company_id:
            return [t("admin_service_users.pick"), True, "warning", no_update] + _feedback({})
        actor = user()
        try:
            with database().session() as db:
                if ctx.triggered_id == "admin-service-users-link":
                    linked = service_accounts.link_existing(db, actor, link_username, int(company_id))
                    return [t("admin_service_users.linked", username=linked["username"]), True, "success",
                            (refresh or 0) + 1] + _feedback({})
                result = service_accounts.invite(db, actor, service_user_id=int(company_id), email=email,
                                                 full_name=full_name, username=username)
        except InvalidInput as error:
            return [t("form.has_errors"), True, "danger", no_update] + _feedback(error.messages(t))
        except NotFound:
            return [t("error.not_found"), True, "warning", no_update] + _feedback({})
        if result["linked_existing"]:
            return [t("admin_service_users.linked", username=result["username"]), True, "success",
                    (refresh or 0) + 1] + _feedback({})
        link = settings().public_base_url.rstrip("/") + f"/account/invite/{result['token']}"
        status = service_accounts.send_account_email(database(), settings(), to=(email or "").strip().lower(),
                                                     template="invite", user_id=result["user_id"],
                                                     values={"link": link, "username": result["username"]})
        message = [html.Div(t("admin_service_users.invited", username=result["username"])),
                   html.Div(t(f"admin_service_users.email_{status}"), className="small"),
                   html.Div([t("admin_service_users.link_copy"), html.Br(),
                             html.Code(link, className="user-select-all", id="admin-service-users-link-text")],
                            className="small mt-2")]
        return [message, True, "success" if status == "sent" else "warning", (refresh or 0) + 1] + _feedback({})
