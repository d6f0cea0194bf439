"""合并同类项: supervisors merge similar tickets into one cluster or split one out; one answer reaches everyone.

A cluster is a master ticket and the tickets whose master_id points at it. Merged tickets (status
"merged") ride on their master: when the master is resolved, `fan_out_resolution` gives each of them
the same answer and starts its own follow-up, so every citizen is asked and every answer counts.
Use cases take the session first and never commit.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.work import lifecycle as tickets
from hotline.errors import InvalidInput
from hotline.store.models import (CLOCK_FOLLOWUP, DISPATCHED, MERGED, OPEN_STATUSES, RESOLVED, Ticket, TicketEvent)


def cluster_of(session: Session, master: Ticket) -> list[Ticket]:
    """The master's linked and merged tickets, oldest first (the master itself not included)."""
    return list(session.scalars(select(Ticket).where(Ticket.master_id == master.id).order_by(Ticket.opened_at)))


def merge_into(session: Session, master: Ticket, members: list[Ticket], *, actor: str, now: datetime) -> int:
    """Merge members into master (their own masters' clusters come along); returns how many were merged."""
    if master.master_id is not None:
        raise InvalidInput("merge into a master ticket, not into a member of another cluster", field="master")
    if master.status not in OPEN_STATUSES:
        raise InvalidInput("the master must still be open", field="master")
    merged = 0
    for t in members:
        if t.id == master.id:
            continue
        # A member that was itself a master hands its cluster over first.
        for child in cluster_of(session, t):
            child.master_id = master.id
            child.updated_at = now
            tickets.record_event(session, child, actor=actor, action="regroup", now=now,
                                 data={"master": master.reference, "was": t.reference})
        if t.status in OPEN_STATUSES:
            t.master_id = None  # tickets.merge wants a free ticket
            tickets.merge(session, t, master, actor=actor, now=now)
            merged += 1
    session.flush()
    return merged


def running_case(session: Session, service_code: str, township_code: str) -> Ticket | None:
    """The open proactive case (未诉先办) about this code in this township, if any: newcomers belong in it."""
    return session.scalars(select(Ticket).where(
        Ticket.proactive.is_(True), Ticket.service_code == service_code, Ticket.township_code == township_code,
        Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.id).limit(1)).first()


def merge_hotspot(session: Session, *, service_code: str, township_code: str, start: datetime, end: datetime,
                  actor: str, now: datetime) -> tuple[Ticket | None, int]:
    """Merge every open ticket of a hotspot into the master of its biggest group (or its oldest open ticket).

    An open proactive case (未诉先办) about the same code in the township takes them instead: it is the master.
    """
    open_ones = list(session.scalars(
        select(Ticket).where(Ticket.service_code == service_code, Ticket.township_code == township_code,
                             Ticket.opened_at >= start, Ticket.opened_at < end,
                             Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.opened_at, Ticket.id)))
    if not open_ones:
        return None, 0
    case = running_case(session, service_code, township_code)
    if case is not None:
        return case, merge_into(session, case, open_ones, actor=actor, now=now)
    sizes: dict[int, int] = {}
    for t in open_ones:
        root = t.master_id or t.id
        sizes[root] = sizes.get(root, 0) + 1
    by_id = {t.id: t for t in open_ones}
    candidates = [i for i in sizes if i in by_id and by_id[i].master_id is None]
    master = by_id[max(candidates, key=lambda i: (sizes[i], -i))] if candidates else open_ones[0]
    if master.master_id is not None:
        master.master_id = None
    return master, merge_into(session, master, open_ones, actor=actor, now=now)


def split(session: Session, ticket: Ticket, *, actor: str, now: datetime) -> None:
    """Take a ticket out of its cluster: it is handled on its own again, with its clocks running."""
    if ticket.master_id is None:
        raise InvalidInput("this ticket is not in a cluster", field="ticket")
    master_id = ticket.master_id
    before = ticket.status
    if ticket.status == MERGED:
        last_merge = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                               TicketEvent.action == "merge")
                                     .order_by(TicketEvent.id.desc()).limit(1)).first()
        ticket.status = (last_merge.from_status if last_merge and last_merge.from_status else DISPATCHED)
        for d in ticket.deadlines:
            if d.clock != CLOCK_FOLLOWUP and d.state == "cancelled" and d.met_at is None:
                # The clocks the merge stopped run again; an overdue one is breached at the next sweep.
                d.state, d.stage, d.next_action_at = "pending", 0, d.due_at
    ticket.master_id, ticket.similarity = None, None
    ticket.updated_at = now
    tickets.record_event(session, ticket, actor=actor, action="split", now=now, from_status=before,
                         to_status=ticket.status, data={"master_id": master_id})
    session.flush()


def fan_out_resolution(session: Session, master: Ticket, *, actor: str, now: datetime) -> int:
    """Give the resolved master's answer to each merged ticket still waiting (resolve already does it)."""
    if master.status != RESOLVED or not master.resolution:
        raise InvalidInput("resolve the master ticket first", field="master")
    done = tickets.answer_merged(session, master, actor=actor, now=now)
    session.flush()
    return done


def resolve_cluster(session: Session, master: Ticket, *, resolution: str, actor: str, now: datetime) -> int:
    """Resolve the master and answer every merged ticket with it; returns how many citizens got the answer too."""
    waiting = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.master_id == master.id,
                                                                             Ticket.status == MERGED))
    tickets.resolve(session, master, resolution=resolution, actor=actor, now=now)  # answers the merged ones too
    return waiting
