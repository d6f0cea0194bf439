"""The real browser reaches the real server: the health page renders its JSON."""
import pytest

pytestmark = pytest.mark.browser


def test_chromium_opens_the_health_page_served_over_http(live_server, page):
    page.goto(f"{live_server}/healthz")
    assert '"database":"ok"' in page.content().replace(" ", "")
