"""Twilio's status words, translated at the edge: SMS delivery reports into the outbox's words, call legs into yes/no.

Twilio's vocabularies never leave ivr/: the core hears "sent", "delivered" or "undelivered", and whether a
callback's citizen was connected.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.delivery import outbox
from hotline.store.models import OutboundMessage

# MessageStatus of an outbound SMS (Twilio's "Message resource" status values) -> the outbox's report.
SMS_REPORTS = {
    "accepted": outbox.SENT, "scheduled": outbox.SENT, "queued": outbox.SENT, "sending": outbox.SENT,
    "sent": outbox.SENT,  # Twilio holds it, or the carrier does
    "delivered": outbox.DELIVERED, "read": outbox.DELIVERED,
    "undelivered": outbox.UNDELIVERED, "failed": outbox.UNDELIVERED, "canceled": outbox.UNDELIVERED,
}
# Statuses that report nothing about an SMS we sent: inbound ones, and a partial delivery we leave as "sent".
NOT_REPORTS = ("receiving", "received", "partially_delivered")
# DialCallStatus of a <Dial> and QueueResult of an <Enqueue> that reached the other side.
CONNECTED_DIAL = ("completed", "answered")
CONNECTED_QUEUE = ("bridged", "bridging-in-process")
# CallStatus of a placed call's first leg that nobody picked up.
NOT_ANSWERED = ("no-answer", "busy", "failed", "canceled")


def outbox_status(message_status: str) -> str | None:
    """Twilio's MessageStatus in the outbox's words; None for one that says nothing about delivery."""
    return SMS_REPORTS.get((message_status or "").strip().lower())


def error_text(message_status: str, error_code: str | int | None) -> str:
    """Why Twilio says the message did not arrive, for the row and the city desk's alert."""
    return f"Twilio {(message_status or '').strip().lower()}" + (f" (error {error_code})" if error_code else "")


def record_sms_status(session: Session, provider_sid: str, message_status: str, error_code: str | int | None,
                      *, now: datetime) -> OutboundMessage | None:
    """Twilio's SMS status callback: the outbox row moves forward; None for an unknown sid or status."""
    status = outbox_status(message_status)
    if status is None:
        return None
    error = error_text(message_status, error_code) if status == outbox.UNDELIVERED else None
    return outbox.record_status(session, provider_sid, status, error, now=now)


def connected(dial_status: str, queue_result: str) -> bool:
    """How a callback's bridge ended: the citizen reached an agent (or the agent the citizen)."""
    return dial_status in CONNECTED_DIAL or queue_result in CONNECTED_QUEUE


def not_answered(call_status: str) -> bool:
    """A placed call's first leg that nobody picked up."""
    return call_status in NOT_ANSWERED
