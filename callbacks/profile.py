"""The service-user profile's callbacks: load it within the caller's reach, draw it; each long section is read
when it is first opened, the timeline and the handlers a page at a time."""
from __future__ import annotations

import re

from dash import Input, Output, State, no_update

from callbacks.common import load_record, page_of, paged_callback, register_date_words, register_url_filters
from layouts import profile as page
from portal.pages import opened_from
from portal.domain.periods import today_in
from portal.extensions import database
from portal.i18n import t
from portal.security.access import protected_callback, user
from portal.services.compliance import filters as compliance_filters
from portal.services.compliance import national
from portal.services.compliance import profile as compliance_profile
from portal.services.compliance.scoring_settings import current_settings
from portal.validation import Forbidden, InvalidInput, NotFound
from portal.view_cache import cached

PERMISSION = "rankings.view"
# The pages a profile's rows open (a row's id is its page); anything else is not followed.
OPENS = re.compile(r"^/(applications|nnc|handlers)/\d+$")
BODIES = {name: f"profile-{name.replace('_', '-')}-body" for name, _title, _icon in page.SECTIONS}


def _section(service_user_id, name: str, section, number: int = 0, period: tuple = (None, None),
             chosen: dict | None = None) -> dict:
    """One section of the profile within the caller's reach (the service refuses what the profile would)."""
    current = user()
    with database().session() as db:
        reach = compliance_filters.company_reach(db, current.scope, int(service_user_id))
        return compliance_profile.profile_section(db, int(service_user_id), name, **reach, section=section,
                                                  page=number, period_from=period[0], period_to=period[1],
                                                  **(chosen or {}))


def _chosen(direction, commodity) -> tuple[dict, str | None]:
    """The direction and commodity the score is narrowed to ({"direction", "commodity_id"}), or the whole record
    and what is wrong with them (an unknown direction, a commodity of another section, from an address): the profile
    is still shown, of every direction and commodity, and says why."""
    current = user()
    try:
        with database().session() as db:
            return compliance_profile.checked_choices(db, direction, commodity, current.section_scope), None
    except InvalidInput as error:
        return {"direction": None, "commodity_id": None}, " ".join(error.messages(t).values())


def _period(period_from, period_to) -> tuple[tuple, str | None]:
    """The score's period as the reader set it, as dates (one cache entry per period, however its text was
    written), or the default window and what is wrong with it (the wrong way round, too long, no date): the
    profile is still shown, on the default window, and says why."""
    current = user()
    try:
        with database().session() as db:
            return compliance_filters.checked_period(db, period_from, period_to, None,
                                                     today_in(current.office_timezone), current_settings(db)[1]), None
    except InvalidInput as error:
        return (None, None), " ".join(error.messages(t).values())


