"""One real Rasa server and action server per test session, and apps that talk to them.

The action server reaches the app through a gateway on a fixed port for the whole session; each test mounts
its own app (on its own clean database) there, so one slow-loading Rasa serves every test and backend.
"""
from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from hotline.config import RasaConfig
from hotline.dialogue import RasaClient, make_classifier, make_dialogue
from tests.helpers import API_TOKEN

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
RASA_BIN = ROOT / ".venv-rasa" / "bin"
MODEL = BOT / "models" / "hotline.tar.gz"
LOAD_TIMEOUT_S = 300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


@dataclasses.dataclass
class RasaStack:
    """The running Rasa server and action server."""

    url: str
    actions_url: str
    logs: Path


def _start(cmd, env, log: Path):
    return subprocess.Popen(cmd, cwd=BOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _wait(url: str, proc, log: Path, what: str):
    deadline = time.monotonic() + LOAD_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail(f"{what} did not answer {url} within {LOAD_TIMEOUT_S} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="session")
def bot_gateway():
    """The address the action server calls the app at, for the whole session."""
    gw = Gateway()
    yield gw
    gw.close()


@pytest.fixture(scope="session")
def rasa_stack(bot_gateway, tmp_path_factory):
    """Rasa (REST + API) and the action server on free loopback ports; fails (never skips) when missing."""
    if not (RASA_BIN / "rasa").exists():
        pytest.fail("the bot's environment .venv-rasa is missing: run `make test` (it needs Python 3.10)")
    if not MODEL.exists():
        pytest.fail(f"no trained bot at {MODEL}: run `make test` (it trains the bot first)")
    logs = tmp_path_factory.mktemp("rasa")
    rasa_port, actions_port = free_port(), free_port()
    endpoints = logs / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SANIC_HOST": "127.0.0.1",
           "HOTLINE_API_URL": bot_gateway.url, "HOTLINE_API_TOKEN": API_TOKEN, "TF_CPP_MIN_LOG_LEVEL": "2"}
    actions = _start([str(RASA_BIN / "rasa"), "run", "actions", "-p", str(actions_port), "--actions", "actions"],
                     env, logs / "actions.log")
    rasa = _start([str(RASA_BIN / "rasa"), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(rasa_port),
                   "--model", str(MODEL), "--endpoints", str(endpoints)], env, logs / "rasa.log")
    try:
        _wait(f"http://127.0.0.1:{actions_port}/health", actions, logs / "actions.log", "the action server")
        _wait(f"http://127.0.0.1:{rasa_port}/status", rasa, logs / "rasa.log", "Rasa")
        yield RasaStack(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", logs)
    finally:
        for proc in (rasa, actions):
            proc.terminate()
        for proc in (rasa, actions):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def bot_services(db, rasa_stack):
    """The test's services with the dialogue and classifier talking to the real Rasa."""
    # Generous: the first turns after loading are slower, and CI shares two cores.
    config = dataclasses.replace(db.config, rasa=RasaConfig(url=rasa_stack.url, timeout_s=20))
    core = dataclasses.replace(db.core, config=config)
    client = RasaClient(rasa_stack.url, 20)
    return dataclasses.replace(db, config=config, core=core, dialogue=make_dialogue(core, client),
                               classifier=make_classifier(core, client))


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
