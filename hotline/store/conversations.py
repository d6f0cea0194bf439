"""Conversations and their messages: found or created per channel id, stored once per external message id."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ScalarSelect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.store.models import Citizen, Conversation, Message
from hotline.store.unique import insert_or_get


def find_or_create_conversation(session: Session, *, channel: str, now: datetime, external_id: str | None = None,
                                citizen: Citizen | None = None, lang: str = "zh") -> tuple[Conversation, bool]:
    """The conversation with this channel id (CallSid, chat id), created on first sight; (conversation, created)."""
    same = (select(Conversation).where(Conversation.channel == channel, Conversation.external_id == external_id)
            if external_id else None)
    return insert_or_get(session, lambda: Conversation(channel=channel, external_id=external_id, citizen=citizen,
                                                       lang=lang, state={}, created_at=now, updated_at=now), same)


def open_thread_of(*, channel: str, phone: str, since: datetime) -> ScalarSelect:
    """The id of the latest open conversation of the citizen with this phone, as a subquery of another statement."""
    return (select(Conversation.id).join(Citizen, Citizen.id == Conversation.citizen_id)
            .where(Citizen.phone == phone, Conversation.channel == channel, Conversation.status != "closed",
                   Conversation.updated_at >= since)
            .order_by(Conversation.updated_at.desc()).limit(1).scalar_subquery())


def record_message(session: Session, conversation: Conversation, *, direction: str, body: str, now: datetime,
                   sender: str = "citizen", external_id: str | None = None,
                   media: list | None = None) -> tuple[Message, bool]:
    """Store one message; the same external id (MessageSid, client id) is stored once. (message, created)."""
    if conversation.id is None:
        session.flush()  # a conversation made in this unit of work gets its id
    values = dict(conversation_id=conversation.id, channel=conversation.channel, direction=direction, sender=sender,
                  external_id=external_id, body=body, media=media or [], created_at=now)
    conversation.updated_at = now
    if not external_id:
        msg = Message(**values)
        session.add(msg)
        return msg, True
    # One statement whatever happens: insert, or find the key taken (a retried webhook) and read it back.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(Message).values(**values).on_conflict_do_nothing(index_elements=[Message.channel,
                                                                                   Message.external_id])
    msg = session.scalars(stmt.returning(Message)).first()
    if msg is not None:
        return msg, True
    existing = session.scalars(select(Message).where(Message.channel == conversation.channel,
                                                     Message.external_id == external_id)).one()
    return existing, False
