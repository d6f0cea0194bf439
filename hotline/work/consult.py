"""Consultations the hotline answers itself: a consult ticket closed as answered, never dispatched to a unit."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.core import Core
from hotline.delivery import outbox
from hotline.errors import InvalidInput, InvalidTransition
from hotline.rules.knowledge import KnowledgeAnswer, KnowledgeEntry
from hotline.store.models import CLOSED, MERGED, NEW, REOPENED, Conversation, Message, Ticket
from hotline.work import lifecycle
from hotline.work.intake import IntakeRequest, open_ticket

# Why a consultation waits at the intake desk after the citizen said the answer did not help.
TRIAGE_REASON = "consult"


def record_answered_consult(session: Session, *, question: str, answer: KnowledgeAnswer, channel: str,
                            now: datetime, core: Core, phone: str | None = None, chat_id: str | None = None,
                            conversation_id: int | None = None, external_id: str | None = None,
                            location: str | None = None) -> Ticket:
    """Record a question answered from the knowledge base: opened as kind consult and closed at once.

    The ticket stays with the hotline (no unit, no triage, no similar-complaint link); its clocks are met or
    cancelled in this transaction, so the scheduler has nothing to remind, escalate or survey. The same
    (channel, external_id) twice is recorded once. Never commits.
    """
    req = IntakeRequest(text=question, channel=channel, phone=phone, chat_id=chat_id, location=location,
                        kind="consult", lang=answer.lang, external_id=external_id, conversation_id=conversation_id,
                        actor="citizen", answered_by_hotline=True)
    ticket, created = open_ticket(session, req, now=now, core=core)
    if created:
        _close_as_answered(session, ticket, text=answer.text, entry_id=answer.entry_id, actor="system", now=now)
    return ticket


def _close_as_answered(session: Session, ticket: Ticket, *, text: str, entry_id: str, actor: str,
                       now: datetime) -> None:
    """answer (clocks met), then close (the follow-up clock cancelled): nothing left for the scheduler."""
    if ticket.status == NEW:
        lifecycle.answer_directly(session, ticket, answer=text, actor=actor, now=now, entry_id=entry_id)
    else:  # reopened at the intake desk after an earlier answer did not help
        lifecycle.resolve(session, ticket, resolution=text, actor=actor, now=now)
        ticket.answered_by_hotline, ticket.knowledge_entry = True, entry_id
    ticket.needs_triage, ticket.triage_reason = False, None
    lifecycle.close(session, ticket, actor=actor, now=now)


def hand_consult_to_agent(session: Session, ticket: Ticket, *, now: datetime, actor: str = "citizen") -> None:
    """The citizen said the answer did not help ("2"): the consultation waits for an agent at the intake desk."""
    if ticket.status == REOPENED and ticket.needs_triage:
        return  # already handed over (a repeated key press)
    if ticket.kind != "consult" or not ticket.answered_by_hotline or ticket.status != CLOSED:
        raise InvalidTransition("hand to an agent", ticket.status)
    lifecycle.reopen(session, ticket, reason="the answer did not help; the citizen asked for an agent",
                     actor=actor, now=now)
    ticket.answered_by_hotline = False
    ticket.needs_triage, ticket.triage_reason = True, TRIAGE_REASON


def awaits_intake(ticket: Ticket) -> bool:
    """A consultation still at the intake desk (never dispatched, or handed back by the citizen)."""
    return ticket.kind == "consult" and (
        ticket.status == NEW or (ticket.status == REOPENED and ticket.triage_reason == TRIAGE_REASON))


@dataclass(frozen=True)
class SentAnswer:
    """How a knowledge-base answer went to the citizen, and whether that closed the consultation."""

    channel: str  # chat | sms
    status: str  # chat: posted; sms: the outbox status (queued, suppressed …)
    closed: bool  # the consultation was closed as answered


def send_knowledge_answer(session: Session, ticket: Ticket, entry: KnowledgeEntry, *, actor: str, now: datetime,
                          key: str) -> SentAnswer:
    """An agent sends an entry's answer through the ticket's channel and records it on the ticket.

    A web chat still open gets the answer as a chat message; otherwise the citizen's phone gets the entry's
    SMS text through the outbox (an opted-out number is recorded as suppressed). A consultation waiting at
    the intake desk is then closed as answered. `key` makes a repeated click send once. Never commits.
    """
    previous = next((e for e in ticket.events if e.action == "knowledge_answer" and e.data.get("key") == key), None)
    if previous is not None:  # a repeated click: sent and recorded already
        return SentAnswer(previous.data["channel"], previous.data["status"], ticket.status == CLOSED)
    if ticket.status in (CLOSED, MERGED):
        raise InvalidTransition("send an answer", ticket.status)
    lang = ticket.lang if ticket.lang in ("zh", "en") else "zh"
    conversation = session.get(Conversation, ticket.conversation_id) if ticket.conversation_id else None
    if ticket.channel == "web" and conversation is not None and conversation.status != "closed":
        body = entry.text("answer", lang)
        message = _post_chat(session, conversation, body=body, key=f"{ticket.id}:{key}", now=now)
        channel, status, data = "chat", "posted", {"message_id": message.id}
    else:
        phone = ticket.callback_phone or (ticket.citizen.phone if ticket.citizen is not None else None)
        if not phone:
            raise InvalidInput("this citizen left no phone number and has no open chat", field="phone")
        body = entry.text("sms", lang)
        sms = outbox.enqueue(session, key=f"knowledge:{_digest(f'{ticket.id}:{key}')}", kind="sms", to=phone,
                             now=now, body=body, purpose="reply", ticket_id=ticket.id)
        channel, status, data = "sms", sms.status, {"outbound_id": sms.id}
    lifecycle.record_event(session, ticket, actor=actor, action="knowledge_answer", now=now, note=body,
                           data={"knowledge_entry": entry.id, "channel": channel, "status": status, "key": key,
                                 **data})
    ticket.knowledge_entry = entry.id
    # An opted-out number got nothing: the question is not answered until someone calls.
    closed = awaits_intake(ticket) and status != "suppressed"
    if closed:
        _close_as_answered(session, ticket, text=body, entry_id=entry.id, actor=actor, now=now)
    return SentAnswer(channel, status, closed)


def _digest(key: str) -> str:
    """A fixed-length form of the caller's key for the outbox and message id columns."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


def _post_chat(session: Session, conversation: Conversation, *, body: str, key: str, now: datetime) -> Message:
    """The answer as an agent's chat message (the widget shows agent messages when it polls)."""
    external_id = f"kb:{_digest(key)}"
    existing = session.scalars(select(Message).where(Message.channel == conversation.channel,
                                                     Message.external_id == external_id)).first()
    if existing is not None:
        return existing
    msg = Message(conversation=conversation, channel=conversation.channel, direction="out", sender="agent",
                  external_id=external_id, body=body, media=[], created_at=now)
    session.add(msg)
    conversation.updated_at = now
    session.flush()
    return msg
