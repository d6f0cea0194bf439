"""Read-only queries behind the console pages; each page costs a fixed number of statements (no N+1)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from console.access import ConsoleUser, chat_scope, notification_audiences, outbox_scope, ticket_scope
from hotline.work import intake
from hotline.store.models import (OPEN_STATUSES, Citizen, Conversation, Deadline, Department, District,
                            Message, Notification, OutboundMessage, ServiceCode, Ticket, Township,
                            User, Whistle)

PAGE_SIZE = 50
# Clocks that a unit can breach (the follow-up clock is the hotline's own).
UNIT_CLOCKS = ("sign_for", "first_contact", "feedback")
FILTER_STATUSES = OPEN_STATUSES + ("resolved", "followed_up", "closed", "merged")
CHANNELS = intake.CHANNELS  # the queue filters by every channel intake accepts


def clock_colour(starts_at: datetime, due_at: datetime, now: datetime, state: str = "pending") -> str:
    """green with more than half the time left, amber down to a fifth, red below that, overdue after."""
    if state == "met":
        return "met"
    if state == "missed" or now >= due_at:
        return "overdue"
    total = (due_at - starts_at).total_seconds()
    left = (due_at - now).total_seconds()
    share = left / total if total > 0 else 0.0
    return "green" if share > 0.5 else "amber" if share > 0.2 else "red"


@dataclass(frozen=True)
class QueueFilters:
    """What the queue page was asked for."""

    view: str = "all"  # all | triage
    status: str = "open"  # open | any | one status
    group: str = ""
    township: str = ""
    channel: str = ""
    overdue: bool = False
    q: str = ""
    page: int = 1


@dataclass
class QueueRow:
    """One line of the queue."""

    ticket: Ticket
    township_name: str | None
    clock: Deadline | None  # the next pending unit clock
    colour: str
    time_left: timedelta | None


@dataclass
class QueuePage:
    """The queue page's data."""

    rows: list[QueueRow]
    counts: dict[str, int]
    total: int
    has_next: bool
    triage_count: int = 0


def _overdue_clause(now: datetime):
    return exists().where(Deadline.ticket_id == Ticket.id, Deadline.clock.in_(UNIT_CLOCKS),
                          Deadline.state == "pending", Deadline.due_at < now)


def queue(session: Session, user: ConsoleUser, f: QueueFilters, *, now: datetime, phone: str | None = None) -> QueuePage:
    """Tickets the user may see, filtered, most urgent first; 3 statements whatever the page holds."""
    scope = ticket_scope(user)
    where = [scope]
    if f.view == "triage":
        where.append(Ticket.needs_triage.is_(True))
        where.append(Ticket.status.in_(OPEN_STATUSES))
    if f.group:
        where.append(Ticket.group == f.group)
    if f.township:
        where.append(Ticket.township_code == f.township)
    if f.channel:
        where.append(Ticket.channel == f.channel)
    if f.q:
        term = f.q.strip()
        by_phone = []
        if phone:
            by_phone = [Ticket.callback_phone == phone,
                        Ticket.citizen_id.in_(select(Citizen.id).where(Citizen.phone == phone))]
        where.append(or_(Ticket.reference == term.upper(), *by_phone))
    if f.overdue:
        where.append(Ticket.status.in_(OPEN_STATUSES))
        where.append(_overdue_clause(now))
    # Counts per status under every filter but the status itself (the chips above the table).
    counts = dict(session.execute(select(Ticket.status, func.count()).where(*where).group_by(Ticket.status)).all())
    status_where = list(where)
    if f.status == "open":
        status_where.append(Ticket.status.in_(OPEN_STATUSES))
    elif f.status not in ("any", ""):
        status_where.append(Ticket.status == f.status)
    total = sum(n for s, n in counts.items()
                if f.status in ("any", "") or (f.status == "open" and s in OPEN_STATUSES) or s == f.status)
    offset = (max(1, f.page) - 1) * PAGE_SIZE
    # Open work by deadline; finished work newest first.
    order = (Ticket.due_at.asc(), Ticket.id.asc()) if f.status == "open" or f.view == "triage" \
        else (Ticket.opened_at.desc(), Ticket.id.desc())
    result = session.execute(
        select(Ticket, Township.name).outerjoin(Township, Township.code == Ticket.township_code)
        .where(*status_where).order_by(*order).offset(offset).limit(PAGE_SIZE + 1)).all()
    has_next = len(result) > PAGE_SIZE
    result = result[:PAGE_SIZE]
    clocks = _next_clocks(session, [t.id for t, _ in result])
    rows = []
    for ticket, township_name in result:
        d = clocks.get(ticket.id)
        if d is not None and ticket.is_open:
            rows.append(QueueRow(ticket, township_name, d, clock_colour(d.starts_at, d.due_at, now), d.due_at - now))
        else:
            rows.append(QueueRow(ticket, township_name, None, "met", None))
    return QueuePage(rows=rows, counts=counts, total=total, has_next=has_next)


