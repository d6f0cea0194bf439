"""Readiness for load balancers (/readyz) and the client's address behind nginx (app.trusted_proxies)."""
from __future__ import annotations

import dataclasses

from flask import request

from app import create_app
from hotline.store import migrate
from hotline.wiring import build_services
from ivr.webhooks import twilio_webhooks
from tests.helpers import PUBLIC, make_config


def test_ready_when_the_database_answers_at_this_code_s_migration(client):
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": "ok", "revision": migrate.head_revision()}


def test_not_ready_while_the_database_is_behind_the_code(tmp_path):
    services = build_services(make_config(f"sqlite:///{tmp_path / 'old.db'}"), twilio_webhooks(PUBLIC))
    migrate.upgrade(services.engine, "0001")
    try:
        r = create_app(services.config, services=services).test_client().get("/readyz")
    finally:
        services.dispose()
    assert r.status_code == 503
    assert r.get_json() == {"status": "error", "database": "ok", "revision": "0001",
                            "expected": migrate.head_revision()}
    # Alive all the same: liveness and readiness are different questions.


def test_not_ready_when_the_database_is_unreachable(tmp_path):
    services = build_services(make_config("postgresql+psycopg://nobody@127.0.0.1:1/none"), twilio_webhooks(PUBLIC))
    try:
        r = create_app(services.config, services=services).test_client().get("/readyz")
    finally:
        services.dispose()
    assert r.status_code == 503 and r.get_json()["database"] == "unreachable"


def _seen_address(db, proxies: int) -> str:
    config = dataclasses.replace(db.config, app=dataclasses.replace(db.config.app, trusted_proxies=proxies))
    app = create_app(config, services=db)

    @app.get("/test/address")
    def address():
        return request.remote_addr

    return app.test_client().get("/test/address", headers={"X-Forwarded-For": "203.0.113.9"},
                                 environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)


def test_behind_one_trusted_proxy_the_client_address_comes_from_x_forwarded_for(db):
    assert _seen_address(db, 1) == "203.0.113.9"


def test_without_trusted_proxies_a_forged_x_forwarded_for_is_ignored(db):
    assert _seen_address(db, 0) == "127.0.0.1"
