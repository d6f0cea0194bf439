"""Migration 0012 gives every existing ticket a token of its own and makes the column required and unique."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, select, text

from hotline.store import migrate
from hotline.store.models import Ticket
from hotline.rules.tracking import is_tracking_token
from tests.factories import ticket
from tests.helpers import at


def _downgrade(engine, revision: str) -> None:
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_existing_tickets_get_distinct_tokens_when_the_migration_runs(db):
    with db.session() as s:
        for i in range(7):
            ticket(s, db.core, at("2026-11-03 02:00"), text=f"路灯坏了第{i}盏")
    _downgrade(db.engine, "0011")
    try:
        assert "tracking_token" not in {c["name"] for c in inspect(db.engine).get_columns("tickets")}
    finally:
        migrate.upgrade(db.engine)  # the session database goes back to head whatever happens
    with db.session() as s:
        tokens = s.scalars(select(Ticket.tracking_token)).all()
    assert len(tokens) == 7 and len(set(tokens)) == 7 and all(is_tracking_token(t) for t in tokens)
    column = next(c for c in inspect(db.engine).get_columns("tickets") if c["name"] == "tracking_token")
    assert column["nullable"] is False
    with db.engine.connect() as conn, pytest.raises(Exception):  # noqa: B017 - unique, whatever the driver says
        conn.execute(text("UPDATE tickets SET tracking_token = :t"), {"t": tokens[0]})
