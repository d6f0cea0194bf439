"""The hotline's own labelled history: each ticket's text with the service code people finally gave it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from hotline.privacy import redact_phones
from hotline.store.models import CLOSED, FOLLOWED_UP, MERGED, RESOLVED, Ticket, TicketEvent

# A ticket a unit answered (or that was merged into one) kept its code through handling: units return
# mis-dispatched orders, so the code it ended with is one people accepted.
HANDLED = (RESOLVED, FOLLOWED_UP, CLOSED, MERGED)
SOURCES = ("agent", "caller", "handled")


@dataclass(frozen=True)
class HistoryRow:
    """One labelled message for training."""

    text: str
    service_code: str
    group: str
    kind: str
    label_source: str  # agent (reclassified in the console) | caller (code chosen at intake) | handled
    reference: str
    opened_at: datetime


def labelled_history(session: Session, *, since: datetime | None = None, until: datetime | None = None,
                     sources: tuple[str, ...] = SOURCES, batch: int = 2000) -> Iterator[HistoryRow]:
    """Tickets whose code a person set or stood by, oldest first; phone numbers in the text are masked.

    An agent's reclassification (a `classify` event) is the label whatever happened next; a code chosen at
    intake by an agent or partner counts as given; a machine's code counts only once a unit answered the
    ticket under it. Open machine-classified tickets are not labels yet.
    """
    reclassified = exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.action == "classify")
    query = select(Ticket, reclassified.label("reclassified")).order_by(Ticket.opened_at, Ticket.id)
    if since is not None:
        query = query.where(Ticket.opened_at >= since)
    if until is not None:
        query = query.where(Ticket.opened_at < until)
    last_id, last_at = None, None
    while True:
        page = query
        if last_at is not None:
            page = page.where((Ticket.opened_at > last_at) | ((Ticket.opened_at == last_at) & (Ticket.id > last_id)))
        rows = session.execute(page.limit(batch)).all()
        if not rows:
            return
        for ticket, was_reclassified in rows:
            source = label_source(ticket, bool(was_reclassified))
            text = (ticket.text or "").strip()
            if source in sources and len(text) >= 2:
                yield HistoryRow(redact_phones(text), ticket.service_code, ticket.group, ticket.kind, source,
                                 ticket.reference, ticket.opened_at)
        last_at, last_id = rows[-1][0].opened_at, rows[-1][0].id


def label_source(ticket: Ticket, reclassified: bool) -> str | None:
    """Why this ticket's code is a label (agent, caller, handled), or None when it is not one yet."""
    if reclassified or ticket.classified_by == "agent":
        return "agent"
    if ticket.classified_by == "caller":
        return "caller"
    if ticket.status in HANDLED and ticket.unit_code:
        return "handled"
    return None
