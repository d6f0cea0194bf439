"""Rasa's SQL tracker store with its connection pool's pre-ping, for `make cluster` (endpoints: `type:
tracker_stores.PingingSQLTrackerStore`; Rasa puts the bot folder on its import path).

Rasa 3.6 builds the store's engine without `pool_pre_ping`: after PostgreSQL restarts, each pooled connection is
dead, and the first turn that draws one fails to read its conversation, so Rasa answers it from an empty in-memory
tracker (a citizen's "是的" to the summary gets "还有其他问题吗？" and nothing is filed). With the ping a dead
connection is replaced before the turn uses it.
"""
from __future__ import annotations

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs


class PingingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose engine checks each connection it hands out."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)  # creates the tables (and waits for the database) as Rasa's does
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
