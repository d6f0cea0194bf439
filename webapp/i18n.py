"""The language of a web page: Chinese first, English on request (Flask-Babel).

A page's language is the `lang` query argument when it names a supported language (and is then remembered in
a cookie), else the cookie, else the configured default. Each channel keeps its own catalogue under
`<package>/translations` (English message ids, Chinese translations); Flask-Babel merges them.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, g, has_request_context, request
from flask_babel import Babel, get_locale

SUPPORTED = ("zh", "en")
DEFAULT = "zh"
COOKIE = "lang"
ONE_YEAR_S = 365 * 24 * 3600


def chosen_locale() -> str:
    """The request's language: ?lang=, then the cookie, then the default (outside a request: the default)."""
    if not has_request_context():  # CLI commands and jobs translate too
        return DEFAULT
    asked = request.args.get(COOKIE, "")
    if asked in SUPPORTED:
        g.lang_asked = asked
        return asked
    remembered = request.cookies.get(COOKIE, "")
    return remembered if remembered in SUPPORTED else DEFAULT


def _remember_choice(response):
    """A page opened with ?lang= keeps that language for the pages after it."""
    asked = g.get("lang_asked")
    if asked:
        response.set_cookie(COOKIE, asked, max_age=ONE_YEAR_S, samesite="Lax", httponly=True)
    return response


def switch_url(lang: str) -> str:
    """This page's URL in another language (the other arguments kept)."""
    args = request.args.to_dict(flat=False)
    args[COOKIE] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def init_app(app: Flask, packages: list[Path]) -> None:
    """Install Flask-Babel with the catalogues of the given channel packages."""
    directories = [str(p / "translations") for p in packages if (p / "translations").is_dir()]
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories) or "translations"
    Babel(app, locale_selector=chosen_locale)
    app.after_request(_remember_choice)
    app.jinja_env.globals.update(lang_switch_url=switch_url, supported_languages=SUPPORTED)
    app.context_processor(lambda: {"current_lang": str(get_locale() or DEFAULT)})