def _next_clocks(session: Session, ticket_ids: list[int]) -> dict[int, Deadline]:
    """The earliest pending unit clock of each ticket, in one statement."""
    if not ticket_ids:
        return {}
    out: dict[int, Deadline] = {}
    for d in session.scalars(select(Deadline).where(Deadline.ticket_id.in_(ticket_ids),
                                                    Deadline.clock.in_(UNIT_CLOCKS), Deadline.state == "pending")
                             .order_by(Deadline.ticket_id, Deadline.due_at)):
        out.setdefault(d.ticket_id, d)
    return out


def triage_count(session: Session, user: ConsoleUser) -> int:
    """Open tickets waiting for the intake desk."""
    return session.scalar(select(func.count()).select_from(Ticket).where(
        ticket_scope(user), Ticket.needs_triage.is_(True), Ticket.status.in_(OPEN_STATUSES))) or 0


def visible_ticket(session: Session, user: ConsoleUser, ticket_id: int) -> Ticket | None:
    """The ticket if this user may see it (None otherwise, so the route answers 404 either way)."""
    return session.scalars(select(Ticket).where(Ticket.id == ticket_id, ticket_scope(user))
                           .options(selectinload(Ticket.deadlines), selectinload(Ticket.whistles),
                                    selectinload(Ticket.events))).first()


@dataclass
class TicketPage:
    """Everything the ticket page shows."""

    ticket: Ticket
    citizen: Citizen | None
    district_name: str | None
    township_name: str | None
    service: ServiceCode | None
    unit_name: str | None
    messages: list[Message]
    conversation: Conversation | None
    master: Ticket | None
    cluster: list[Ticket]
    cluster_size: int
    outbound: list[OutboundMessage]
    departments: dict[str, str]
    actors: dict[str, str]
    clocks: list[tuple[Deadline, str, timedelta]] = field(default_factory=list)


def ticket_page(session: Session, user: ConsoleUser, ticket_id: int, *, now: datetime) -> TicketPage | None:
    """The ticket and its surroundings in a fixed number of statements; None when not visible to the user."""
    ticket = visible_ticket(session, user, ticket_id)  # 1 + 3 selectin loads
    if ticket is None:
        return None
    citizen = session.get(Citizen, ticket.citizen_id) if ticket.citizen_id else None
    names = session.execute(
        select(District.name, Township.name, ServiceCode)
        .select_from(ServiceCode)
        .outerjoin(District, District.code == ticket.district_code)
        .outerjoin(Township, Township.code == ticket.township_code)
        .where(ServiceCode.code == ticket.service_code)).first()
    district_name, township_name, service = names if names else (None, None, None)
    messages, conversation = [], None
    if ticket.conversation_id:
        conversation = session.get(Conversation, ticket.conversation_id)
        messages = list(session.scalars(select(Message).where(Message.conversation_id == ticket.conversation_id)
                                        .order_by(Message.id).limit(500)))
    # 合并同类项: the master and up to 20 others of the same cluster, in one statement.
    master_id = ticket.master_id or ticket.id
    family = list(session.scalars(select(Ticket).where(or_(Ticket.id == master_id, Ticket.master_id == master_id),
                                                       Ticket.id != ticket.id, ticket_scope(user))
                                  .order_by(Ticket.opened_at.desc()).limit(21)))
    cluster_size = session.scalar(select(func.count()).select_from(Ticket).where(Ticket.master_id == master_id)) + 1
    master = next((t for t in family if t.id == master_id), None) if ticket.master_id else None
    outbound = list(session.scalars(select(OutboundMessage).where(OutboundMessage.ticket_id == ticket.id)
                                    .order_by(OutboundMessage.id.desc()).limit(50)))
    # Names of every unit mentioned (holder, whistles) and of every user in the history, two statements.
    dept_codes = {w.department_code for w in ticket.whistles} | {ticket.unit_code or "", ticket.department_code or ""}
    departments = dict(session.execute(select(Department.code, Department.name_zh)
                                       .where(Department.code.in_(dept_codes))).all())
    user_ids = {int(e.actor[5:]) for e in ticket.events if e.actor.startswith("user:") and e.actor[5:].isdigit()}
    actors = {f"user:{i}": (name or u) for i, u, name in session.execute(
        select(User.id, User.username, User.display_name).where(User.id.in_(user_ids))).all()} if user_ids else {}
    unit_name = township_name if ticket.unit_type == "township" else departments.get(ticket.unit_code or "")
    clocks = [(d, clock_colour(d.starts_at, d.due_at, now, d.state), d.due_at - now) for d in ticket.deadlines]
    return TicketPage(ticket=ticket, citizen=citizen, district_name=district_name, township_name=township_name,
                      service=service, unit_name=unit_name, messages=messages, conversation=conversation,
                      master=master, cluster=family, cluster_size=cluster_size, outbound=outbound,
                      departments=departments, actors=actors, clocks=clocks)


