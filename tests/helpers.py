"""Helpers for tests: literal times and the test config."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from hotline.config import load_config

API_TOKEN = "test-token-0123456789"
# Open311 partner apps (api/open311/): one token each.
PARTNER_TOKENS = {"citymap": "citymap-token-0123456789", "fixit": "fixit-token-abcdefghij"}
PUBLIC = "https://hotline.example.org"  # app.public_base_url of the test config


def make_config(database_url: str = "sqlite:///:memory:", **overrides):
    """The config tests use: test mode, a known API token."""
    values = {"app.mode": "test", "database.url": database_url, "api.token": API_TOKEN,
              "app.secret_key": "test-secret", "app.public_base_url": PUBLIC,
              "open311.partners": dict(PARTNER_TOKENS),
              # No trained model unless a test trains one: the suite must not depend on `make setup`'s model.
              "nlu.model_path": ""}
    values.update(overrides)
    return load_config(environ={}, overrides=values)


def at(text: str) -> datetime:
    """A literal aware UTC datetime: at("2026-11-28 08:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def wait_until(condition, timeout: float, what: str) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds (no fixed sleeps in tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextmanager
def serve(wsgi_app) -> Iterator[str]:
    """The app over real HTTP on a free loopback port, in a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
