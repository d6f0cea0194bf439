"""Public pages: parse -> one read in the core -> render. No login, no personal data, no route by reference."""
from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_babel import force_locale

from hotline.assessment import kpis, public_figures
from hotline.assessment.kpis import describe
from hotline.rules import prompts
from hotline.rules.deadlines import local
from hotline.work.tracking import tracking_view
from public import open_data
from webapp import now, services
from webapp.i18n import COOKIE, DEFAULT, SUPPORTED, chosen_locale

bp = Blueprint("public", __name__, template_folder="templates", static_folder="static",
               static_url_path="/public/static")

# The ranking changes with each follow-up answered: a few minutes in a cache is fine, and spares the database.
RANKING_MAX_AGE_S = 300


def _lang(default: str) -> str:
    """?lang= (remembered), then the cookie, then the default (the language the citizen spoke)."""
    if request.args.get(COOKIE, "") in SUPPORTED or request.cookies.get(COOKIE, "") in SUPPORTED:
        return chosen_locale()
    return default if default in SUPPORTED else DEFAULT


@bp.get("/t/<token>")
def tracking(token: str):
    """The citizen's tracking page: a wrong token is a 404 like any unknown page."""
    svc = services()
    with svc.session() as s:
        view = tracking_view(s, token, svc.core.taxonomy)
    if view is None:
        abort(404)
    lang = _lang(view.lang)
    tz = svc.config.app.timezone

    def when(moment):
        return local(moment, tz).strftime("%Y-%m-%d %H:%M") if moment else ""

    with force_locale(lang):
        html = render_template("public/tracking.html", v=view, lang=lang, when=when,
                               status_name=prompts.status_name(lang, view.status),
                               clock_names=prompts.names(lang, "clock"), now=now())
    response = Response(html)
    # The token is the key to the page: never cached, never sent on as a Referer, never indexed.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _month_or_404(month: str) -> str:
    if not public_figures.publishable_month(month, now=now(), config=services().config.assessment):
        abort(404)
    return month


def _ranking_page(month: str):
    svc = services()
    cfg = svc.config.assessment
    with svc.session() as s:
        ranking = public_figures.public_ranking(s, month=month, config=cfg, now=now())
    previous = kpis.add_months(month, -1)
    following = kpis.add_months(month, 1)
    latest = public_figures.last_complete_month(now(), cfg)
    html = render_template("public/ranking.html", r=ranking, month=month, how=describe(cfg),
                           assessment_basically=cfg.count_basically_satisfied,
                           previous=previous, following=following if following <= kpis.month_of(now(), cfg.timezone)
                           else None, latest=latest)
    return _cached(Response(html))


def _cached(response: Response) -> Response:
    # Chosen by cookie as well as ?lang=, so shared caches keep one copy per cookie; a response that sets the
    # language cookie is kept out of shared caches altogether.
    private = "Set-Cookie" in response.headers or request.args.get(COOKIE)
    response.headers["Cache-Control"] = f"{'private' if private else 'public'}, max-age={RANKING_MAX_AGE_S}"
    response.vary.add("Cookie")
    return response


@bp.get("/ranking")
def ranking_latest():
    """The latest finished month's ranking (last month in Beijing time)."""
    return _ranking_page(public_figures.last_complete_month(now(), services().config.assessment))


@bp.get("/ranking/<month>")
def ranking_month(month: str):
    """One month's ranking of every street/township and department."""
    return _ranking_page(_month_or_404(month))


def _open_data(month: str) -> public_figures.PublicRanking:
    svc = services()
    with svc.session() as s:
        return public_figures.public_ranking(s, month=_month_or_404(month), config=svc.config.assessment, now=now())


@bp.get("/open-data/ranking/<month>.json")
def open_data_json(month: str):
    """The month's figures as JSON (stable URL)."""
    response = jsonify(open_data.as_json(_open_data(month), services().config.assessment))
    response.headers["Cache-Control"] = f"public, max-age={RANKING_MAX_AGE_S}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site may read it
    return response


@bp.get("/open-data/ranking/<month>.csv")
def open_data_csv(month: str):
    """The month's figures as CSV, UTF-8 with a byte-order mark (Excel opens it right)."""
    body = open_data.as_csv(_open_data(month))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="hotline-ranking-{month}.csv"'
    response.headers["Cache-Control"] = f"public, max-age={RANKING_MAX_AGE_S}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.after_request
def _headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy",
                                "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
                                "form-action 'none'; frame-ancestors 'none'")
    return response