def whistles_for(session: Session, user: ConsoleUser, *, open_only: bool = True, now: datetime):
    """Whistles addressed to the user's department (all of them for a supervisor), oldest due first."""
    query = (select(Whistle, Ticket.reference, Ticket.text, Ticket.status, Township.name)
             .join(Ticket, Ticket.id == Whistle.ticket_id)
             .outerjoin(Township, Township.code == Ticket.township_code)
             .where(ticket_scope(user)))
    if user.role != "supervisor":
        query = query.where(Whistle.department_code == (user.unit_code or ""))
    if open_only:
        query = query.where(Whistle.done_at.is_(None))
    return session.execute(query.order_by(Whistle.report_due_at, Whistle.id).limit(200)).all()


def _audience_clause(user: ConsoleUser):
    clauses = []
    for kind, code in notification_audiences(user):
        if code is None:
            clauses.append(and_(Notification.audience_type == kind, Notification.audience_code.is_(None)))
        else:
            clauses.append(and_(Notification.audience_type == kind, Notification.audience_code == code))
    return or_(*clauses)


def unread_count(session: Session, user: ConsoleUser) -> int:
    """Unread notifications addressed to the user."""
    return session.scalar(select(func.count()).select_from(Notification)
                          .where(_audience_clause(user), Notification.read_at.is_(None))) or 0


def inbox(session: Session, user: ConsoleUser, *, limit: int = 100):
    """Newest notifications for the user, unread first, with the ticket reference (one statement)."""
    return session.execute(
        select(Notification, Ticket.reference).outerjoin(Ticket, Ticket.id == Notification.ticket_id)
        .where(_audience_clause(user))
        .order_by(case((Notification.read_at.is_(None), 0), else_=1), Notification.created_at.desc(),
                  Notification.id.desc())
        .limit(limit)).all()


def notification_for(session: Session, user: ConsoleUser, notification_id: int) -> Notification | None:
    """One notification if it is addressed to the user."""
    return session.scalars(select(Notification).where(Notification.id == notification_id,
                                                      _audience_clause(user))).first()


def handed_off_chats(session: Session, user: ConsoleUser):
    """Web chats the bot handed to a human, and ones agents hold, with the citizen's last words (in the user's scope)."""
    last = (select(Message.conversation_id, func.max(Message.id).label("last_id"))
            .group_by(Message.conversation_id).subquery())
    return session.execute(
        select(Conversation, Message, User.username)
        .outerjoin(last, last.c.conversation_id == Conversation.id)
        .outerjoin(Message, Message.id == last.c.last_id)
        .outerjoin(User, User.id == Conversation.agent_id)
        .where(Conversation.status == "handed_off", chat_scope(user))
        .order_by(Conversation.agent_id.is_not(None), Conversation.updated_at)
        .limit(200)).all()


def chat_messages(session: Session, conversation_id: int, after: int = 0, limit: int = 500) -> list[Message]:
    """Messages of a conversation after an id, oldest first."""
    return list(session.scalars(select(Message).where(Message.conversation_id == conversation_id, Message.id > after)
                                .order_by(Message.id).limit(limit)))


def outbox(session: Session, user: ConsoleUser, *, limit: int = 200):
    """The newest outbound messages the user may see, with their ticket reference."""
    return session.execute(select(OutboundMessage, Ticket.reference)
                           .outerjoin(Ticket, Ticket.id == OutboundMessage.ticket_id)
                           .where(outbox_scope(user))
                           .order_by(OutboundMessage.id.desc()).limit(limit)).all()


def unit_choices(session: Session) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(townships, departments) as (value, label) pairs for dispatch and user forms."""
    towns = [(f"township:{c}", f"{d} · {n}") for c, n, d in session.execute(
        select(Township.code, Township.name, District.name).join(District, District.code == Township.district_code)
        .order_by(Township.code)).all()]
    depts = [(f"department:{c}", f"{n} ({c})") for c, n in session.execute(
        select(Department.code, Department.name_zh).order_by(Department.type, Department.code)).all()]
    return towns, depts
