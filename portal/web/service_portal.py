"""Plain Flask routes of the service users' portal.

Public (listed in the guard's PUBLIC_PREFIXES: /account/, /survey/): the invitation, password-reset and
registration links and the emailed survey link — server-rendered forms with CSRF (the guard checks it on
every POST). Behind login: the PDF documents and the logged-in survey form, each checking company access.
"""
from __future__ import annotations

import logging

from flask import Blueprint, make_response, redirect, render_template, request
from flask_login import current_user

from portal import i18n
from portal.domain.ikm import ELEMENTS
from portal.extensions import database, settings
from portal.i18n import t
from portal.pages import opened_from
from portal.reports import documents
from portal.security.access import requires, user
from portal.services import notifications, service_accounts, surveys
from portal.validation import Forbidden, InvalidInput, NotFound
from portal.web.downloads import refused

log = logging.getLogger(__name__)

bp = Blueprint("service_portal", __name__)


def _render(template: str, status: int = 200, **values):
    return render_template(template, t=t, language=i18n.current_language(), **values), status


def _message(title_key: str, message_key: str, status: int = 200, link: str | None = "/login",
             link_key: str = "account.to_login", **params):
    return _render("portal_message.html", status, title=t(title_key), message=t(message_key, **params), link=link,
                   link_text=t(link_key))


def _current_viewer():
    return user()


# ------------------------------------------------------------------------------------------ documents
@bp.route("/my/documents/<kind>/<int:application_id>.pdf")
@requires("my.view", "applications.view")
def document(kind: str, application_id: int):
    """A PDF of one of the viewer's applications (the guard has checked the permission; the service checks
    the application: the viewer's company, or the officer's office and section)."""
    viewer = _current_viewer()
    try:
        with database().session() as db:
            filename, content = documents.render_document(db, viewer, kind, application_id)
    except Forbidden:
        # A service user's role may open documents: this one is not of their company (or no such application),
        # said as the application's page says it, with the way back to their list.
        page = _message("my.not_yours_title.application", "my.not_yours.application", 403, link="/my/applications",
                        link_key="my.back_to_list") if viewer.scope.company_scoped else None
        return refused(viewer, "document", application_id, page)
    except NotFound:  # the viewer's own application, without that document yet: the portal's page, saying so
        return _message("error.not_found_title", "my.document.not_ready", 404,
                        link=f"/my/applications/{application_id}", link_key="skm.back_to_application")
    response = make_response(content)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# ------------------------------------------------------------------------------------------ notifications
@bp.route("/my/notifications/<int:message_id>/open")
@requires("my.view")
def open_notification(message_id: int):
    """Opening a notification reads it, then shows what it is about (its application, NNC or survey).

    A plain link, so it also works opened in a new tab; someone else's message id leads back to the list.
    """
    with database().session() as db:
        link = notifications.open_message(db, user().id, message_id)
    # The record's link back then leads to the notifications (as left), not to its own list.
    return redirect(opened_from(link, "/my/notifications") if link else "/my/notifications")


# ------------------------------------------------------------------------------------------ survey
def _survey_form(invitation: dict, action: str, values: dict | None = None, errors: dict | None = None,
                 status: int = 200, back: str | None = None):
    """`back`: where a logged-in service user returns without answering (the emailed link has no portal behind)."""
    return _render("survey.html", status, invitation=invitation, action=action, elements=ELEMENTS,
                   values=values or {}, errors=errors or {}, choices=surveys.PROFILE_CHOICES,
                   expires=i18n.format_datetime(invitation["expires_at"], invitation["timezone"]), back=back)


def _survey_closed(reason: str, status: int = 410):
    return _message("skm.closed_title", f"skm.closed.{reason}", status, link="/",
                    link_key="skm.back")


def _thanked(closed: surveys.SurveyClosed) -> bool:
    """A survey already answered, opened again (the address the answer was sent from, reloaded, or Back to it):
    its thanks, not "cannot be filled in". Sent again, it is refused (410) as before."""
    return closed.reason == "answered" and request.method == "GET"


@bp.route("/survey/<token>", methods=["GET", "POST"])
def survey_by_token(token: str):
    """The emailed survey link: one invitation, answered once, without a login. An answer sent is followed by a
    redirect to the same address (its thanks), so a reload does not send the form again."""
    try:
        with database().session() as db:
            invitation = surveys.open_by_token(db, token)
            if request.method == "POST":
                surveys.answer_by_token(db, token, request.form.to_dict())
    except surveys.SurveyClosed as closed:
        if _thanked(closed):
            return _message("skm.thanks_title", "skm.thanks", link="/", link_key="skm.back")
        return _survey_closed(closed.reason, 404 if closed.reason == "unknown" else 410)
    except InvalidInput as error:
        return _survey_form(invitation, f"/survey/{token}", request.form.to_dict(), error.messages(t), 400)
    if request.method == "POST":
        return redirect(f"/survey/{token}", 303)
    return _survey_form(invitation, f"/survey/{token}")


