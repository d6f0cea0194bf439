"""Ticket lifecycle: dispatch, sign, contact, return, whistle, report, resolve, follow up, reopen, close, merge."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.rules import deadlines
from hotline.config import TimeLimitsConfig
from hotline.errors import InvalidInput, InvalidTransition, TicketNotFound, WhistlesOutstanding
from hotline.store.models import (CLOCK_FEEDBACK, CLOCK_FIRST_CONTACT, CLOCK_FOLLOWUP, CLOCK_SIGN_FOR, CLOSED,
                            DISPATCHED, FOLLOWED_UP, IN_PROGRESS, MERGED, NEW, OPEN_STATUSES, REOPENED,
                            RESOLVED, RETURNED, SIGNED, Deadline, EarlierFollowup, Ticket, TicketEvent,
                            Whistle)

# action -> (statuses it may start from, status it leads to). None keeps the status.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "dispatch": ((NEW, RETURNED, REOPENED), DISPATCHED),
    "sign": ((DISPATCHED,), SIGNED),
    "contact": ((SIGNED, IN_PROGRESS, REOPENED), IN_PROGRESS),
    "return": ((DISPATCHED, SIGNED, IN_PROGRESS), RETURNED),
    "whistle": ((SIGNED, IN_PROGRESS), None),
    "resolve": ((SIGNED, IN_PROGRESS, REOPENED), RESOLVED),
    "answer": ((NEW,), RESOLVED),  # a consultation answered at intake, nobody else needs to act
    "followup": ((RESOLVED,), FOLLOWED_UP),
    "reopen": ((RESOLVED, FOLLOWED_UP, CLOSED), REOPENED),
    "close": ((RESOLVED, FOLLOWED_UP), CLOSED),
    "merge": (OPEN_STATUSES, MERGED),
    "note": (OPEN_STATUSES + (RESOLVED, FOLLOWED_UP), None),
}
SATISFACTION = ("satisfied", "basically", "unsatisfied")
MAX_NOTE = 4000


def get_ticket(session: Session, reference: str) -> Ticket:
    """The ticket with this reference, or TicketNotFound."""
    ticket = session.scalars(select(Ticket).where(Ticket.reference == reference)).first()
    if ticket is None:
        raise TicketNotFound(f"no ticket {reference}")
    return ticket


def record_event(session: Session, ticket: Ticket, *, actor: str, action: str, now: datetime,
                 from_status: str | None = None, to_status: str | None = None, note: str = "",
                 data: dict[str, Any] | None = None) -> TicketEvent:
    """Append one audit row to the ticket's history."""
    event = TicketEvent(ticket=ticket, at=now, actor=actor, action=action, from_status=from_status,
                        to_status=to_status, note=note, data=data or {})
    session.add(event)
    return event


def _transition(session: Session, ticket: Ticket, action: str, *, actor: str, now: datetime, note: str = "",
                data: dict[str, Any] | None = None) -> None:
    allowed, target = TRANSITIONS[action]
    if ticket.status not in allowed:
        raise InvalidTransition(action, ticket.status)
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"note longer than {MAX_NOTE} characters", field="note")
    before = ticket.status
    if target is not None:
        ticket.status = target
    ticket.updated_at = now
    record_event(session, ticket, actor=actor, action=action, now=now, from_status=before,
                 to_status=ticket.status, note=note, data=data)


def _deadline(ticket: Ticket, clock: str) -> Deadline | None:
    return next((d for d in ticket.deadlines if d.clock == clock), None)


def meet_clock(ticket: Ticket, clock: str, now: datetime) -> None:
    """Stop a clock: met in time or late, the scheduler has nothing more to do with it."""
    d = _deadline(ticket, clock)
    if d is not None and d.state in ("pending", "missed") and d.met_at is None:
        d.met_at = now
        d.state = "met" if now <= d.due_at else "missed"
        d.next_action_at = None


