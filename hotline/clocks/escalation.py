"""Reminders before a clock runs out and 吹哨 up the ladder after: what the scheduler does with a due clock."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.delivery import notices, outbox
from hotline.config import Config
from hotline.store.models import CLOCK_FOLLOWUP, DISPATCHED, Deadline, Ticket
from hotline.delivery.notifications import notify, staff_phones
from hotline.rules.schedule import BREACH, ESCALATE, REMIND, Action, clock_actions, step
from hotline.work.lifecycle import record_event

ACTOR = "scheduler"


def plan(deadline: Deadline, config: Config) -> list[Action]:
    """The reminders, breach and ladder of one clock, from config."""
    ladder = getattr(config.escalation, deadline.clock, ())
    return clock_actions(deadline.starts_at, deadline.due_at, config.reminders.fractions, ladder)


def _needs_watching(deadline: Deadline, ticket: Ticket) -> bool:
    if deadline.met_at is not None or deadline.state not in ("pending", "missed"):
        return False
    if not ticket.is_open:
        return False
    # Nobody holds an order that is in triage or returned: the sign-for clock waits for the next dispatch.
    return not (deadline.clock == "sign_for" and ticket.status != DISPATCHED)


def advance_clock(session: Session, deadline: Deadline, *, now: datetime, config: Config) -> list[Action]:
    """Fire what has come for a sign-for, first-contact or feedback clock and set when to look again."""
    if deadline.clock == CLOCK_FOLLOWUP:
        raise ValueError("the follow-up clock belongs to hotline.clocks.followups")
    ticket = deadline.ticket
    if not _needs_watching(deadline, ticket):
        deadline.next_action_at = None
        return []
    actions = plan(deadline, config)
    result = step(actions, max(deadline.stage - 1, 0), now)
    for action in result.fire:
        if action.kind == REMIND:
            _remind(session, deadline, ticket, action, now=now, config=config)
        elif action.kind == BREACH:
            _breach(session, deadline, ticket, now=now, config=config)
        elif action.kind == ESCALATE:
            _escalate(session, deadline, ticket, action, now=now, config=config)
    deadline.stage = result.done + 1
    deadline.next_action_at = result.next_at
    return result.fire


def _key(deadline: Deadline, what: str, index: int) -> str:
    # starts_at is part of the key: a clock restarted for a new unit reminds and escalates afresh.
    return f"{what}:{deadline.id}:{index}:{deadline.starts_at.isoformat()}"


def _audience(ticket: Ticket, to: str) -> tuple[str, str | None]:
    """Who a ladder step reaches for this ticket; a missing unit or district goes one rung up."""
    if to == "unit" and ticket.unit_code and ticket.unit_type in ("township", "department"):
        return "unit", ticket.unit_code
    if to in ("unit", "district") and ticket.district_code:
        return "district", ticket.district_code
    return "city", None


def _text_staff(session: Session, audience: tuple[str, str | None], *, key: str, body: str, purpose: str,
                ticket: Ticket, now: datetime) -> None:
    for phone in staff_phones(session, *audience):
        # Emergencies are the only messages that may wake people in quiet hours.
        outbox.enqueue(session, key=f"{key}:{phone}", kind="sms", to=phone, body=body, purpose=purpose,
                       ticket_id=ticket.id, urgent=ticket.time_limit_class == "emergency", now=now)


def _remind(session: Session, deadline: Deadline, ticket: Ticket, action: Action, *, now: datetime,
            config: Config) -> None:
    tz = config.app.timezone
    body = notices.text("reminder", ref=ticket.reference, clock=notices.clock_name(deadline.clock),
                        due=notices.when(deadline.due_at, tz))
    audience = _audience(ticket, "unit")
    key = _key(deadline, "reminder", action.index)
    notify(session, audience_type=audience[0], audience_code=audience[1], kind="reminder", message=body,
           now=now, key=key, ticket_id=ticket.id)
    if config.reminders.sms:
        _text_staff(session, audience, key=key, body=body, purpose="reminder", ticket=ticket, now=now)


def _breach(session: Session, deadline: Deadline, ticket: Ticket, *, now: datetime, config: Config) -> None:
    # Flagged until the clock is met: kpis count a missed, still-open clock as a miss.
    deadline.state = "missed"
    record_event(session, ticket, actor=ACTOR, action="overdue", now=now,
                 note=notices.text("breach", ref=ticket.reference, clock=notices.clock_name(deadline.clock),
                                   due=notices.when(deadline.due_at, config.app.timezone)),
                 data={"clock": deadline.clock, "due_at": deadline.due_at.isoformat()})


def _escalate(session: Session, deadline: Deadline, ticket: Ticket, action: Action, *, now: datetime,
              config: Config) -> None:
    audience = _audience(ticket, action.to or "city")
    body = notices.text("escalation", ref=ticket.reference, clock=notices.clock_name(deadline.clock),
                        due=notices.when(deadline.due_at, config.app.timezone),
                        audience=notices.audience_name(audience[0]))
    key = _key(deadline, "escalation", action.index)
    record_event(session, ticket, actor=ACTOR, action="escalate", now=now, note=body,
                 data={"clock": deadline.clock, "step": action.index, "to": audience[0],
                       "audience_code": audience[1]})
    notify(session, audience_type=audience[0], audience_code=audience[1], kind="escalation", message=body,
           now=now, key=key, ticket_id=ticket.id)
    if config.escalation.sms:
        _text_staff(session, audience, key=key, body=body, purpose="escalation", ticket=ticket, now=now)
