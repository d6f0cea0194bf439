"""吹哨报到 as a use case: summon departments with the configured report-in time and tell them at once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.config import Config
from hotline.delivery import notices, outbox
from hotline.delivery.notifications import notify, staff_phones
from hotline.store.models import Department, Ticket, Township, Whistle
from hotline.work.lifecycle import blow_whistle

# A summons SMS carries the request, cut like a resolution so it stays a few segments.
MAX_REQUEST_CHARS = 60


def report_hours(ticket: Ticket, config: Config) -> float:
    """How long a summoned department has to report in, by the ticket's time-limit class."""
    return config.whistles.report_hours[ticket.time_limit_class]


def department_name(session: Session, code: str, lang: str = "zh") -> str:
    """A department as staff read it (its code when unknown)."""
    dept = session.get(Department, code)
    if dept is None:
        return code
    return dept.name_en if lang == "en" else dept.name_zh


def township_name(session: Session, ticket: Ticket) -> str:
    """The township blowing the whistle."""
    town = session.get(Township, ticket.unit_code) if ticket.unit_code else None
    return town.name if town else (ticket.unit_code or "")


def summon(session: Session, ticket: Ticket, *, summons: list[tuple[str, str]], actor: str, now: datetime,
           config: Config) -> list[Whistle]:
    """吹哨: the township summons departments; each is told in its console inbox and by SMS to its staff."""
    created = blow_whistle(session, ticket, summons=summons, actor=actor, now=now,
                           report_within_hours=report_hours(ticket, config))
    session.flush()  # ids for the idempotency keys
    township = township_name(session, ticket)
    for w in created:
        body = notices.text("whistle_summons", ref=ticket.reference, township=township,
                            department=department_name(session, w.department_code),
                            due=notices.when(w.report_due_at, config.app.timezone),
                            request=notices.short_resolution(w.request)[:MAX_REQUEST_CHARS])
        key = f"whistle-summons:{w.id}"
        notify(session, audience_type="unit", audience_code=w.department_code, kind="whistle", message=body,
               now=now, key=key, ticket_id=ticket.id)
        if config.whistles.sms:
            for phone in staff_phones(session, "unit", w.department_code):
                outbox.enqueue(session, key=f"{key}:{phone}", kind="sms", to=phone, body=body, purpose="whistle",
                               ticket_id=ticket.id, urgent=ticket.time_limit_class == "emergency", now=now)
    return created
