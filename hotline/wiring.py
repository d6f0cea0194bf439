"""Build the long-lived services one process needs from its config: the one wiring every entrypoint uses."""
from __future__ import annotations

import functools
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

import requests
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from hotline.config import Config
from hotline.core import Core, build_core
from hotline.store.db import make_engine, make_read_session_factory, make_session_factory, read_scope, session_scope
from hotline.contact.dialogue import Dialogue
from hotline.contact.form import FormDialogue
from hotline.contact.rasa import RasaClient, RasaDialogue
from hotline.contact.call_flow import CallFlow, CallInbound, CallReply
from hotline.contact.turn import Contact, Inbound, Outcome, PendingTurn
from hotline.delivery.telephony import BaseUrlHttpClient, Telephony, make_telephony
from hotline.delivery.webhooks import WebhookUrls
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
    # The channel's webhook URLs behind the calls and SMS the scheduler sends (the core names no path).
    webhooks: WebhookUrls
    # The core's one classifier (core.classifier): every channel, the API, triage and `flask classify`.
    classifier: Classifier | None = None
    read_sessions: sessionmaker[Session] | None = None

    def __post_init__(self) -> None:
        if self.read_sessions is None:
            self.read_sessions = make_read_session_factory(self.engine)
        if self.classifier is None:
            self.classifier = self.core.classifier

    # Derived from the core and the dialogue, so a copy with other settings (dataclasses.replace) gets its own.
    @functools.cached_property
    def contact(self) -> Contact:
        """The conversation turn of the text channels."""
        return Contact(self.core, self.dialogue)

    @functools.cached_property
    def calls(self) -> CallFlow:
        """The phone call script."""
        return CallFlow(self.core, self.classifier or self.core.taxonomy)

    def converse(self, inbound: Inbound, *, now: datetime) -> Outcome:
        """One citizen message, answered: the entry point's one call for every text channel.

        The message is committed before anything else can fail. A dialogue in another process (the Rasa bot,
        which files through the API in a request of its own) is asked between two units of work, with no
        transaction open; otherwise the whole turn is one unit of work.
        """
        foreseen = self.contact.foresee(inbound)  # the words alone, before any transaction (a shorter one)
        with self.session() as s:
            step = self.contact.take_turn(s, inbound, now=now, foreseen=foreseen)
        if isinstance(step, PendingTurn):
            messages = self.dialogue.ask(step.bot)
            with self.session() as s:
                step = self.contact.finish_turn(s, step, messages, now=now)
        return step

    def call_step(self, call: CallInbound, *, now: datetime) -> CallReply:
        """One webhook of a phone call, answered in one unit of work (a ticket is committed before it is read)."""
        with self.session() as s:
            return self.calls.step(s, call, now=now)

    def call_ended(self, *, call_sid: str, status: str, now: datetime) -> str | None:
        """A call ended; the reference of what it captured half way, if anything was filed."""
        with self.session() as s:
            ticket = self.calls.hang_up(s, call_sid=call_sid, status=status, now=now)
            return ticket.reference if ticket is not None else None

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

    def warm(self) -> None:
        """Load now what the first citizen would otherwise wait seconds for: the model, the knowledge indexes."""
        if self.classifier is not None:
            self.classifier.model  # noqa: B018 - reading it loads it
        self.core.knowledge.warm()

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def build_services(config: Config, webhooks: WebhookUrls) -> Services:
    """Everything an entrypoint needs, built once at start-up; the entrypoint names the channel's webhooks."""
def rasa_http(token: str) -> requests.Session:
    """HTTP for the Rasa client: every request carries ?token= (Rasa is served with --auth-token)."""
    http = requests.Session()
    if token:
        http.params = {"token": token}  # requests merges these into every request's query string
    return http


def make_rasa_client(core: Core) -> RasaClient | None:
    """The one Rasa client of a process when rasa.url is set, with the auth token."""
    cfg = core.config.rasa
    return RasaClient(cfg.url, cfg.timeout_s, http=rasa_http(cfg.token)) if cfg.url else None


def build_services(config: Config, webhooks: WebhookUrls) -> Services:
    """Everything an entrypoint needs, built once at start-up; the entrypoint names the channel's webhooks."""
    db = config.database
    engine = make_engine(db.url, echo=db.echo, pool_size=db.pool_size)
    core = build_core(config)
    tw = config.twilio
    # Without credentials this is the dev outbox: nothing leaves the machine.
    # The HTTP client's pool matches the scheduler's sender pool; api_base_url is a test-only redirect.
    http_client = BaseUrlHttpClient(timeout=tw.http_timeout_s, pool_size=config.scheduler.pool_size,
                                    base_url=tw.api_base_url)
    telephony = make_telephony(tw.account_sid, tw.auth_token, tw.phone_number, http_client=http_client)
    return Services(config=config, core=core, engine=engine, sessions=make_session_factory(engine),
                    telephony=telephony, dialogue=make_dialogue(core), webhooks=webhooks,
                    classifier=core.classifier)


def make_dialogue(core: Core, client: RasaClient | None = None) -> Dialogue:
    """The dialogue the channels use: Rasa in front of the built-in form flow when rasa.url is set.

    Rasa may keep the dialogue; the group, service code and kind always come from the core's classifier."""
    client = client or make_rasa_client(core)
    form = FormDialogue(core, core.classifier)
    return RasaDialogue(core, client, form) if client is not None else form
