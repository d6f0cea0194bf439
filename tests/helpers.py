"""Helpers for tests: literal times and the test config."""
from __future__ import annotations

from datetime import datetime, timezone

from hotline.config import load_config

API_TOKEN = "test-token-0123456789"


def make_config(database_url: str = "sqlite:///:memory:", **overrides):
    """The config tests use: test mode, a known API token."""
    values = {"app.mode": "test", "database.url": database_url, "api.token": API_TOKEN,
              "app.secret_key": "test-secret", "app.public_base_url": "https://hotline.example.org"}
    values.update(overrides)
    return load_config(environ={}, overrides=values)


def at(text: str) -> datetime:
    """A literal aware UTC datetime: at("2026-11-28 08:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
