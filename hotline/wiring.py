"""Build the long-lived services one process needs from its config: the one wiring every entrypoint uses."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import requests
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.config import Config
from hotline.core import Core, build_core
from hotline.store.db import make_engine, make_read_session_factory, make_session_factory, read_scope, session_scope
from hotline.contact.dialogue import Classifier, Dialogue, RasaClient, make_classifier, make_dialogue
from hotline.delivery.telephony import BaseUrlHttpClient, Telephony, make_telephony


@dataclass
class Services:
    """Config, core, database and ports of one process."""

    config: Config
    core: Core
    engine: Engine
    sessions: sessionmaker[Session]
    telephony: Telephony
    dialogue: Dialogue
    # Rasa's model with keywords behind it (or keywords alone); the IVR and `flask classify` use it.
    classifier: Classifier | None = None
    read_sessions: sessionmaker[Session] | None = None

    def __post_init__(self) -> None:
        if self.read_sessions is None:
            self.read_sessions = make_read_session_factory(self.engine)

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


def rasa_http(token: str) -> requests.Session:
    """HTTP for the Rasa client: every request carries ?token= (Rasa is served with --auth-token)."""
    http = requests.Session()
    if token:
        http.params = {"token": token}  # requests merges these into every request's query string
    return http


def make_rasa(config: Config) -> RasaClient | None:
    """The one Rasa client of a process (dialogue and classifier share it), with the auth token."""
    cfg = config.rasa
    return RasaClient(cfg.url, cfg.timeout_s, http=rasa_http(cfg.token)) if cfg.url else None


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
    rasa = make_rasa(config)  # one client, so a Rasa outage seen by one is seen by both
    return Services(config=config, core=core, engine=engine, sessions=make_session_factory(engine),
                    telephony=telephony, dialogue=make_dialogue(core, rasa), classifier=make_classifier(core, rasa))
