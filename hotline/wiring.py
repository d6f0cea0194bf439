"""Build the long-lived services one process needs from its config: the one wiring every entrypoint uses."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.config import Config
from hotline.core import Core, build_core
from hotline.store.db import make_engine, make_read_session_factory, make_session_factory, read_scope, session_scope
from hotline.contact.dialogue import Dialogue, FormDialogue, RasaDialogue, make_rasa_client
from hotline.delivery.telephony import BaseUrlHttpClient, Telephony, make_telephony
from hotline.understanding.classifier import Classifier


@dataclass
class Services:
    """Config, core, database and ports of one process."""

    config: Config
    core: Core
    engine: Engine
    sessions: sessionmaker[Session]
    telephony: Telephony
    dialogue: Dialogue
    # The core's one classifier (core.classifier): every channel, the API, triage and `flask classify`.
    classifier: Classifier | None = None
    read_sessions: sessionmaker[Session] | None = None

    def __post_init__(self) -> None:
        if self.read_sessions is None:
            self.read_sessions = make_read_session_factory(self.engine)
        if self.classifier is None:
            self.classifier = self.core.classifier

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """A unit of work that only reads (pages, polls): never commits, takes no write lock on SQLite."""
        with read_scope(self.read_sessions) as s:
            yield s

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work that commits on success."""
        with session_scope(self.sessions) as s:
            yield s

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def build_services(config: Config) -> Services:
    """Everything an entrypoint needs, built once at start-up."""
    db = config.database
    engine = make_engine(db.url, echo=db.echo, pool_size=db.pool_size)
    core = build_core(config)
    tw = config.twilio
    # Without credentials this is the dev outbox: nothing leaves the machine.
    # The HTTP client's pool matches the scheduler's sender pool; api_base_url is a test-only redirect.
    http_client = BaseUrlHttpClient(timeout=tw.http_timeout_s, pool_size=config.scheduler.pool_size,
                                    base_url=tw.api_base_url)
    telephony = make_telephony(tw.account_sid, tw.auth_token, tw.phone_number, http_client=http_client)
    rasa = make_rasa_client(core)
    # Rasa may keep the dialogue; the group, service code and kind always come from the core's classifier.
    form = FormDialogue(core, core.classifier)
    dialogue = RasaDialogue(core, rasa, form) if rasa is not None else form
    return Services(config=config, core=core, engine=engine, sessions=make_session_factory(engine),
                    telephony=telephony, dialogue=dialogue, classifier=core.classifier)