def dispatch(session: Session, ticket: Ticket, *, unit_type: str, unit_code: str, actor: str, now: datetime,
             limits: TimeLimitsConfig, note: str = "") -> None:
    """派单: give the ticket to a township or department; its sign-for clock starts now."""
    if unit_type not in ("township", "department"):
        raise InvalidInput("unit_type must be township or department", field="unit_type")
    before = {"unit_type": ticket.unit_type, "unit_code": ticket.unit_code}
    _transition(session, ticket, "dispatch", actor=actor, now=now, note=note,
                data={"before": before, "after": {"unit_type": unit_type, "unit_code": unit_code}})
    ticket.unit_type, ticket.unit_code = unit_type, unit_code
    ticket.needs_triage, ticket.triage_reason = False, None
    ticket.signed_at = None
    sign = _deadline(ticket, CLOCK_SIGN_FOR)
    if sign is not None:
        # A new unit gets its full sign-for time; the citizen's feedback clock does not restart.
        sign.starts_at = now
        sign.due_at = deadlines.sign_for_due(now, ticket.time_limit_class, limits)
        sign.state, sign.met_at, sign.stage = "pending", None, 0
        sign.next_action_at = sign.due_at


def sign(session: Session, ticket: Ticket, *, actor: str, now: datetime) -> None:
    """签收: the unit accepts the order."""
    _transition(session, ticket, "sign", actor=actor, now=now)
    ticket.signed_at = now
    meet_clock(ticket, CLOCK_SIGN_FOR, now)


def contact(session: Session, ticket: Ticket, *, actor: str, now: datetime, note: str = "") -> None:
    """The unit has spoken with the citizen (first contact clock)."""
    _transition(session, ticket, "contact", actor=actor, now=now, note=note)
    if ticket.contacted_at is None:
        ticket.contacted_at = now
    meet_clock(ticket, CLOCK_FIRST_CONTACT, now)


def return_ticket(session: Session, ticket: Ticket, *, reason: str, actor: str, now: datetime) -> None:
    """退单: a mis-dispatched order goes back to triage with a reason."""
    if not reason or not reason.strip():
        raise InvalidInput("a return needs a reason", field="reason")
    prev_unit = {"unit_type": ticket.unit_type, "unit_code": ticket.unit_code}
    _transition(session, ticket, "return", actor=actor, now=now, note=reason.strip(), data={"before": prev_unit})
    ticket.needs_triage, ticket.triage_reason = True, "returned"
    sign_clock = _deadline(ticket, CLOCK_SIGN_FOR)
    if sign_clock is not None and sign_clock.state == "pending":
        sign_clock.next_action_at = None  # nobody to remind until it is dispatched again


def add_note(session: Session, ticket: Ticket, *, note: str, actor: str, now: datetime) -> None:
    """A note in the history; it stops no clock (an agent's own note is not a response)."""
    if not note or not note.strip():
        raise InvalidInput("the note is empty", field="note")
    _transition(session, ticket, "note", actor=actor, now=now, note=note.strip())


def blow_whistle(session: Session, ticket: Ticket, *, summons: list[tuple[str, str]], actor: str, now: datetime,
                 report_within_hours: float = 2.0) -> list[Whistle]:
    """吹哨: a township summons departments, each with its own request, to report in."""
    if ticket.unit_type != "township":
        raise InvalidTransition("whistle", f"held by a {ticket.unit_type}")
    if not summons:
        raise InvalidInput("summon at least one department", field="departments")
    created = []
    for department_code, request in summons:
        report_due = now + timedelta(hours=report_within_hours)
        # The part-done clock runs to the ticket's own deadline, never before the report-in one;
        # next_action_at = now lets the scheduler plan both clocks on its next sweep.
        w = Whistle(ticket=ticket, department_code=department_code, request=request, blown_at=now,
                    report_due_at=report_due, done_due_at=max(ticket.due_at, report_due),
                    report_stage=0, done_stage=0, next_action_at=now)
        session.add(w)
        created.append(w)
    _transition(session, ticket, "whistle", actor=actor, now=now,
                data={"departments": [d for d, _ in summons]})
    return created


