"""Helpers for scheduler tests: staff with phones, services pointed at the fake Twilio, rows read back."""
from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import func, select

from hotline.store.models import Notification, OutboundMessage, Ticket, TicketEvent, User
from hotline.delivery.telephony import TwilioTelephony
from hotline.wiring import make_dialogue
from tests.factories import CHANGPING
from tests.helpers import make_config

CITIZEN = "+8613800138000"
HANDLER_PHONE, DISTRICT_PHONE, CITY_PHONE = "+8613900000001", "+8613900000002", "+8613900000003"
ACCOUNT, HOTLINE = "AC" + "0" * 32, "+861012345"


def add_staff(session, now: datetime, unit_code: str) -> None:
    """A handler of the unit, its district's supervisor and a city supervisor, each with a phone."""
    session.add_all([
        User(username=f"handler-{unit_code}", password_hash="x", role="handler", unit_type="township",
             unit_code=unit_code, phone=HANDLER_PHONE, created_at=now),
        User(username="handler-no-phone", password_hash="x", role="handler", unit_type="township",
             unit_code=unit_code, phone=None, created_at=now),
        User(username="sup-changping", password_hash="x", role="supervisor", unit_type="district",
             unit_code=CHANGPING, phone=DISTRICT_PHONE, created_at=now),
        User(username="sup-city", password_hash="x", role="supervisor", phone=CITY_PHONE, created_at=now),
    ])


def with_config(services, **overrides):
    """The same database and ports with some settings changed."""
    config = make_config(services.config.database.url, **overrides)
    core = dataclasses.replace(services.core, config=config)
    # The conversation turn and its dialogue are built from the core: rebuilt so they see the new settings.
    return dataclasses.replace(services, config=config, core=core, dialogue=make_dialogue(core))


def with_twilio(services, fake, **overrides):
    """The same database, sending through the real twilio client to the fake Twilio."""
    svc = with_config(services, **overrides) if overrides else services
    telephony = TwilioTelephony(ACCOUNT, "token", HOTLINE, http_client=fake.http_client(timeout=5))
    return dataclasses.replace(svc, telephony=telephony)


def done_reading(session, result):
    """End the read transaction: on SQLite it holds the write lock the next sweep needs (BEGIN IMMEDIATE)."""
    session.commit()
    return result


def notifications(session, **where) -> list[Notification]:
    """Notifications matching column=value filters, oldest first."""
    session.expire_all()  # the sweeps wrote through other sessions
    q = select(Notification).order_by(Notification.id)
    for key, value in where.items():
        q = q.where(getattr(Notification, key) == value)
    return done_reading(session, list(session.scalars(q)))


def outbound(session, **where) -> list[OutboundMessage]:
    """Outbound rows matching column=value filters, oldest first."""
    session.expire_all()
    q = select(OutboundMessage).order_by(OutboundMessage.id)
    for key, value in where.items():
        q = q.where(getattr(OutboundMessage, key) == value)
    return done_reading(session, list(session.scalars(q)))


def events(session, ticket: Ticket, action: str) -> list[TicketEvent]:
    """The ticket's events of one kind, oldest first."""
    session.expire_all()
    return done_reading(session, list(session.scalars(
        select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == action)
        .order_by(TicketEvent.id))))


def count(session, model) -> int:
    """Rows in a table."""
    return done_reading(session, session.scalar(select(func.count()).select_from(model)))
