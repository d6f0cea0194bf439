"""Run by tests/bot/test_tracker_store.py in the bot's environment (.venv-rasa, cwd bot/): the cluster's tracker
store, from the endpoints file `make cluster` writes, keeps a conversation across PostgreSQL dropping every
connection. Prints one JSON line."""
import asyncio
import json
import os
import sys

sys.path.insert(1, os.getcwd())  # what `rasa run` does first (rasa/__main__.py): the bot folder is importable

import psycopg2
from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

endpoints, dsn, database = sys.argv[1:4]


def drop_connections() -> int:
    """What a PostgreSQL restart does to every pooled connection: they are gone (the server's end closed)."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()", (database,))
        return cur.fetchone()[0]


async def survives(store, sender: str) -> dict:
    """Save a conversation, drop the connections, read it back."""
    await store.save(DialogueStateTracker.from_events(sender, [ActionExecuted("action_listen"),
                                                               UserUttered("楼下施工太吵了", {"name": "complaint"})]))
    dropped = drop_connections()
    try:
        tracker = await store.retrieve(sender)
    except Exception as exc:  # noqa: BLE001 - what Rasa's fail-safe wrapper would turn into an empty tracker
        return {"dropped": dropped, "error": type(exc).__name__}
    texts = [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else []
    return {"dropped": dropped, "texts": texts}


async def main() -> None:
    domain = Domain.empty()
    config = read_endpoint_config(endpoints, "tracker_store")
    store = create_tracker_store(config, domain)
    inner = getattr(store, "_tracker_store", store)  # Rasa wraps a store whose methods are not all async
    cluster = await survives(store, "cluster-conversation")
    # Rasa's own store on the same database, for comparison: what the cluster used before.
    plain = await survives(SQLTrackerStore(domain, dialect="postgresql", host=config.url, db=database), "plain")
    print(json.dumps({"class": type(inner).__name__, "cluster": cluster, "plain": plain}, ensure_ascii=False))


asyncio.run(main())
