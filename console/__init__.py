"""The agent console: queues, ticket work, whistles, escalations, live chat and users (server-rendered)."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")


def init_app(app: Flask) -> None:
    """Register the console: login manager, CSRF for console forms, routes and CLI commands."""
    from console import (auth, chat, cli, inbox, knowledge_views, outbox_views, tickets_views,  # noqa: F401 (routes)
                         users_views)
    from console.web import csrf, login_manager, register_template_helpers, touch_session

    # CSRF is checked by the console itself (bp.before_request); Twilio webhooks, the chat API and the
    # JSON API have their own authentication and must not be asked for a form token.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # Agents keep a ticket page open for hours: the token lives as long as the session.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.after_request(touch_session)  # every page under /console, the assessment pages included
    register_template_helpers(app)
    app.register_blueprint(bp)
    cli.register(app)
