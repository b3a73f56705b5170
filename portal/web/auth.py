"""Login, logout and the language switch: plain Flask routes with server-rendered forms."""
from __future__ import annotations

import math
from datetime import timedelta
from urllib.parse import quote, urlparse

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import LoginManager, current_user, login_user, logout_user

from portal import i18n
from portal.extensions import database, settings
from portal.i18n import t
from portal.security.access import requires
from portal.security.permissions import AUTHENTICATED, home_page
from portal.services import accounts, push, service_accounts
from portal.web import login_throttle

bp = Blueprint("auth", __name__)
login_manager = LoginManager()


@login_manager.user_loader
def _load_user(_user_id: str):
    """The cookie holds only a session id; the database says whether that session still lives."""
    session_id = session.get("sid")
    if not session_id:
        return None
    with database().session() as db:
        user = accounts.load_session(db, session_id, timedelta(hours=settings().session_idle_hours))
    if user is None or str(user.id) != _user_id:
        session.clear()
        return None
    return user


def _lockout_policy() -> accounts.LockoutPolicy:
    s = settings()
    return accounts.LockoutPolicy(failures=s.login_hard_lock_failures, addresses=s.login_hard_lock_addresses,
                                  window=timedelta(hours=s.login_hard_lock_hours),
                                  lock_for=timedelta(hours=s.login_hard_lock_hours), digest_key=s.secret_key)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so a crafted link cannot send a fresh login elsewhere."""
    if not target:
        return None
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers read "/\evil.example" as "//evil.example" and drop tabs and line breaks: not a path of ours.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    return target


# In the session: whether its language was chosen on a page (the language switch), not left by a logout.
LANGUAGE_CHOSEN = "lang_chosen"


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on POST check the password, throttled per address and per (name, address).

    Every failure gets one answer (401, one message), whether the name exists, the password was wrong, or the
    account is locked or inactive; a throttled client gets 429 with Retry-After before its password is looked at."""
    if current_user.is_authenticated:
        return redirect(home_page(current_user.role))
    if request.method == "GET":
        return _login_form()
    username = (request.form.get("username") or "").strip()
    password = request.form.get("password") or ""
    address = request.remote_addr  # the visitor's, behind QCORNER_TRUSTED_PROXIES (ProxyFix in portal/app.py)
    wait = login_throttle.throttle().retry_after(address, username)
    if wait is not None:
        return _login_form(t("login.error.throttled", minutes=math.ceil(wait / 60)), username, 429,
                           {"Retry-After": str(wait)})
    # A language chosen before logging in (the login page's switch, or any page's before it) is the person's
    # choice: it becomes the account's (the account's own used to win, and "English" chosen a moment before gave an
    # Indonesian portal). The language a logout left in the cookie is the last person's, not a choice: it does not
    # count. (A link from elsewhere can choose one as well, as it always could for a logged-in account: id or en.)
    chosen = session.get("lang") if session.get(LANGUAGE_CHOSEN) else None
    with database().session() as db:
        result = accounts.authenticate(db, username, password, address, _lockout_policy())
        session_id = accounts.start_session(db, result.user_id, address,
                                            request.headers.get("User-Agent")) if result.ok else None
        user = accounts.load_session(db, session_id, timedelta(hours=settings().session_idle_hours)) \
            if result.ok else None
        if user is not None and chosen:  # only once the login holds: a refused one writes nothing more
            accounts.set_language(db, result.user_id, chosen)
    if result.ok and user is not None:
        login_throttle.throttle().succeeded(address, username)
        session.clear()  # a fresh cookie on login: no fixation of an earlier session
        session["sid"] = session_id
        session.permanent = True
        login_user(user)
        current_app.logger.info("login ok: %s", username)
        return redirect(_safe_next(request.args.get("next")) or home_page(user.role))
    login_throttle.throttle().failed(address, username)
    return _login_form(t("login.error.invalid"), username, 401)


def _login_form(error: str | None = None, username: str = "", status: int = 200, headers: dict | None = None):
    # Where the language switch brings the reader back: this login page, with the page it was asked for.
    wanted = _safe_next(request.args.get("next"))
    login_path = f"/login?next={quote(wanted, safe='/')}" if wanted else "/login"
    return render_template("login.html", error=error, username=username, t=t, language=i18n.current_language(),
                           demo=settings().env == "demo", login_path=login_path), status, headers or {}


@bp.route("/logout", methods=["GET", "POST"])
@requires(AUTHENTICATED)
def logout():
    """End the session on the server, so a copied cookie stops working too.

    Only a POST with the CSRF token ends it (the guard checks the token); a GET — a bookmark, or an image or link
    on another site — shows a button that asks."""
    if request.method != "POST":
        return render_template("logout.html", t=t)
    session_id = session.get("sid")
    # The page's script sends this device's push endpoint (assets/qc-pwa.js): a phone shared at the cargo area
    # must not keep receiving the last person's notifications once they have logged out.
    endpoint = request.form.get("push_endpoint", "")
    if session_id or (endpoint and current_user.is_authenticated):
        with database().session() as db:
            if endpoint and current_user.is_authenticated and len(endpoint) <= push.ENDPOINT_MAX:
                push.unsubscribe(db, current_user.id, endpoint=endpoint)
            if session_id:
                accounts.end_session(db, session_id)
    logout_user()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    return redirect("/login")


@bp.route("/password", methods=["GET", "POST"])
@requires(AUTHENTICATED)
def change_password():
    """A signed-in person changes their own password (a shared forwarder account when a staff member leaves, an
    officer's first password from the administrator): the current one, then the new one twice. The guard checks
    the CSRF token of the POST; what was typed is never sent back (passwords)."""
    home = home_page(current_user.role) or "/"
    if request.method != "POST":
        return _password_page(home, {})
    with database().session() as db:
        result = service_accounts.change_password(
            db, current_user.id, session.get("sid", ""), request.form.get("current_password"),
            request.form.get("password"), request.form.get("password_confirm"))
    if result.get("session_ended"):
        # Too many wrong current passwords: the session has ended (in the database); the browser's cookie goes too.
        logout_user()
        session.clear()
        return redirect("/login")
    if not result["changed"]:
        return _password_page(home, {field: t(key, **params) for field, (key, params) in result["errors"].items()},
                              400)
    return render_template("portal_message.html", t=t, language=i18n.current_language(),
                           title=t("account.password_changed_title"), message=t("account.password_changed"),
                           link=home, link_text=t("account.back_to_portal"))


def _password_page(home: str, errors: dict[str, str], status: int = 200):
    return render_template("account_change_password.html", t=t, language=i18n.current_language(), errors=errors,
                           home=home), status


@bp.route("/lang/<code>", methods=["POST"])
def switch_language(code: str):
    """Switch between Indonesian and English; remembered on the account when logged in. A POST with the CSRF token (the
    guard checks it): as a link, any site could switch a signed-in officer's account to the other language."""
    if code in i18n.LANGUAGES:
        session["lang"] = code
        session[LANGUAGE_CHOSEN] = True  # before logging in: the account takes it at the login (login above)
        if current_user.is_authenticated:
            with database().session() as db:
                accounts.set_language(db, current_user.id, code)
    came = urlparse(request.referrer or "")
    came_from = (came.path + (f"?{came.query}" if came.query else "")) or None  # a list's filters ride in its query
    asked = request.form.get("next") or request.args.get("next")
    return redirect(_safe_next(asked) or _safe_next(came_from) or "/")
