"""The Flask app factory and the hotline's CLI commands (`flask --app app ...`)."""
from __future__ import annotations

import logging
import secrets

import click
from flask import Flask, jsonify, request
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter
from werkzeug.middleware.proxy_fix import ProxyFix

import ratelimits

from hotline.config import PROJECT_ROOT, Config, load_config
from hotline.store import migrate
from hotline.wiring import Services, build_services
from ivr.webhooks import twilio_webhooks
import webapp
import webapp.i18n

log = logging.getLogger("hotline")


class RowIdConverter(IntegerConverter):
    """<int:...> bounded to the ids a row can have (1 .. 2**31-1)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: Config | None = None, services: Services | None = None) -> Flask:
    """Build the web app; gunicorn runs `app:create_app()`. Nothing starts at import."""
    config = config or load_config()
    services = services or build_services(config, twilio_webhooks(config.app.public_base_url))
    app = Flask(__name__, static_folder=None)
    # Every <int:...> in a URL is a row id: beyond PostgreSQL's integer it is a 404, never a database error.
    app.url_map.converters["int"] = RowIdConverter
    secret = config.app.secret_key
    if not secret:
        # Development only (production refuses to start without one): sessions last as long as the process.
        secret = secrets.token_hex(32)
        log.warning("SECRET_KEY is not set; using a throwaway key")
    app.config.update(SECRET_KEY=secret, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=config.is_production, MAX_CONTENT_LENGTH=2 * 1024 * 1024,
                      JSON_AS_ASCII=False)
    app.json.ensure_ascii = False
    webapp.install(app, services)
    # Pages speak Chinese first (their users are Beijing staff and citizens); ?lang=en switches.
    webapp.i18n.init_app(app, [PROJECT_ROOT / name for name in ("console", "public", "webchat")])
    if config.is_production:
        services.warm()  # a worker takes traffic with its caches built, not on a citizen's first message
    hops = config.app.trusted_proxies
    if hops:
        # The client address (rate limits, sign-in limiter) is read through exactly this many proxies;
        # with 0 (gunicorn facing the clients) X-Forwarded-For is ignored, so nobody can forge it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    ratelimits.init_app(app, config.ratelimit.storage_url, key_prefix=config.ratelimit.key_prefix)

    from api import bp as api_bp
    app.register_blueprint(api_bp)

    import api.open311 as open311  # GeoReport v2 for partner apps, beside the JSON API
    app.register_blueprint(open311.bp)

    from webchat import bp as webchat_bp
    app.register_blueprint(webchat_bp)

    from public import bp as public_bp  # the citizen's tracking page, the public ranking and its open data
    app.register_blueprint(public_bp)

    from ivr.blueprints import BLUEPRINTS  # voice, SMS, Twilio's fallback, and the calls the scheduler places
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

    import console
    console.init_app(app)

    @app.get("/healthz")
    def healthz():
        """Liveness and database reachability, without auth."""
        try:
            with services.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any database failure means not healthy
            log.exception("health check: database unreachable")
            return jsonify({"status": "error", "database": "unreachable"}), 503
        return jsonify({"status": "ok", "database": "ok"})

    head = migrate.head_revision()

    @app.get("/readyz")
    def readyz():
        """Ready for traffic: the database answers and is at this code's migration (load balancers, deploys)."""
        try:
            with services.engine.connect() as conn:
                current = migrate.current_revision(conn)
        except Exception:  # noqa: BLE001 - any database failure means not ready
            log.exception("readiness check: database unreachable")
            return jsonify({"status": "error", "database": "unreachable"}), 503
        if current != head:
            # A host with newer code than the database (or the reverse) must not take traffic mid-deploy.
            return jsonify({"status": "error", "database": "ok", "revision": current, "expected": head}), 503
        return jsonify({"status": "ok", "database": "ok", "revision": current})

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if request.path.startswith("/open311/"):
            return open311.http_error(exc)  # unknown paths, wrong methods, bodies too large: in the spec's form
        if request.path.startswith("/api/") or request.path in ("/healthz", "/readyz"):
            headers = [(k, v) for k, v in exc.get_headers() if k.lower() in ("retry-after", "allow")]
            return jsonify({"error": {"code": exc.name.lower().replace(" ", "_"), "message": exc.description}}), \
                exc.code, headers
        return exc

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Never a stack trace to a citizen or partner: log it, answer in the channel's terms.
        log.exception("unhandled error on %s %s", request.method, request.path)
        if request.path.startswith("/open311/"):
            return open311.internal_error()
        if request.path.startswith("/api/"):
            return jsonify({"error": {"code": "internal", "message": "something went wrong; please retry"}}), 500
        return "Something went wrong; please try again.", 500

    register_cli(app)
    from tools import numbers  # `flask twilio point-number`
    app.cli.add_command(numbers.cli)
    from webchat import cli as chat_cli  # `flask classify` (issue 4)
    chat_cli.register(app)
    from tools import nlu_cli  # `flask nlu train / evaluate / export-history` (issue 12)
    nlu_cli.register(app)
    from console import assessment  # assessment pages and the kpis / demo-data commands (issue 7)
    assessment.init_app(app)
    return app


def register_cli(app: Flask) -> None:
    """Commands an operator runs with `flask --app app ...`."""

    @app.cli.command("init-db")
    def init_db():
        """Migrate the database to the latest revision and load reference data (safe to re-run)."""
        from hotline.store.refdata import load_reference_data

        svc = webapp.services_of(app)
        migrate.upgrade(svc.engine)
        with svc.session() as s:
            report = load_reference_data(s, svc.core.taxonomy)
        click.echo(f"database ready at revision head: {report.districts} districts, {report.townships} townships, "
                   f"{report.departments} departments, {report.service_codes} service codes")
        if not svc.config.twilio.agent_number:
            # Said at every start: an emergency caller who asks for a person would get a voicemail.
            click.echo("note: no on-duty agent number (TWILIO_AGENT_NUMBER): emergency and agent calls cannot be "
                       "transferred and go to voicemail or the agent queue")
