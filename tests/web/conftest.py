"""Console fixtures: the app on a fixed clock, and the small world of tests/web/console_support.py."""
import pytest

from tests.web.console_support import NOW, build_world


@pytest.fixture
def console_app(app):
    """The app whose console reads a literal clock."""
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    return app


@pytest.fixture
def world(console_app, db):
    """Users of every role, tickets in townships A and B, a whistle, a chat and a notification."""
    return build_world(db)
