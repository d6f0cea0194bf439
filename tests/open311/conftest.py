"""Open311 fixtures: partner apps and the real georeport client against the live server, every answer checked."""
import pytest
import requests

from tests.helpers import PARTNER_TOKENS
from tests.open311.support import JURISDICTION, ROOT, Partner, checked


@pytest.fixture
def partner(live_server):
    """The partner app "citymap" with its own api_key."""
    return Partner(live_server, PARTNER_TOKENS["citymap"])


@pytest.fixture
def anonymous(live_server):
    """Anyone on the internet: no api_key."""
    return Partner(live_server)


@pytest.fixture
def seen():
    """Every answer the georeport client received, after it was checked against the description."""
    return []


@pytest.fixture
def georeport(live_server, monkeypatch, seen):
    """The georeport library from PyPI, pointed at /open311/v2; each answer it reads is validated first."""
    import georeport.georeport as module
    from georeport import GeoReport

    class CheckedRequests:
        """The requests module as the client sees it, with get() checking each answer it returns."""

        def __getattr__(self, name):
            return getattr(requests, name)

        @staticmethod
        def get(url, **kw):
            response = requests.get(url, timeout=10, **kw)
            checked(response)
            seen.append(response)
            return response

    monkeypatch.setattr(module, "requests", CheckedRequests())
    return GeoReport(live_server + ROOT, jurisdiction=JURISDICTION)
