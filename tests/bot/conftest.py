"""One real Rasa server and action server per test session, and apps that talk to them.

The action server reaches the app through a gateway on a fixed port for the whole session; each test mounts
its own app (on its own clean database) there, so one slow-loading Rasa serves every test and backend.
"""
from __future__ import annotations

import dataclasses
import socket
import threading

import pytest
from werkzeug.serving import make_server

from bot.tools.servers import StackError, free_port, start_bot

from hotline.config import RasaConfig
from hotline.wiring import make_dialogue, make_rasa_client
from tests.helpers import API_TOKEN

class Gateway:
    """A WSGI server whose app each test swaps in; with none mounted it answers 503 (the app is down)."""

    def __init__(self):
        self.app = None
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def __call__(self, environ, start_response):
        if self.app is None:
            start_response("503 Service Unavailable", [("Content-Type", "application/json")])
            return [b'{"error": {"code": "unavailable", "message": "down"}}']
        return self.app(environ, start_response)

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="session")
def bot_gateway():
    """The address the action server calls the app at, for the whole session."""
    gw = Gateway()
    yield gw
    gw.close()


@pytest.fixture(scope="session")
def rasa_stack(bot_gateway, tmp_path_factory):
    """Rasa (REST + API) and the action server on free loopback ports; fails (never skips) when missing."""
    try:
        stack = start_bot(tmp_path_factory.mktemp("rasa"), api_url=bot_gateway.url, api_token=API_TOKEN)
    except StackError as exc:
        pytest.fail(str(exc))
    yield stack
    stack.stop()


@pytest.fixture
def bot_services(db, rasa_stack):
    """The test's services with the dialogue and classifier talking to the real Rasa."""
    # Generous: the first turns after loading are slower, and CI shares two cores.
    config = dataclasses.replace(db.config, rasa=RasaConfig(url=rasa_stack.url, timeout_s=20, token=rasa_stack.token))
    core = dataclasses.replace(db.core, config=config)
    client = make_rasa_client(core)
    return dataclasses.replace(db, config=config, core=core, dialogue=make_dialogue(core, client),
                               classifier=core.classifier)


@pytest.fixture
def bot_app(bot_services, bot_gateway):
    """The app on the gateway, where the bot's actions reach its API."""
    from app import create_app
    application = create_app(bot_services.config, services=bot_services)
    application.testing = True
    bot_gateway.app = application
    yield application
    bot_gateway.app = None


@pytest.fixture
def bot_client(bot_app):
    return bot_app.test_client()


@pytest.fixture
def bot_server(bot_app, bot_gateway):
    """The app over real HTTP (for the browser), the same one the bot's actions call."""
    return bot_gateway.url


@pytest.fixture
def dead_url():
    """A loopback address where nothing listens: Rasa stopped."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def silent_url():
    """A loopback address that accepts connections and never answers: Rasa hung."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    t.join(timeout=2)
    for c in held:
        c.close()
    srv.close()
