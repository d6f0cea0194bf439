"""Console notifications (reminders, escalations, alerts) and the staff phones they are also texted to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.store.models import Notification, User
from hotline.store.unique import insert_or_get


def notify(session: Session, *, audience_type: str, audience_code: str | None, kind: str, message: str,
           now: datetime, key: str, ticket_id: int | None = None) -> Notification:
    """Write one notification; the same key always gives the same row."""
    # Insert first: a key is new far more often than not (a repeat is a retried sweep).
    note, _ = insert_or_get(
        session, lambda: Notification(audience_type=audience_type, audience_code=audience_code, kind=kind,
                                      ticket_id=ticket_id, message=message, idempotency_key=key, created_at=now),
        select(Notification).where(Notification.idempotency_key == key), look_first=False)
    return note


def staff_phones(session: Session, audience_type: str, audience_code: str | None) -> list[str]:
    """Phones of the active users who read an audience's notifications (as console/access.py assigns them)."""
    # Cached for the session's life (one sweep): a burst reminds the same unit hundreds of times.
    cache = session.info.setdefault("staff_phones", {})
    if (audience_type, audience_code) not in cache:
        cache[(audience_type, audience_code)] = _staff_phones(session, audience_type, audience_code)
    return cache[(audience_type, audience_code)]


def _staff_phones(session: Session, audience_type: str, audience_code: str | None) -> list[str]:
    q = select(User.phone).where(User.active.is_(True), User.phone.is_not(None), User.phone != "")
    if audience_type == "unit":
        if not audience_code:
            return []
        q = q.where(User.unit_code == audience_code, User.role.in_(("handler", "department")))
    elif audience_type == "district":
        if not audience_code:
            return []
        q = q.where(User.role == "supervisor", User.unit_type == "district", User.unit_code == audience_code)
    elif audience_type == "city":
        q = q.where(User.role == "supervisor", or_(User.unit_type.is_(None), User.unit_type != "district"))
    else:
        return []
    return sorted(set(session.scalars(q)))
