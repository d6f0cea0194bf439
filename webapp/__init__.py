"""What the app factory hands every web channel: the process's services and the request's clock.

app.py installs them; ivr, webchat, api and console read them here (channels never import each other, and
the core knows no Flask, so the one accessor lives beside both).
"""
from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app

from hotline.store.db import utcnow
from hotline.wiring import Services

KEY = "hotline"
CLOCK = "HOTLINE_CLOCK"  # tests set app.config["HOTLINE_CLOCK"] to a function returning a literal time


def install(app: Flask, services: Services) -> None:
    """Give the app its services (once, in create_app)."""
    app.extensions[KEY] = services


def services_of(app: Flask) -> Services:
    """The services of an app outside a request (CLI commands)."""
    return app.extensions[KEY]


def services() -> Services:
    """The process's services, inside a request or an app context."""
    return services_of(current_app)


def now() -> datetime:
    """The entrypoint's clock: the time a request happens at (a literal time in tests)."""
    clock = current_app.config.get(CLOCK) or utcnow
    return clock()