def report_in(session: Session, whistle: Whistle, *, actor: str, now: datetime) -> None:
    """报到: a summoned department acknowledges."""
    if whistle.reported_at is None:
        whistle.reported_at = now
        record_event(session, whistle.ticket, actor=actor, action="report_in", now=now,
                     data={"department": whistle.department_code})


def report_done(session: Session, whistle: Whistle, *, note: str, actor: str, now: datetime) -> None:
    """A summoned department reports its part done."""
    if whistle.reported_at is None:
        whistle.reported_at = now
    whistle.done_at, whistle.done_note = now, note
    record_event(session, whistle.ticket, actor=actor, action="report_done", now=now, note=note,
                 data={"department": whistle.department_code})


def resolve(session: Session, ticket: Ticket, *, resolution: str, actor: str, now: datetime,
            override_reason: str | None = None) -> None:
    """Record the result; refused while a summoned department is not done (事不完，人不走) unless overridden."""
    if not resolution or not resolution.strip():
        raise InvalidInput("a resolution needs text", field="resolution")
    outstanding = [w.department_code for w in ticket.whistles if w.done_at is None]
    if outstanding and not (override_reason and override_reason.strip()):
        raise WhistlesOutstanding(f"waiting for {', '.join(outstanding)} to report done", departments=outstanding)
    data = {"override": override_reason.strip(), "outstanding": outstanding} if outstanding else None
    _transition(session, ticket, "resolve", actor=actor, now=now, note=resolution.strip(), data=data)
    ticket.resolution, ticket.resolved_at = resolution.strip(), now
    if ticket.contacted_at is None:
        ticket.contacted_at = now  # telling the citizen the result is contact too
    meet_clock(ticket, CLOCK_FIRST_CONTACT, now)
    meet_clock(ticket, CLOCK_FEEDBACK, now)
    sign_clock = _deadline(ticket, CLOCK_SIGN_FOR)
    if sign_clock is not None and sign_clock.met_at is None:
        meet_clock(ticket, CLOCK_SIGN_FOR, now)
    followup = _deadline(ticket, CLOCK_FOLLOWUP)
    if followup is not None and followup.state == "pending":
        followup.next_action_at = now  # 回访 can start as soon as the answer is given
    answer_merged(session, ticket, actor=actor, now=now)
    if ticket.proactive:
        # 未诉先办: the case has no citizen of its own to survey (its merged citizens each are): done.
        close(session, ticket, actor=actor, now=now)


def answer_merged(session: Session, master: Ticket, *, actor: str, now: datetime) -> int:
    """合并同类项: the master's answer goes to every ticket merged into it, each with its own 回访."""
    merged = session.scalars(select(Ticket).where(Ticket.master_id == master.id, Ticket.status == MERGED)).all()
    for t in merged:
        t.status, t.resolution, t.resolved_at, t.updated_at = RESOLVED, master.resolution, now, now
        if t.contacted_at is None:
            t.contacted_at = now
        for d in t.deadlines:
            if d.clock == CLOCK_FOLLOWUP and d.state == "pending":
                d.next_action_at = now
        record_event(session, t, actor=actor, action="resolve", now=now, from_status=MERGED, to_status=RESOLVED,
                     note=master.resolution or "", data={"via_master": master.reference})
    return len(merged)


def answer_directly(session: Session, ticket: Ticket, *, answer: str, actor: str, now: datetime,
                    entry_id: str | None = None) -> None:
    """A consultation answered at intake (by an agent, or from knowledge-base entry `entry_id`): no unit acts."""
    _transition(session, ticket, "answer", actor=actor, now=now, note=answer,
                data={"knowledge_entry": entry_id} if entry_id else None)
    ticket.resolution, ticket.resolved_at, ticket.contacted_at = answer, now, now
    ticket.answered_by_hotline = True
    if entry_id:
        ticket.knowledge_entry = entry_id
    for d in ticket.deadlines:
        if d.clock != CLOCK_FOLLOWUP:
            meet_clock(ticket, d.clock, now)


