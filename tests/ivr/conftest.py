"""Fixtures for the phone line: an app whose Twilio auth token is known, signed posts and a fixed clock."""
from __future__ import annotations

import dataclasses

import pytest

from tests.helpers import make_config
from tests.ivr.support import NOW, TWILIO_TOKEN, SignedClient


def ivr_services(db, **overrides):
    """The test database's services with the Twilio settings a test needs."""
    cfg = make_config(db.config.database.url, **{"twilio.auth_token": TWILIO_TOKEN, **overrides})
    return dataclasses.replace(db, config=cfg, core=dataclasses.replace(db.core, config=cfg))


def make_ivr_app(db, **overrides):
    """The app on the test database with a fixed clock."""
    from app import create_app
    svc = ivr_services(db, **overrides)
    application = create_app(svc.config, services=svc)
    application.testing = True
    application.config["HOTLINE_CLOCK"] = lambda: NOW
    return application


@pytest.fixture
def ivr_app(db):
    """No on-duty agent number: agent calls queue."""
    return make_ivr_app(db)


@pytest.fixture
def twilio(ivr_app):
    """Posts signed like Twilio's."""
    return SignedClient(ivr_app.test_client())


@pytest.fixture
def agent_twilio(db):
    """Signed posts to an app with an on-duty agent number."""
    return SignedClient(make_ivr_app(db, **{"twilio.agent_number": "+8613900139000"}).test_client())
