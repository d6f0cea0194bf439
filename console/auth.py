"""Sign in (rate-limited, then a TOTP code for those enrolled), sign out, second-factor enrolment, home pages."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

import ratelimits
from console import bp, second_factor, sessions
from console.access import ADMIN, AGENT, DEPARTMENT, roles_required
from console.forms import LoginForm, TotpForm
from console.users import authenticate
from console.web import is_console_path, safe_next, to_console_user
from hotline.store.models import User
from webapp import now, services

PENDING = "console_pending_2fa"  # the user who gave the right password and owes a code
ENROL = "console_totp_enrol"  # the secret being enrolled, shown until the first code confirms it
PENDING_SECONDS = 300
TOTP_LIMIT = "5 per 15 minutes"


def home_for(role: str) -> str:
    """Where each role starts its day."""
    if role == ADMIN:
        return url_for("console.users")
    if role == DEPARTMENT:
        return url_for("console.whistles")
    if role == AGENT:
        return url_for("console.queue", view="triage")
    return url_for("console.queue")


@bp.get("/")
@login_required
def home():
    """The signed-in user's start page."""
    return redirect(home_for(current_user.role))


def _login_rules(username: str) -> list[tuple[str, tuple[str, ...]]]:
    cfg = services().config.auth
    address = ratelimits.client_address()
    return [(cfg.login_limit_per_user_address, ("login-user-address", username, address)),
            (cfg.login_limit_per_address, ("login-address", address)),
            (cfg.login_limit_per_user, ("login-user", username))]


def _spend_attempt(username: str) -> int | None:
    """Count this attempt against the sign-in limits before the password is checked; seconds to wait if spent.

    The narrowest limit first, and an attempt it refuses is not counted against the wider ones: otherwise
    guesses already refused would use up the address's budget and lock out the next username too early.
    """
    for rule, key in _login_rules(username):
        verdict = ratelimits.hit(rule, *key)
        if not verdict.allowed:
            return verdict.retry_after_s
    return None


def _too_many(form, wait: int, template: str = "console/login.html"):
    minutes = max(1, wait // 60 + (1 if wait % 60 else 0))
    flash(_("Too many sign-in attempts. Try again in %(minutes)s minutes.", minutes=minutes), "error")
    return render_template(template, form=form), 429, {"Retry-After": str(wait)}


def _start_session(s, user: User):
    """A new server-side session for the user, signed in on this browser."""
    token = sessions.start(s, user.id, now=now())
    return to_console_user(user, token)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form: attempts are limited per username and address; enrolled staff then give a TOTP code."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user.role))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        wait = _spend_attempt(username)
        if wait is not None:
            return _too_many(form, wait)
        snapshot = None
        with services().session() as s:
            user = authenticate(s, form.username.data, form.password.data)
            if user is not None:
                rule, key = _login_rules(username)[0]
                ratelimits.clear(rule, *key)  # the right password: this address may try again at once
                if user.totp_secret:
                    session[PENDING] = {"uid": user.id, "at": now().timestamp(), "next": safe_next("")}
                    return redirect(url_for("console.login_totp"), code=303)
                snapshot = _start_session(s, user)
        if snapshot is None:
            flash(_("Wrong username or password."), "error")
            status = 401
        else:
            login_user(snapshot)
            return redirect(safe_next(home_for(snapshot.role)), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("console/login.html", form=form), status


@bp.route("/login/totp", methods=["GET", "POST"])
def login_totp():
    """The second step for enrolled supervisors and admins: the six-digit code from their app."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or now().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return redirect(url_for("console.login"))
    form = TotpForm()
    if not form.validate_on_submit():
        return render_template("console/login_totp.html", form=form), 400 if request.method == "POST" else 200
    verdict = ratelimits.hit(TOTP_LIMIT, "login-totp", str(pending["uid"]))
    if not verdict.allowed:
        return _too_many(form, verdict.retry_after_s, "console/login_totp.html")
    snapshot = None
    with services().session() as s:
        user = s.get(User, int(pending["uid"]))
        if user is None or not user.active:
            session.pop(PENDING, None)
            return redirect(url_for("console.login"))
        if second_factor.verify(user, form.code.data, now()):
            snapshot = _start_session(s, user)
    if snapshot is None:
        flash(_("That code is not right (or was already used). Type the code your app shows now."), "error")
        return render_template("console/login_totp.html", form=form), 401
    session.pop(PENDING, None)
    login_user(snapshot)
    target = pending.get("next") or ""
    return redirect(target if is_console_path(target) else home_for(snapshot.role), code=303)


@bp.route("/account/totp", methods=["GET", "POST"])
@roles_required(*second_factor.TOTP_ROLES)
def totp_enrol():
    """Enrol a second factor: the secret is shown (as text) until a first code confirms it, and never again."""
    form = TotpForm()
    if current_user.totp:
        return render_template("console/totp_enrol.html", enrolled=True, form=form)
    secret = session.get(ENROL) or second_factor.new_secret()
    session[ENROL] = secret
    uri = second_factor.otpauth_uri(secret, current_user.username, services().config.auth.totp_issuer)
    if form.validate_on_submit():
        with services().session() as s:
            user = s.get(User, current_user.id)
            ok = second_factor.enrol(user, secret, form.code.data, now())
        if ok:
            session.pop(ENROL, None)
            flash(_("Second factor enrolled: from now on sign-in asks for a code."), "ok")
            return redirect(home_for(current_user.role), code=303)
        flash(_("That code does not match; check the phone's clock and type the code shown now."), "error")
        return render_template("console/totp_enrol.html", enrolled=False, form=form, secret=secret, uri=uri), 400
    return render_template("console/totp_enrol.html", enrolled=False, form=form, secret=secret, uri=uri)


@bp.before_app_request
def _require_second_factor():
    """With auth.require_totp, a supervisor or admin without a second factor enrols before anything else."""
    if not request.path.startswith("/console") or request.endpoint in (
            "console.totp_enrol", "console.logout", "console.login", "console.login_totp", "console.static"):
        return None
    if not services().config.auth.require_totp:
        return None
    if current_user.is_authenticated and current_user.role in second_factor.TOTP_ROLES and not current_user.totp:
        return redirect(url_for("console.totp_enrol"))
    return None


@bp.post("/logout")
def logout():
    """Sign out (a POST with the CSRF token): the session row ends, so a copied cookie is worthless too."""
    if current_user.is_authenticated:
        with services().session() as s:
            sessions.end(s, current_user.id, current_user.session_token, now=now())
    logout_user()
    flash(_("Signed out."), "ok")
    return redirect(url_for("console.login"), code=303)
