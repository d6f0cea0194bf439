"""Sign in (rate-limited), sign out, and each role's home page."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from console import bp
from console.access import ADMIN, AGENT, DEPARTMENT
from console.forms import LoginForm
from console.limiter import LoginLimiter
from console.users import authenticate
from console.web import safe_next, to_console_user
from webapp import now, services


def limiter() -> LoginLimiter:
    """The process's login limiter (one per app)."""
    return current_app.extensions.setdefault("console_login_limiter", LoginLimiter())


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


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form; five wrong passwords in 15 minutes lock the username (and the address) for a while."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user.role))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        keys = [f"user:{username}", f"ip:{request.remote_addr}"]
        wait = limiter().retry_after(keys, now())
        if wait is not None:
            minutes = max(1, int(wait.total_seconds() // 60) + 1)
            flash(f"Too many failed sign-ins. Try again in {minutes} minutes.", "error")
            return render_template("console/login.html", form=form), 429, {"Retry-After": str(int(wait.total_seconds()) + 1)}
        with services().session() as s:
            user = authenticate(s, form.username.data, form.password.data)
            snapshot = to_console_user(user) if user else None
        if snapshot is None:
            limiter().failed(keys, now())
            flash("Wrong username or password.", "error")
            status = 401
        else:
            limiter().succeeded([keys[0]])
            login_user(snapshot)
            return redirect(safe_next(home_for(snapshot.role)), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("console/login.html", form=form), status


@bp.post("/logout")
def logout():
    """Sign out (a POST with the CSRF token, so no other site can sign you out)."""
    logout_user()
    flash("Signed out.", "ok")
    return redirect(url_for("console.login"), code=303)
