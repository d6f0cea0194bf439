"""Conversations and their messages: found or created per channel id, stored once per external message id."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Insert, ScalarSelect, Select, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.store.models import Citizen, Conversation, Message
from hotline.store.rows import insert_row
from hotline.store.unique import insert_or_get


def find_or_create_conversation(session: Session, *, channel: str, now: datetime, external_id: str | None = None,
                                citizen: Citizen | None = None, lang: str = "zh") -> tuple[Conversation, bool]:
    """The conversation with this channel id (CallSid, chat id), created on first sight; (conversation, created)."""
    if not external_id:
        # Nothing unique to collide on (an SMS thread, a call without a sid): one plain insert, no savepoint.
        if citizen is not None and citizen.id is None:
            session.flush()
        values = dict(channel=channel, external_id=None, citizen_id=citizen.id if citizen else None, lang=lang,
                      state={}, created_at=now, updated_at=now)
        return insert_row(session, Conversation, values, citizen=citizen), True
    same = select(Conversation).where(Conversation.channel == channel, Conversation.external_id == external_id)
    return insert_or_get(session, lambda: Conversation(channel=channel, external_id=external_id, citizen=citizen,
                                                       lang=lang, state={}, created_at=now, updated_at=now), same)


def open_thread_of(*, channel: str, phone, since) -> ScalarSelect:
    """The id of the latest open conversation of the citizen with this phone (or bind parameter), as a subquery."""
    # The citizen first, as a value: the lookup is then one backward walk of ix_conversations_thread, whatever
    # the statistics say (joined, PostgreSQL could plan it as a walk over all of the channel's conversations).
    citizen = select(Citizen.id).where(Citizen.phone == phone).scalar_subquery()
    return (select(Conversation.id)
            .where(Conversation.citizen_id == citizen, Conversation.channel == channel,
                   Conversation.status != "closed", Conversation.updated_at >= since)
            .order_by(Conversation.updated_at.desc()).limit(1).scalar_subquery())


def record_message(session: Session, conversation: Conversation, *, direction: str, body: str, now: datetime,
                   sender: str = "citizen", external_id: str | None = None,
                   media: list | None = None) -> tuple[int, bool]:
    """Store one message; the same external id (MessageSid, client id) is stored once. (message id, created)."""
    if conversation.id is None:
        session.flush()  # a conversation made in this unit of work gets its id
    values = dict(conversation_id=conversation.id, channel=conversation.channel, direction=direction, sender=sender,
                  external_id=external_id, body=body, media=media or [], created_at=now)
    conversation.updated_at = now
    # Core statements built once, on the session's connection: the hot path of every channel (no ORM object is
    # needed for a message, only its id) costs a fraction of an ORM insert.
    conn, dialect = session.connection(), session.get_bind().dialect.name
    if not external_id:
        return conn.execute(_statements(dialect).insert, values).scalar_one(), True
    # One statement whatever happens: insert, or find the key taken (a retried webhook) and read it back.
    new_id = conn.execute(_statements(dialect).insert_once, values).scalar()
    if new_id is not None:
        return new_id, True
    return conn.execute(_statements(dialect).keyed, {"channel": conversation.channel,
                                                     "external_id": external_id}).scalar_one(), False


def record_replies(session: Session, conversation: Conversation, replies: list[tuple[str, str]], *, now: datetime,
                   sender: str = "bot") -> None:
    """Store the replies to one message, (external id, body) each, in one statement; a key already stored stays."""
    if replies:
        session.connection().execute(_statements(session.get_bind().dialect.name).batch, [
            dict(conversation_id=conversation.id, channel=conversation.channel, direction="out", sender=sender,
                 external_id=key, body=body, media=[], created_at=now) for key, body in replies])
        conversation.updated_at = now


@dataclass(frozen=True)
class _Statements:
    insert: Insert
    insert_once: Insert
    keyed: Select
    batch: Insert


@functools.cache
def _statements(dialect: str) -> _Statements:
    dml = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return _Statements(
        insert=insert(Message).returning(Message.id),
        insert_once=dml(Message).on_conflict_do_nothing(index_elements=[Message.channel, Message.external_id])
        .returning(Message.id),
        keyed=select(Message.id).where(Message.channel == bindparam("channel"),
                                       Message.external_id == bindparam("external_id")),
        # A reply's key is new unless a retry of its message was answered twice (the first try's host seemed gone
        # but was only slow): the first answer stored stays, the second is not an error.
        batch=dml(Message).on_conflict_do_nothing(index_elements=[Message.channel, Message.external_id]))
