"""The two clocks of a whistle, swept like the ticket's: report in (报到) and part done, reminders then the ladder."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hotline.config import Config
from hotline.delivery import notices, outbox
from hotline.delivery.notifications import notify, staff_phones
from hotline.rules.schedule import BREACH, ESCALATE, REMIND, Action, clock_actions, step
from hotline.store.models import Ticket, Whistle
from hotline.work.lifecycle import record_event
from hotline.work.whistles import department_name

ACTOR = "scheduler"
REPORT_IN, PART_DONE = "report_in", "part_done"
CLOCKS = (REPORT_IN, PART_DONE)


def _span(whistle: Whistle, clock: str) -> tuple[datetime, datetime | None, datetime | None]:
    """(starts, due, met) of one clock of the whistle."""
    if clock == REPORT_IN:
        return whistle.blown_at, whistle.report_due_at, whistle.reported_at
    return whistle.blown_at, whistle.done_due_at, whistle.done_at


def plan(whistle: Whistle, clock: str, config: Config) -> list[Action]:
    """Reminders, the breach and the ladder of one whistle clock, from config."""
    starts, due, _ = _span(whistle, clock)
    if due is None:
        return []
    return clock_actions(starts, due, config.whistles.fractions, config.whistles.ladder)


def state(whistle: Whistle, clock: str, now: datetime) -> str:
    """pending | met | missed for one clock (late is missed; a clock still open past its due is missed)."""
    _, due, met = _span(whistle, clock)
    if due is None:
        return "met" if met else "pending"
    if met is not None:
        return "met" if met <= due else "missed"
    return "missed" if now > due else "pending"


def advance_whistle(session: Session, whistle: Whistle, *, now: datetime, config: Config) -> list[Action]:
    """Fire what has come for both clocks of a whistle and set when to look again."""
    ticket = whistle.ticket
    fired: list[Action] = []
    next_times: list[datetime] = []
    for clock in CLOCKS:
        _, _, met = _span(whistle, clock)
        if met is not None or not ticket.is_open:
            continue  # reported in / done, or the ticket no longer needs anybody
        stage_attr = "report_stage" if clock == REPORT_IN else "done_stage"
        result = step(plan(whistle, clock, config), getattr(whistle, stage_attr), now)
        for action in result.fire:
            _fire(session, whistle, ticket, clock, action, now=now, config=config)
        setattr(whistle, stage_attr, result.done)
        fired += result.fire
        if result.next_at is not None:
            next_times.append(result.next_at)
    whistle.next_action_at = min(next_times) if next_times else None
    return fired


def _audience(whistle: Whistle, ticket: Ticket, to: str) -> tuple[str, str | None]:
    """unit = the summoned department (its head); a missing district goes up to the city."""
    if to == "unit":
        return "unit", whistle.department_code
    if to == "district" and ticket.district_code:
        return "district", ticket.district_code
    return "city", None


def _fire(session: Session, whistle: Whistle, ticket: Ticket, clock: str, action: Action, *, now: datetime,
          config: Config) -> None:
    _, due, _ = _span(whistle, clock)
    values = dict(ref=ticket.reference, clock=notices.clock_name(clock),
                  department=department_name(session, whistle.department_code),
                  due=notices.when(due, config.app.timezone))
    key = f"whistle-{action.kind}:{whistle.id}:{clock}:{action.index}"
    data = {"whistle": whistle.id, "department": whistle.department_code, "clock": clock}
    if action.kind == REMIND:
        body = notices.text("whistle_reminder", **values)
        audience, kind, event = ("unit", whistle.department_code), "reminder", "whistle_remind"
    elif action.kind == BREACH:
        body = notices.text("whistle_breach", **values)
        audience, kind, event = ("unit", whistle.department_code), "breach", "whistle_overdue"
        data["due_at"] = due.isoformat()
    else:
        audience = _audience(whistle, ticket, action.to or "city")
        body = notices.text("whistle_escalation", audience=notices.audience_name(audience[0]), **values)
        kind, event = "escalation", "whistle_escalate"
        data.update(step=action.index, to=audience[0], audience_code=audience[1])
    record_event(session, ticket, actor=ACTOR, action=event, now=now, note=body, data=data)
    notify(session, audience_type=audience[0], audience_code=audience[1], kind=kind, message=body, now=now,
           key=key, ticket_id=ticket.id)
    if config.whistles.sms and action.kind != BREACH:  # the breach is the console flag; the ladder texts
        for phone in staff_phones(session, *audience):
            outbox.enqueue(session, key=f"{key}:{phone}", kind="sms", to=phone, body=body,
                           purpose="reminder" if action.kind == REMIND else "escalation", ticket_id=ticket.id,
                           urgent=ticket.time_limit_class == "emergency", now=now)
