"""The outbox: every SMS or call we owe somebody, written once per idempotency key in the caller's transaction.

The scheduler process (callbacks/) sends what is queued and records each outcome on the row.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.models import Citizen, OutboundMessage


def enqueue(session: Session, *, key: str, kind: str, to: str, now: datetime, body: str = "", url: str | None = None,
            purpose: str = "notice", ticket_id: int | None = None, urgent: bool = False) -> OutboundMessage:
    """Queue one SMS or call; the same key always gives the same row (nothing is sent twice)."""
    if kind not in ("sms", "call"):
        raise ValueError(f"unknown outbound kind {kind!r}")
    existing = session.scalars(select(OutboundMessage).where(OutboundMessage.idempotency_key == key)).first()
    if existing is not None:
        return existing
    status = "queued"
    if kind == "sms" and is_opted_out(session, to):
        status = "suppressed"  # the citizen said STOP/退订: record that we would have written, send nothing
    msg = OutboundMessage(idempotency_key=key, kind=kind, to=to, body=body, url=url, purpose=purpose,
                          ticket_id=ticket_id, status=status, urgent=urgent, created_at=now, updated_at=now,
                          next_attempt_at=now if status == "queued" else None)
    try:
        with session.begin_nested():
            session.add(msg)
    except IntegrityError:
        msg = session.scalars(select(OutboundMessage).where(OutboundMessage.idempotency_key == key)).one()
    return msg


def is_opted_out(session: Session, phone: str) -> bool:
    """The number has opted out of SMS."""
    return bool(session.scalar(select(Citizen.sms_opted_out).where(Citizen.phone == phone)))
