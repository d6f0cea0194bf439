"""The outbox: every SMS or call we owe somebody, written once per idempotency key in the caller's transaction.

The scheduler process (callbacks/) sends what is queued and records each outcome on the row:
claim_due (one short transaction) -> send (no transaction open while Twilio answers) -> record_sent /
record_failure (another short transaction). A process killed between claim and record leaves the row
"sending"; after the lease, recover_in_doubt asks Twilio whether the message got there before sending again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.delivery import notices
from hotline.config import Config
from hotline.store.models import Citizen, OutboundMessage
from hotline.store.unique import insert_or_get
from hotline.delivery.notifications import notify
from hotline.privacy import mask_phone
from hotline.rules.schedule import backoff
from hotline.delivery.telephony import SendResult, Telephony, TelephonyError
from hotline.delivery.webhooks import WebhookUrls

log = logging.getLogger(__name__)

# The outbox's own words for a row (a channel translates its provider's delivery reports into them).
QUEUED, SENDING, SENT, DEV, DELIVERED, UNDELIVERED, FAILED, UNDELIVERABLE, SUPPRESSED = (
    "queued", "sending", "sent", "dev", "delivered", "undelivered", "failed", "undeliverable", "suppressed")
# What a provider's delivery report may say: it holds the message, it arrived, or it never will.
REPORTS = (SENT, DELIVERED, UNDELIVERED)
# The order rows progress in; a late report never moves a row backwards.
_PROGRESS = {QUEUED: 1, SENDING: 2, SENT: 3, DEV: 3, DELIVERED: 4, UNDELIVERED: 5, FAILED: 5, UNDELIVERABLE: 5}


def enqueue(session: Session, *, key: str, kind: str, to: str, now: datetime, body: str = "", url: str | None = None,
            purpose: str = "notice", ticket_id: int | None = None, urgent: bool = False) -> OutboundMessage:
    """Queue one SMS or call; the same key always gives the same row (nothing is sent twice)."""
    if kind not in ("sms", "call"):
        raise ValueError(f"unknown outbound kind {kind!r}")

    def make() -> OutboundMessage:
        status = QUEUED
        if kind == "sms" and is_opted_out(session, to):
            status = SUPPRESSED  # the citizen said STOP/退订: record that we would have written, send nothing
        return OutboundMessage(idempotency_key=key, kind=kind, to=to, body=body, url=url, purpose=purpose,
                               ticket_id=ticket_id, status=status, urgent=urgent, created_at=now, updated_at=now,
                               next_attempt_at=now if status == QUEUED else None)

    msg, _ = insert_or_get(session, make, select(OutboundMessage).where(OutboundMessage.idempotency_key == key))
    return msg


def is_opted_out(session: Session, phone: str) -> bool:
    """The number has opted out of SMS."""
    return bool(session.scalar(select(Citizen.sms_opted_out).where(Citizen.phone == phone)))


@dataclass(frozen=True)
class Claimed:
    """A row taken for sending: everything the send needs, so no session stays open meanwhile."""

    id: int
    kind: str
    to: str
    body: str
    url: str | None
    purpose: str
    ticket_id: int | None
    attempts: int
    claimed_at: datetime


def _claimed(msg: OutboundMessage, claimed_at: datetime) -> Claimed:
    return Claimed(id=msg.id, kind=msg.kind, to=msg.to, body=msg.body, url=msg.url, purpose=msg.purpose,
                   ticket_id=msg.ticket_id, attempts=msg.attempts, claimed_at=claimed_at)


def claim_due(session: Session, *, now: datetime, limit: int, quiet: bool, lease_s: float) -> list[Claimed]:
    """Take up to `limit` queued rows that are due: in quiet hours only urgent ones. One process per row."""
    q = (select(OutboundMessage)
         .where(OutboundMessage.status == QUEUED, OutboundMessage.next_attempt_at <= now)
         .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id)
         .limit(limit)
         # PostgreSQL: another scheduler skips the rows we hold instead of waiting for them (no-op on SQLite,
         # where the lock file allows one scheduler and BEGIN IMMEDIATE serialises writers).
         .with_for_update(skip_locked=True))
    if quiet:
        q = q.where(OutboundMessage.urgent.is_(True))
    taken = []
    for msg in session.scalars(q):
        if msg.kind == "sms" and is_opted_out(session, msg.to):
            msg.status, msg.next_attempt_at, msg.updated_at = SUPPRESSED, None, now
            continue
        msg.status, msg.attempts, msg.updated_at = SENDING, msg.attempts + 1, now
        # While "sending", next_attempt_at is the end of the lease: past it, the send is in doubt.
        msg.next_attempt_at = now + timedelta(seconds=lease_s)
        taken.append(_claimed(msg, now))
    return taken


def send(telephony: Telephony, item: Claimed, config: Config, webhooks: WebhookUrls) -> SendResult:
    """Hand one claimed row to the provider (no database work: callers record the outcome)."""
    if item.kind == "call":
        # A callback's agent leg reports no-answer/busy at once, so the retry need not wait for answer_wait_s.
        callback = webhooks.call_status(item.url) if item.purpose == "callback" and item.url else None
        ring = config.callbacks.agent_ring_s if item.purpose == "callback" else config.followup.call_timeout_s
        return telephony.place_call(item.to, url=item.url or "", status_callback=callback, timeout_s=ring)
    callback = webhooks.sms_status if config.outbox.status_callbacks else None
    return telephony.send_sms(item.to, item.body, status_callback=callback)


def record_sent(session: Session, item_id: int, result: SendResult, *, now: datetime) -> OutboundMessage | None:
    """The provider accepted the message: remember its sid and stop trying."""
    msg = session.get(OutboundMessage, item_id)
    if msg is None:
        return None
    if _PROGRESS.get(msg.status, 0) <= _PROGRESS[SENT] or msg.status == SENDING:
        msg.status = DEV if result.status == DEV else SENT  # a status callback may have come first
    msg.provider_sid, msg.sent_at, msg.updated_at = result.sid, now, now
    msg.next_attempt_at, msg.last_error = None, None
    return msg


def record_failure(session: Session, item_id: int, error: TelephonyError, *, now: datetime,
                   config: Config) -> OutboundMessage | None:
    """Retry later with exponential backoff, or give up and alert the console."""
    msg = session.get(OutboundMessage, item_id)
    if msg is None:
        return None
    msg.last_error = f"{error.status or ''} {error.code or ''} {error.message}".strip()[:500]
    if error.in_doubt and msg.kind == "sms" and msg.status == SENDING and msg.attempts < config.outbox.max_attempts:
        # Twilio may have it already (a read timeout): sending again could text the citizen twice. Leave it
        # "sending" and let the in-doubt job ask Twilio after the backoff; it sends again only what Twilio lacks.
        # updated_at keeps the claim time, which bounds that search. The last attempt ends as usual.
        msg.next_attempt_at = now + backoff(msg.attempts, config.outbox.backoff_base_s, config.outbox.backoff_max_s)
        return msg
    msg.updated_at = now
    if error.retryable and msg.attempts < config.outbox.max_attempts:
        msg.status = QUEUED
        msg.next_attempt_at = now + backoff(msg.attempts, config.outbox.backoff_base_s, config.outbox.backoff_max_s)
        return msg
    msg.status = UNDELIVERABLE if error.retryable else FAILED
    msg.next_attempt_at = None
    alert_undeliverable(session, msg, now=now)
    return msg


def record_outcome(session: Session, item_id: int, outcome: SendResult | TelephonyError, *, now: datetime,
                   config: Config) -> OutboundMessage | None:
    """What the provider answered to one send: the sid of an accepted message, or the error to retry or give up on."""
    if isinstance(outcome, TelephonyError):
        return record_failure(session, item_id, outcome, now=now, config=config)
    return record_sent(session, item_id, outcome, now=now)


def alert_undeliverable(session: Session, msg: OutboundMessage, *, now: datetime) -> None:
    """A console alert for the city desk: somebody must reach this person another way."""
    notify(session, audience_type="city", audience_code=None, kind="undeliverable", ticket_id=msg.ticket_id,
           message=notices.text("undeliverable", purpose=msg.purpose, to=mask_phone(msg.to),
                                error=msg.last_error or msg.status),
           now=now, key=f"undeliverable:{msg.id}")


def claim_in_doubt(session: Session, *, now: datetime, limit: int, lease_s: float) -> list[Claimed]:
    """Rows left "sending" past their lease by a process that died mid-send; taken again for a check."""
    q = (select(OutboundMessage)
         .where(OutboundMessage.status == SENDING, OutboundMessage.next_attempt_at <= now)
         .order_by(OutboundMessage.next_attempt_at).limit(limit).with_for_update(skip_locked=True))
    taken = []
    for msg in session.scalars(q):
        # The original claim time bounds the provider search; updated_at still holds it.
        taken.append(_claimed(msg, msg.updated_at))
        msg.next_attempt_at = now + timedelta(seconds=lease_s)
    return taken


def find_delivered(telephony: Telephony, item: Claimed) -> SendResult | None:
    """Whether the provider already holds this message (same number and text since the claim)."""
    if item.kind != "sms":
        return None
    # A minute of slack for clock differences between us and the provider.
    for sent in telephony.recent_sms(item.to, since=item.claimed_at - timedelta(minutes=1)):
        if sent.body == item.body:
            return SendResult(sid=sent.sid, status=sent.status)
    return None


def resolve_in_doubt(session: Session, item: Claimed, found: SendResult | None, *, now: datetime) -> None:
    """After a crash: record what the provider has, or queue an SMS again; a call is never placed twice."""
    msg = session.get(OutboundMessage, item.id)
    if msg is None or msg.status != SENDING:
        return
    if found is not None:
        record_sent(session, item.id, found, now=now)
        return
    if msg.kind == "sms":
        msg.status, msg.next_attempt_at, msg.updated_at = QUEUED, now, now
        return
    # Calls have no provider-side search here; the follow-up and callback flows try again on their own.
    msg.status, msg.next_attempt_at, msg.updated_at = FAILED, None, now
    msg.last_error = "in doubt after a restart: not placed again"


def record_status(session: Session, provider_sid: str, status: str, error: str | None = None, *,
                  now: datetime) -> OutboundMessage | None:
    """A delivery report in the outbox's words (sent, delivered, undelivered): the row moves forward only.

    `error` is the provider's reason in its own words, kept on an undelivered row; None for an unknown sid.
    """
    if status not in REPORTS:
        raise ValueError(f"not a delivery report: {status!r} (the channel translates its provider's words)")
    msg = session.scalars(select(OutboundMessage).where(OutboundMessage.provider_sid == provider_sid)).first()
    if msg is None:
        return None
    if _PROGRESS[status] < _PROGRESS.get(msg.status, 0):
        return msg  # out of order: keep what we know
    msg.status, msg.updated_at = status, now
    if status == UNDELIVERED:
        msg.last_error = (error or UNDELIVERED)[:500]
        alert_undeliverable(session, msg, now=now)
    return msg
