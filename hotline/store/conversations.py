"""Conversations and their messages: found or created per channel id, stored once per external message id."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.store.models import Citizen, Conversation, Message


def find_or_create_conversation(session: Session, *, channel: str, now: datetime, external_id: str | None = None,
                                citizen: Citizen | None = None, lang: str = "zh") -> tuple[Conversation, bool]:
    """The conversation with this channel id (CallSid, chat id), created on first sight; (conversation, created)."""
    if external_id:
        conv = session.scalars(select(Conversation).where(Conversation.channel == channel,
                                                          Conversation.external_id == external_id)).first()
        if conv is not None:
            return conv, False
    conv = Conversation(channel=channel, external_id=external_id, citizen=citizen, lang=lang, state={},
                        created_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(conv)
    except IntegrityError:
        conv = session.scalars(select(Conversation).where(Conversation.channel == channel,
                                                          Conversation.external_id == external_id)).one()
        return conv, False
    return conv, True


def latest_open_conversation(session: Session, *, channel: str, citizen: Citizen, since: datetime) -> Conversation | None:
    """The citizen's most recent open conversation on a channel (an SMS thread continues it)."""
    return session.scalars(
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.citizen_id == citizen.id,
               Conversation.status != "closed", Conversation.updated_at >= since)
        .order_by(Conversation.updated_at.desc())
    ).first()


def record_message(session: Session, conversation: Conversation, *, direction: str, body: str, now: datetime,
                   sender: str = "citizen", external_id: str | None = None,
                   media: list | None = None) -> tuple[Message, bool]:
    """Store one message; the same external id (MessageSid, client id) is stored once. (message, created)."""
    if external_id:
        existing = session.scalars(select(Message).where(Message.channel == conversation.channel,
                                                         Message.external_id == external_id)).first()
        if existing is not None:
            return existing, False
    try:
        with session.begin_nested():
            # Built inside the savepoint: begin_nested() flushes first, and a message already appended to
            # conversation.messages but not yet added would be flushed half-made (SAWarning).
            msg = Message(conversation=conversation, channel=conversation.channel, direction=direction,
                          sender=sender, external_id=external_id, body=body, media=media or [], created_at=now)
            session.add(msg)
    except IntegrityError:
        existing = session.scalars(select(Message).where(Message.channel == conversation.channel,
                                                         Message.external_id == external_id)).one()
        return existing, False
    conversation.updated_at = now
    return msg, True
