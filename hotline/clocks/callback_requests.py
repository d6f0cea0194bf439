"""Callbacks the citizen asked for: ring the on-duty agent, bridge the citizen, retry, give up with an alert.

Rows are written by the IVR, the bot or an agent (status pending, next_attempt_at = when it falls due);
the scheduler claims due rows, and the voice webhooks of ivr/followup.py report each attempt's outcome.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.delivery import notices, outbox
from hotline.config import Config
from hotline.errors import InvalidInput
from hotline.store.models import CallbackRequest, Ticket
from hotline.store.unique import insert_or_get
from hotline.work.lifecycle import record_event
from hotline.delivery.notifications import notify
from hotline.delivery.webhooks import WebhookUrls
from hotline.privacy import mask_phone
from hotline.rules.schedule import next_callable

PENDING, CALLING, DONE, FAILED, CANCELLED = "pending", "calling", "done", "failed", "cancelled"


def request_callback(session: Session, *, phone: str, source: str, now: datetime, lang: str = "zh",
                     citizen_id: int | None = None, ticket_id: int | None = None,
                     conversation_id: int | None = None, reason: str = "", delay_s: float = 0,
                     window_start: str = "", window_end: str = "",
                     idempotency_key: str | None = None) -> CallbackRequest:
    """Promise the citizen a call (from the IVR, the bot or an agent); the same key gives the same request."""
    same = (select(CallbackRequest).where(CallbackRequest.idempotency_key == idempotency_key)
            if idempotency_key else None)
    cb, _ = insert_or_get(
        session, lambda: CallbackRequest(phone=phone, lang=lang, citizen_id=citizen_id, ticket_id=ticket_id,
                                         conversation_id=conversation_id, source=source, reason=reason.strip(),
                                         requested_at=now, window_start=window_start, window_end=window_end,
                                         next_attempt_at=now + timedelta(seconds=delay_s), status=PENDING,
                                         idempotency_key=idempotency_key, updated_at=now), same)
    return cb


def claim_due(session: Session, *, now: datetime, limit: int) -> list[CallbackRequest]:
    """Due requests (and attempts whose outcome never came), each taken by one scheduler."""
    q = (select(CallbackRequest)
         .where(CallbackRequest.status.in_((PENDING, CALLING)), CallbackRequest.next_attempt_at <= now)
         .order_by(CallbackRequest.next_attempt_at, CallbackRequest.id).limit(limit)
         .with_for_update(skip_locked=True))
    return list(session.scalars(q))


def _callable_from(cb: CallbackRequest, moment: datetime, config: Config) -> datetime:
    qh = config.quiet_hours
    return next_callable(moment, window_start=cb.window_start, window_end=cb.window_end, quiet_start=qh.start,
                         quiet_end=qh.end, tz=config.app.timezone)


def advance(session: Session, cb: CallbackRequest, *, now: datetime, config: Config, webhooks: WebhookUrls) -> str:
    """Place the next attempt when the citizen's window is open, or set when to look again."""
    if cb.status == CALLING:
        # The last attempt never reported back (agent did not pick up, webhook lost): count it as failed;
        # the next try waits for the row's retry delay.
        return record_outcome(session, cb, connected=False, now=now, config=config, reason="no outcome reported")
    opens = _callable_from(cb, now, config)
    if opens > now:
        cb.next_attempt_at, cb.updated_at = opens, now
        return "waiting"
    cb.attempts += 1
    cb.status, cb.updated_at = CALLING, now
    cb.next_attempt_at = now + timedelta(seconds=config.callbacks.answer_wait_s)
    agent = config.twilio.agent_number
    # With an on-duty number the agent is rung first and bridges the citizen; otherwise the citizen is
    # rung and queued for the next free agent.
    to, leg = (agent, "agent") if agent else (cb.phone, "citizen")
    outbox.enqueue(session, key=f"callback:{cb.id}:{cb.attempts}", kind="call", to=to,
                   url=webhooks.callback_call(cb.id, leg), purpose="callback", ticket_id=cb.ticket_id, now=now)
    return "calling"


def record_outcome(session: Session, cb: CallbackRequest, *, connected: bool, now: datetime, config: Config,
                   reason: str = "") -> str:
    """One attempt ended: done when the citizen was connected, else retry after the row's delay or give up."""
    if cb.status not in (PENDING, CALLING):
        return cb.status  # a late or repeated report: the first outcome stands
    cb.updated_at = now
    if connected:
        cb.status, cb.next_attempt_at, cb.last_error = DONE, None, None
        return DONE
    cb.last_error = reason[:500] or "not connected"
    if cb.attempts >= cb.max_attempts:
        cb.status, cb.next_attempt_at = FAILED, None
        notify(session, audience_type="city", audience_code=None, kind="callback", ticket_id=cb.ticket_id,
               message=notices.text("callback_failed", to=mask_phone(cb.phone), attempts=cb.attempts),
               now=now, key=f"callback-failed:{cb.id}")
        return FAILED
    cb.status = PENDING
    cb.next_attempt_at = _callable_from(cb, now + timedelta(seconds=cb.retry_delay_s), config)
    return PENDING


def promise_agent_callback(session, *, phone: str, now: datetime, reason: str = "", ticket: Ticket | None = None,
                     lang: str = "zh", citizen_id: int | None = None, window_start: str = "",
                     window_end: str = "", idempotency_key: str | None = None,
                     actor: str = "agent") -> CallbackRequest:
    """An agent promises the citizen a call; the scheduler places it."""
    for label, value in (("window_start", window_start), ("window_end", window_end)):
        if value and not (len(value) == 5 and value[2] == ":" and value[:2].isdigit() and value[3:].isdigit()
                          and int(value[:2]) < 24 and int(value[3:]) < 60):
            raise InvalidInput(f"{label} must be HH:MM", field=label)
    cb = request_callback(
        session, phone=phone, source="agent", now=now, lang=lang, citizen_id=citizen_id,
        ticket_id=ticket.id if ticket else None, reason=reason, window_start=window_start, window_end=window_end,
        idempotency_key=idempotency_key)
    if ticket is not None:
        record_event(session, ticket, actor=actor, action="callback_requested", now=now,
                     note=reason.strip())
    return cb
