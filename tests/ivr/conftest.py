"""Fixtures for the phone line: an app whose Twilio auth token is known, signed posts and a fixed clock."""
from __future__ import annotations

import pytest

from tests.ivr.support import SignedClient, make_ivr_app


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
