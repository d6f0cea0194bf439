"""Console plumbing shared by its views: services, the clock, CSRF, Flask-Login and template helpers."""
from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from console import bp, labels, sessions
from console.access import ROLE_LABELS, ConsoleUser, nav_for
from hotline.rules.deadlines import local
from hotline.errors import HotlineError
from hotline.store.models import User
from hotline.privacy import mask_phone, redact_phones
from webapp import now, services, services_of

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "console.login"
login_manager.login_message = _l("Please sign in to use the console.")
login_manager.session_protection = "strong"


def to_console_user(user: User, session_token: str) -> ConsoleUser:
    """A detached snapshot of the user row for Flask-Login, tied to one session row."""
    return ConsoleUser(id=user.id, username=user.username, display_name=user.display_name or user.username,
                       role=user.role, unit_type=user.unit_type, unit_code=user.unit_code, active=user.active,
                       session_token=session_token, totp=bool(user.totp_secret))


# Pages that poll on their own (unread count, inbox, chat): they do not count as the person being active,
# so a console tab left open still signs out after the idle timeout.
POLLS = frozenset({"console.inbox_count", "console.inbox_feed", "console.chat_messages"})


@login_manager.user_loader
def _load_user(user_id: str) -> ConsoleUser | None:
    ident, _sep, token = user_id.partition(":")
    if not ident.isdigit() or len(ident) > 12:
        return None
    cfg = services().config.auth
    moment = now()
    with services().read_session() as s:
        found = sessions.find_live(s, int(ident), token, now=moment, idle=timedelta(minutes=cfg.idle_timeout_minutes),
                                   longest=timedelta(hours=cfg.max_session_hours))
        if found is None:
            return None
        row, live = found
        if request.endpoint not in POLLS and sessions.needs_touch(live, moment):
            g.console_session_touch = live.id  # written after the view, outside its transaction
        return to_console_user(row, token)


def touch_session(response):
    """After the request: record the activity the loader saw (at most once a minute per session)."""
    session_id = g.pop("console_session_touch", None)
    if session_id is not None:
        with services().session() as s:
            sessions.touch(s, session_id, now=now())
    return response


@bp.before_request
def _protect_forms():
    # Every state-changing console request carries the CSRF token (forms as a field, fetch() as a header).
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


@bp.before_request
def _refuse_unreadable_text():
    # PostgreSQL refuses NUL in text and a lone surrogate cannot be stored at all: say so, do not fail later.
    values = [*request.args.values(), *(request.form.values() if request.form else ())]
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            values += [v for v in body.values() if isinstance(v, str)]
    for value in values:
        if "\x00" in value or not _encodable(value):
            abort(400, _("The request contains a character the console cannot store (NUL or a broken character)."))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def guard_like_console(blueprint) -> None:
    """Another console blueprint (assessment, proactive cases) gets the console's form checks and headers."""
    blueprint.before_request(_protect_forms)
    blueprint.before_request(_refuse_unreadable_text)
    blueprint.after_request(_no_store)


@bp.after_request
def _no_store(response):
    # Pages show citizens' data: keep them out of shared caches and the back-button cache after logout.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: https:; media-src 'self' https:; "
        "script-src 'self'; style-src 'self'; frame-ancestors 'none'; form-action 'self'")
    return response


@bp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError):
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"error": {"code": "csrf", "message": _("the page expired; reload it")}}, 400
    return render_template("console/error.html", title=_("Form expired"),
                           message=_("This form expired or was sent from elsewhere. Go back, reload the page "
                                     "and try again.")), 400


@bp.errorhandler(400)
def _bad_request(exc):
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"error": {"code": "bad_request", "message": exc.description}}, 400
    # Werkzeug's own description is English; the console's own aborts pass theirs already translated.
    message = exc.description if exc.description != type(exc).description else _(
        "The console could not understand this request.")
    return render_template("console/error.html", title=_("Not understood"), message=message), 400


@bp.errorhandler(403)
def _forbidden(exc):
    return render_template("console/error.html", title=_("Not allowed"),
                           message=_("Your role does not allow this page or action.")), 403


@bp.errorhandler(404)
def _not_found(exc):
    return render_template("console/error.html", title=_("Not found"),
                           message=_("There is nothing here, or it is not yours to see.")), 404


def fail(exc: HotlineError, target: str):
    """Tell the user why the core refused, and go back to the page they came from."""
    flash(labels.error_text(exc), "error")
    return redirect(target, code=303)


def done(message: str, target: str):
    """Confirm an action and go back (303 so a reload does not resubmit)."""
    flash(message, "ok")
    return redirect(target, code=303)


def is_console_path(target: str) -> bool:
    """A path inside the console: no scheme, no host, no control characters or backslashes.

    Browsers drop tabs and newlines from URLs, so "/\t/evil.example" would become "//evil.example";
    a CR/LF would also break the Location header. Anything of the sort is refused, not cleaned.
    """
    if not target or len(target) > 2000 or "\\" in target:
        return False
    if any(ord(ch) < 0x21 or 0x7F <= ord(ch) < 0xA0 for ch in target):
        return False
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return False
    return parts.path == "/console" or parts.path.startswith("/console/")


def safe_next(default: str) -> str:
    """The `next` target if it is a console page, else the default."""
    target = request.values.get("next", "")
    return target if is_console_path(target) else default


def register_template_helpers(app) -> None:
    """Filters and globals the console templates use."""
    tz = services_of(app).config.app.timezone

    @app.template_filter("localtime")
    def _localtime(moment, fmt="%Y-%m-%d %H:%M"):
        return local(moment, tz).strftime(fmt) if moment else ""

    @app.template_filter("masked")
    def _masked(phone):
        return mask_phone(phone)

    @app.template_filter("redacted")
    def _redacted(text):
        # Free text (transcripts, notes) for roles that do not call citizens: every phone-like run masked.
        return redact_phones(text or "")

    app.add_template_filter(labels.label, "label")

    @app.template_filter("duration")
    def _duration(delta):
        seconds = int(delta.total_seconds())
        sign = "-" if seconds < 0 else ""
        seconds = abs(seconds)
        days, rem = divmod(seconds, 86400)
        hours, rem = divmod(rem, 3600)
        minutes = rem // 60
        if days:
            return _("%(sign)s%(days)sd %(hours)sh", sign=sign, days=days, hours=hours)
        if hours:
            return _("%(sign)s%(hours)sh %(minutes)sm", sign=sign, hours=hours, minutes=f"{minutes:02d}")
        return _("%(sign)s%(minutes)sm", sign=sign, minutes=minutes)

    @app.context_processor
    def _console_globals():
        # Available to any page that extends console/base.html, the console's own or another part's.
        user = current_user if current_user.is_authenticated else None
        nav = [(link.label, url_for(link.endpoint, **dict(link.args)), link.badge)
               for link in nav_for(user.role if user else None)]
        return {"console_user": user, "console_nav": nav, "role_labels": ROLE_LABELS,
                "dev_outbox": not services().config.twilio.account_sid}