def register(app) -> None:
    register_date_words(app, PERMISSION, "profile-dossier-from", "profile-dossier-to", "profile-from", "profile-to")
    register_url_filters(app, PERMISSION, "profile", page.URL_FIELDS)

    @protected_callback(app, PERMISSION, Output("profile-body", "children"),
                        Input("profile-id", "data"), Input("profile-section", "value"),
                        Input("profile-from", "value"), Input("profile-to", "value"),
                        Input("profile-direction", "value"), Input("profile-commodity", "value"))
    def show(service_user_id, section, period_from=None, period_to=None, direction=None, commodity=None):
        """The profile's top (score, working, chart), or a refusal: a company outside a coordinator's section,
        or none at all. The long sections stay closed. Scored over the period set (a ranking of a custom period
        opens its companies on it), else the default window; and over the direction and commodity set (a ranking
        so filtered opens its companies on them), else every consignment."""
        current = user()
        period, problem = _period(period_from, period_to)
        chosen, choice_problem = _chosen(direction, commodity)

        def load(db, found_id):
            reach = compliance_filters.company_reach(db, current.scope, found_id)
            return cached(db, compliance_profile.profile, found_id, **reach, section=section,
                          period_from=period[0], period_to=period[1], **chosen)

        detail, refusal = load_record(service_user_id, load, audit_as="service_user")
        if refusal:
            return page.refused(refusal)
        return page.render(detail, current, period_problem=" ".join(filter(None, (problem, choice_problem))) or None)

    @protected_callback(app, PERMISSION, Output("profile-commodity", "options"), Output("profile-commodity", "value"),
                        Input("profile-id", "data"), Input("profile-section", "value"),
                        State("profile-commodity", "value"))
    def commodity_options(service_user_id, section, chosen=None):
        """The company's own primary commodities in the reader's reach: those of its consignments and violations
        (a ranking filtered on a commodity lists only companies with some of it, so the one it carries is there).
        A commodity chosen that the section now shown does not hold goes back to every commodity: kept, the profile
        was scored for Hewan × Manggis (nothing) while the box read "Semua komoditas"."""
        current = user()
        options = [{"label": t("compliance.all_commodities"), "value": "all"}]
        try:
            with database().session() as db:
                reach = compliance_filters.company_reach(db, current.scope, int(service_user_id))
                found = cached(db, compliance_profile.commodity_choices, int(service_user_id), **reach,
                               section=section)
        except (Forbidden, NotFound):  # a company out of reach: the profile says so; the list stays "Semua"
            return options, no_update
        options += [{"label": c["name"], "value": str(c["id"])} for c in found]
        kept = chosen in (None, "", "all") or chosen in {option["value"] for option in options}
        return options, no_update if kept else "all"

    @protected_callback(app, PERMISSION, output={name: Output(body, "children") for name, body in BODIES.items()},
                        inputs={"opened": Input("profile-sections", "active_item")},
                        state={"service_user_id": State("profile-id", "data"),
                               "section": State("profile-section", "value"),
                               **{f"{name}_drawn": State(body, "children") for name, body in BODIES.items()}})
    def open_section(opened, service_user_id, section, **drawn):
        """A section opened for the first time is drawn: the lists' frames (their rows come a page at a time),
        the tier history and guidance whole. One drawn before stays as it is. Called when the profile is drawn too:
        the sections the reader had open for this company in this tab come back open (layouts/profile.py
        `persistence`), and are drawn; with none open it draws nothing."""
        opened = opened if isinstance(opened, list) else [opened] if opened else []
        values = {name: no_update for name in BODIES}
        for name in opened:
            if name not in BODIES or drawn.get(f"{name}_drawn"):
                continue
            if name in ("timeline", "handlers"):
                values[name] = page.section_frame(name)
            elif name == "tier_history":
                values[name] = page.tier_history_section(_section(service_user_id, name, section)["rows"])
            else:
                values[name] = page.guidance_section(_section(service_user_id, name, section)["rows"])
        return values

    @paged_callback(app, PERMISSION, "profile-timeline", output={"rows": Output("profile-timeline-grid", "rowData")},
                    inputs={"service_user_id": Input("profile-id", "data"),
                            "section": Input("profile-section", "value"),
                            "direction": Input("profile-direction", "value"),
                            "commodity": Input("profile-commodity", "value")})
    def timeline(number, service_user_id=None, section=None, direction=None, commodity=None):
        """A page of the timeline, newest first: of the direction and commodity the profile is scored for."""
        result = _section(service_user_id, "timeline", section, number, chosen=_chosen(direction, commodity)[0])
        return {"rows": [page.timeline_row(event) for event in result["rows"]]}, page_of(result, number)

    @paged_callback(app, PERMISSION, "profile-handlers",
                    output={"rows": Output("profile-handlers-grid", "rowData"),
                            "changes": Output("profile-handler-changes", "children")},
                    inputs={"service_user_id": Input("profile-id", "data"),
                            "section": Input("profile-section", "value")})
    def handlers(number, service_user_id=None, section=None):
        """A page of the handlers, in the order the company came to them, and how often it changed."""
        result = _section(service_user_id, "handlers", section, number)
        return {"rows": [page.handler_row(row, result["timezone"]) for row in result["rows"]],
                "changes": t("profile.handler_changes", changes=result["changes"], handlers=result["total"])
                }, page_of(result, number)

    @protected_callback(app, PERMISSION, Output("profile-monthly-chart", "figure"),
                        Input("profile-id", "data"), Input("profile-section", "value"),
                        Input("profile-from", "value"), Input("profile-to", "value"),
                        Input("profile-direction", "value"), Input("profile-commodity", "value"))
    def monthly(service_user_id, section, period_from=None, period_to=None, direction=None, commodity=None):
        """Consignments and violations per month of the score's window (and of its direction and commodity), once
        the profile is drawn."""
        period, _problem = _period(period_from, period_to)
        return page.monthly_chart(_section(service_user_id, "monthly", section, period=period,
                                           chosen=_chosen(direction, commodity)[0])["rows"])

    @protected_callback(app, PERMISSION, Output("profile-other-offices", "children"),
                        Input("profile-id", "data"), Input("profile-section", "value"))
    def other_offices(service_user_id, section):
        """The company at every other office (the same reach as the profile: whoever may open it)."""
        current = user()
        with database().session() as db:
            reach = compliance_filters.company_reach(db, current.scope, int(service_user_id))
            rows = cached(db, national.other_offices, int(service_user_id), **reach, section=section)
        return page.other_offices_table(rows)

    @protected_callback(app, PERMISSION, Output("profile-national", "children"),
                        Input("profile-id", "data"), Input("profile-section", "value"),
                        Input("profile-from", "value"), Input("profile-to", "value"))
    def national_standing(service_user_id, section, period_from=None, period_to=None):
        """The company's row of the national ranking, for a profile opened from it (the layout draws the card's
        place only then, for a reader of several offices): the section and period the ranking had, as the profile's
        own fields now hold them. A period the profile refuses is the default window here too, as there."""
        current = user()
        period, _problem = _period(period_from, period_to)
        try:
            with database().session() as db:
                standing = cached(db, national.company_standing, int(service_user_id),
                                  **compliance_filters.national_reach(current.scope),
                                  filters={"section": section, "period_from": period[0], "period_to": period[1]},
                                  tz=current.office_timezone)
        except (Forbidden, NotFound, InvalidInput):  # the profile below says what is wrong (or refuses)
            return None
        return page.national_card(standing)

    for grid_id in ("profile-timeline-grid", "profile-handlers-grid"):
        _register_open(app, grid_id)


def _register_open(app, grid_id: str) -> None:
    @protected_callback(app, PERMISSION, Output("profile-go", "href", allow_duplicate=True),
                        Input(grid_id, "cellClicked"), State("profile-id", "data"), prevent_initial_call=True)
    def open_row(cell, service_user_id):
        """A click on a row opens what it names (that page checks the reader's reach again): the row id's path, before
        the "#" that makes a timeline row's id its own (layouts/profile.py timeline_row). An application, an NNC or a
        handler opened here leads back here (layouts/components/back_link): a handler's page led to the ranking."""
        target = str((cell or {}).get("rowId") or "").split("#", 1)[0]
        if not OPENS.match(target):
            return no_update
        if service_user_id:  # its link back leads here, not to the record's own list
            return opened_from(target, f"/profile/{int(service_user_id)}")
        return target