@bp.route("/my/survey/<int:application_id>", methods=["GET", "POST"])
@requires("my.view")
def survey_logged_in(application_id: int):
    """The same survey for a logged-in service user, from their application's page."""
    viewer = _current_viewer()
    try:
        with database().session() as db:
            invitation = surveys.open_for_viewer(db, viewer, application_id)
            if request.method == "POST":
                surveys.answer_for_viewer(db, viewer, application_id, request.form.to_dict())
    except Forbidden:  # another company's application or none: the same words as its page, never the role
        return _message("my.not_yours_title.application", "my.not_yours.application", 403, link="/my/applications",
                        link_key="my.back_to_list")
    except surveys.SurveyClosed as closed:
        if _thanked(closed):
            return _message("skm.thanks_title", "skm.thanks", link=f"/my/applications/{application_id}",
                            link_key="skm.back_to_application")
        # The company's own application: "unknown" here means no survey was offered for it (yet), not a bad link.
        reason = "none_for_application" if closed.reason == "unknown" else closed.reason
        return _message("skm.closed_title", f"skm.closed.{reason}", 404 if closed.reason == "unknown" else 410,
                        link=f"/my/applications/{application_id}", link_key="skm.back_to_application")
    except InvalidInput as error:
        return _survey_form(invitation, f"/my/survey/{application_id}", request.form.to_dict(), error.messages(t),
                            400, back=f"/my/applications/{application_id}")
    if request.method == "POST":  # the thanks at the same address (a reload does not send the form again)
        return redirect(f"/my/survey/{application_id}", 303)
    return _survey_form(invitation, f"/my/survey/{application_id}", back=f"/my/applications/{application_id}")


# ------------------------------------------------------------------------------------------ accounts
def _link(path: str) -> str:
    return settings().public_base_url.rstrip("/") + path


def _invalid_link(reason: str):
    return _message("account.link_invalid_title", f"account.link_invalid.{reason}", 410,
                    link="/account/forgot", link_key="account.forgot_link")


@bp.route("/account/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """An invited service user sets their first password."""
    if current_user.is_authenticated:
        return redirect("/")
    errors = {}
    try:
        with database().session() as db:
            account = service_accounts.invitation_account(db, token)
            if request.method == "POST":
                service_accounts.use_invitation(db, token, request.form.get("password"),
                                                request.form.get("password_confirm"))
                return _message("account.password_set_title", "account.password_set", username=account["username"])
    except service_accounts.TokenInvalid as invalid:
        return _invalid_link(invalid.reason)
    except InvalidInput as error:
        errors = error.messages(t)
    return _render("account_password.html", 400 if errors else 200, heading=t("account.invite_heading"),
                   intro=t("account.invite_intro", username=account["username"]), errors=errors)


@bp.route("/account/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link. The answer is the same page, with the same work before it, whether or not the account
    exists: the look-up, the outbox row and the mail all happen after the response has gone (call_on_close)."""
    if request.method == "POST":
        response = make_response(_message("account.forgot_sent_title", "account.forgot_sent"))
        identifier, db, config = request.form.get("identifier"), database(), settings()
        response.call_on_close(lambda: _send_reset_link(db, config, identifier))
        return response
    return _render("account_forgot.html")


def _send_reset_link(db, config, identifier: str | None) -> None:
    """After the response: put the reset mail in the outbox and deliver it now; the link is minted as it is sent.
    If this process fails to send it, the scheduler's delivery retries it like any other outbox row."""
    try:
        with db.session() as session:
            outbox_id = service_accounts.queue_reset(session, identifier)
        if outbox_id is not None:
            notifications.deliver_pending(db, settings=config, only=[outbox_id])
    except Exception:  # noqa: BLE001 - the answer has gone; the person can ask again
        log.exception("password reset mail could not be queued or sent")


@bp.route("/account/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from a reset link; every session of the account ends."""
    errors = {}
    try:
        with database().session() as db:
            service_accounts.check_token(db, token, "reset")
            if request.method == "POST":
                username = service_accounts.use_reset(db, token, request.form.get("password"),
                                                      request.form.get("password_confirm"))
                return _message("account.password_set_title", "account.password_set", username=username)
    except service_accounts.TokenInvalid as invalid:
        return _invalid_link(invalid.reason)
    except InvalidInput as error:
        errors = error.messages(t)
    return _render("account_password.html", 400 if errors else 200, heading=t("account.reset_heading"),
                   intro=t("account.reset_intro"), errors=errors)


@bp.route("/account/register", methods=["GET", "POST"])
def register():
    """Self-registration: NPWP and email must match the registry; the email is verified by a link."""
    if request.method == "POST":
        with database().session() as db:
            found = service_accounts.request_registration(db, request.form.get("tax_id"), request.form.get("email"))
        if found is not None:
            email, token = found
            service_accounts.send_account_email(database(), settings(), to=email, template="register",
                                                values={"link": _link(f"/account/register/{token}")})
        return _message("account.register_sent_title", "account.register_sent")
    return _render("account_register.html")


@bp.route("/account/register/<token>", methods=["GET", "POST"])
def complete_registration(token: str):
    """The verified email's link: choose a username and password; the account is linked to the company."""
    errors, form = {}, request.form.to_dict()
    try:
        with database().session() as db:
            company = service_accounts.registration_company(db, token)
            if request.method == "POST":
                username = service_accounts.complete_registration(
                    db, token, username=form.get("username"), full_name=form.get("full_name"),
                    password=form.get("password"), confirm=form.get("password_confirm"))
                return _message("account.registered_title", "account.registered", username=username)
    except service_accounts.TokenInvalid as invalid:
        return _invalid_link(invalid.reason)
    except InvalidInput as error:
        errors = error.messages(t)
    form.pop("password", None)
    form.pop("password_confirm", None)
    return _render("account_register_complete.html", 400 if errors else 200, company=company, errors=errors,
                   form=form)
