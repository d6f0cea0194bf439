"""Intake-desk use cases the lifecycle lacks: reclassify, reassign, live-chat takeover and agent callbacks."""
from __future__ import annotations

from datetime import datetime

from hotline.rules import deadlines, routing
from hotline.config import TimeLimitsConfig
from hotline.core import Core
from hotline.errors import InvalidInput, InvalidTransition, UnknownServiceCode
from hotline.store.models import (CLOCK_FEEDBACK, CLOCK_FOLLOWUP, DISPATCHED, NEW, OPEN_STATUSES, RETURNED,
                            CallbackRequest, Conversation, Message, Ticket)
from hotline.work.lifecycle import record_event

MAX_REPLY = 2000


def reclassify(session, ticket: Ticket, *, service_code: str, core: Core, actor: str, now: datetime,
               kind: str | None = None) -> None:
    """An agent corrects the service code; the feedback clock follows the new time-limit class."""
    if not ticket.is_open:
        raise InvalidTransition("classify", ticket.status)
    code = core.taxonomy.get(service_code)
    if code is None:
        raise UnknownServiceCode(service_code)
    if kind is not None and kind not in core.taxonomy.kinds:
        raise InvalidInput("unknown kind", field="kind")
    before = {"service_code": ticket.service_code, "time_limit_class": ticket.time_limit_class, "kind": ticket.kind}
    ticket.service_code, ticket.group = code.code, code.group
    ticket.kind = kind or ticket.kind
    ticket.classified_by, ticket.confidence = "agent", 1.0
    if code.time_limit_class != ticket.time_limit_class:
        ticket.time_limit_class = code.time_limit_class
        feedback_due = deadlines.feedback_due(ticket.opened_at, code.time_limit_class, core.config.time_limits)
        ticket.due_at = feedback_due
        for d in ticket.deadlines:
            if d.state != "pending":
                continue
            if d.clock == CLOCK_FEEDBACK:
                d.due_at = feedback_due
                d.next_action_at = feedback_due
            elif d.clock == CLOCK_FOLLOWUP:
                delay = d.due_at - d.starts_at
                d.starts_at, d.due_at = feedback_due, feedback_due + delay
                d.next_action_at = d.due_at
    ticket.updated_at = now
    record_event(session, ticket, actor=actor, action="classify", now=now,
                 data={"before": before, "after": {"service_code": code.code, "time_limit_class": code.time_limit_class,
                                                    "kind": ticket.kind}})


def suggested_unit(ticket: Ticket, core: Core) -> tuple[str, str] | None:
    """Where routing would send the ticket now (unit_type, unit_code), if anywhere."""
    code = core.taxonomy.get(ticket.service_code)
    if code is None:
        return None
    a = routing.assign(code, routing.Location(district_code=ticket.district_code, township_code=ticket.township_code))
    return (a.unit_type, a.unit_code) if a.unit_code else None


def reassign(session, ticket: Ticket, *, unit_type: str, unit_code: str, reason: str, actor: str, now: datetime,
             limits: TimeLimitsConfig) -> None:
    """A supervisor moves an open ticket to another unit; the new unit gets a fresh sign-for clock."""
    if unit_type not in ("township", "department"):
        raise InvalidInput("unit_type must be township or department", field="unit_type")
    if not reason or not reason.strip():
        raise InvalidInput("a reassignment needs a reason", field="reason")
    if ticket.status not in OPEN_STATUSES:
        raise InvalidTransition("reassign", ticket.status)
    before = {"unit_type": ticket.unit_type, "unit_code": ticket.unit_code}
    from_status = ticket.status
    ticket.unit_type, ticket.unit_code = unit_type, unit_code
    ticket.status, ticket.signed_at = DISPATCHED, None
    ticket.needs_triage, ticket.triage_reason = False, None
    ticket.updated_at = now
    for d in ticket.deadlines:
        if d.clock == "sign_for":
            d.starts_at, d.due_at = now, deadlines.sign_for_due(now, ticket.time_limit_class, limits)
            d.state, d.met_at, d.stage, d.next_action_at = "pending", None, 0, d.due_at
    record_event(session, ticket, actor=actor, action="reassign", now=now, from_status=from_status,
                 to_status=DISPATCHED, note=reason.strip(),
                 data={"before": before, "after": {"unit_type": unit_type, "unit_code": unit_code}})


def send_back_to_triage(session, ticket: Ticket, *, reason: str, actor: str, now: datetime) -> None:
    """A supervisor pulls a ticket back to the intake desk (like a return, without the unit asking)."""
    if ticket.status not in OPEN_STATUSES or ticket.status in (NEW, RETURNED):
        raise InvalidTransition("send to triage", ticket.status)
    record_event(session, ticket, actor=actor, action="to_triage", now=now, from_status=ticket.status,
                 to_status=RETURNED, note=reason)
    ticket.status, ticket.needs_triage, ticket.triage_reason = RETURNED, True, "returned"


def take_over_chat(session, conversation: Conversation, *, agent_id: int, now: datetime, force: bool = False) -> None:
    """An agent joins a web chat the bot handed off; a second agent needs force (a supervisor's takeover)."""
    if conversation.status == "closed":
        raise InvalidTransition("join", "closed")
    if conversation.agent_id not in (None, agent_id) and not force:
        raise InvalidTransition("join", "taken by another agent")
    conversation.agent_id = agent_id
    conversation.status = "handed_off"
    conversation.updated_at = now
    session.add(Message(conversation=conversation, channel=conversation.channel, direction="out", sender="system",
                        body="An agent has joined the conversation. 人工客服已接入。", media=[], created_at=now))


def agent_reply(session, conversation: Conversation, *, agent_id: int, body: str, now: datetime) -> Message:
    """One reply typed by the agent who holds the chat; the widget picks it up by polling."""
    body = (body or "").strip()
    if not body:
        raise InvalidInput("the reply is empty", field="body")
    if len(body) > MAX_REPLY:
        raise InvalidInput(f"replies are at most {MAX_REPLY} characters", field="body")
    if conversation.status == "closed":
        raise InvalidTransition("reply", "closed")
    if conversation.agent_id != agent_id:
        raise InvalidTransition("reply", "held by another agent")
    msg = Message(conversation=conversation, channel=conversation.channel, direction="out", sender="agent",
                  body=body, media=[], created_at=now)
    session.add(msg)
    conversation.updated_at = now
    session.flush()
    return msg


def end_chat(session, conversation: Conversation, *, now: datetime) -> None:
    """The agent closes the chat; the widget sees a closing message."""
    if conversation.status == "closed":
        return
    session.add(Message(conversation=conversation, channel=conversation.channel, direction="out", sender="system",
                        body="The agent has ended the chat. 本次会话已结束。", media=[], created_at=now))
    conversation.status = "closed"
    conversation.updated_at = now