def record_followup(session: Session, ticket: Ticket, *, solved: bool, satisfaction: str, actor: str,
                    now: datetime, limits: TimeLimitsConfig | None = None) -> None:
    """回访 answers; "not solved" reopens the ticket for the unit."""
    if satisfaction not in SATISFACTION:
        raise InvalidInput(f"satisfaction must be one of {', '.join(SATISFACTION)}", field="satisfaction")
    _transition(session, ticket, "followup", actor=actor, now=now,
                data={"solved": solved, "satisfaction": satisfaction})
    if ticket.followed_up_at is not None:
        # A second survey after a reopen: the first answer keeps counting in its own month.
        session.add(EarlierFollowup(ticket_id=ticket.id, followed_up_at=ticket.followed_up_at,
                                    followup_solved=ticket.followup_solved,
                                    followup_satisfaction=ticket.followup_satisfaction,
                                    unit_type=ticket.unit_type, unit_code=ticket.unit_code,
                                    district_code=ticket.district_code))
    ticket.followup_solved, ticket.followup_satisfaction, ticket.followed_up_at = solved, satisfaction, now
    meet_clock(ticket, CLOCK_FOLLOWUP, now)
    if not solved:
        reopen(session, ticket, reason="citizen says not solved", actor=actor, now=now, limits=limits)


def reopen(session: Session, ticket: Ticket, *, reason: str, actor: str, now: datetime,
           limits: TimeLimitsConfig | None = None) -> None:
    """Back to the unit that had it; with limits, a new feedback clock from now and a fresh 回访 after it."""
    _transition(session, ticket, "reopen", actor=actor, now=now, note=reason)
    ticket.resolved_at = None
    ticket.closed_at = None
    if limits is not None:
        restart_feedback(ticket, now=now, limits=limits)


def restart_feedback(ticket: Ticket, *, now: datetime, limits: TimeLimitsConfig) -> None:
    """Reopened means a new clock: feedback due from the reopening, and a second survey after that."""
    due = deadlines.feedback_due(now, ticket.time_limit_class, limits)
    ticket.due_at = due
    feedback = _deadline(ticket, CLOCK_FEEDBACK)
    if feedback is not None:
        feedback.starts_at, feedback.due_at = now, due
        feedback.state, feedback.met_at, feedback.stage, feedback.next_action_at = "pending", None, 0, due
    followup = _deadline(ticket, CLOCK_FOLLOWUP)
    if followup is not None:
        # Woken by resolve like the first one; stage 0 = the answer still to be sent.
        followup.starts_at, followup.due_at = due, due + timedelta(hours=limits.followup_delay_hours)
        followup.state, followup.met_at, followup.stage, followup.attempts = "pending", None, 0, 0
        followup.next_action_at = None


def close(session: Session, ticket: Ticket, *, actor: str, now: datetime) -> None:
    """Done: answered and followed up (or follow-up given up)."""
    _transition(session, ticket, "close", actor=actor, now=now)
    ticket.closed_at = now
    for d in ticket.deadlines:
        if d.state == "pending":
            d.state, d.next_action_at = "cancelled", None


def merge(session: Session, ticket: Ticket, master: Ticket, *, actor: str, now: datetime) -> None:
    """Fold a duplicate into its master; the master's answer will reach this citizen too."""
    if master.id == ticket.id or master.master_id is not None:
        raise InvalidInput("merge into a master ticket other than itself", field="master")
    _transition(session, ticket, "merge", actor=actor, now=now, data={"master": master.reference})
    ticket.master_id = master.id
    for d in ticket.deadlines:
        if d.clock != CLOCK_FOLLOWUP and d.state == "pending":
            d.state, d.next_action_at = "cancelled", None
