"""Follow-up (回访) work: the answer to the citizen, the survey by call then SMS, its answers and outcomes.

The follow-up clock's `stage` says where a ticket is; `attempts` counts survey calls:
  0 NEW        not looked at since the ticket was answered (tickets.resolve sets next_action_at = now)
  1 ANSWERED   the unit's answer went to the citizen by SMS; the survey starts at next_action_at
  2 CALLING    survey call n placed; at next_action_at, unanswered, call again or switch to SMS
  3 SMS_SOLVED the SMS asked "solved? 1 yes 2 no"; next_action_at is when we stop waiting
  4 SMS_SATISFIED  ... and then "satisfied? 1 / 2 basically / 3 not"
"""
from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from sqlalchemy import ScalarSelect, select, text
from sqlalchemy.orm import Session

from hotline.delivery import notices, outbox
from hotline.work import lifecycle as tickets
from hotline.config import Config, FollowupConfig
from hotline.errors import InvalidTransition
from hotline.store.models import (CLOCK_FOLLOWUP, CLOSED, FOLLOWED_UP, MERGED, RESOLVED, SMS_SURVEY_SQL, Deadline,
                            Ticket, TicketEvent)
from hotline.delivery.notifications import notify, staff_phones
from hotline.delivery.webhooks import WebhookUrls
from hotline.rules.schedule import is_quiet, quiet_until

NEW, ANSWERED, CALLING, SMS_SOLVED, SMS_SATISFIED = 0, 1, 2, 3, 4
ACTOR = "scheduler"


def followup_clock(ticket: Ticket) -> Deadline | None:
    """The ticket's follow-up clock."""
    return next((d for d in ticket.deadlines if d.clock == CLOCK_FOLLOWUP), None)


def _round(ticket: Ticket) -> str:
    # One survey per answer: a ticket answered again after a reopen gets fresh keys.
    return (ticket.resolved_at or ticket.opened_at).isoformat()


def advance_followup(session: Session, deadline: Deadline, *, now: datetime, config: Config,
                     webhooks: WebhookUrls) -> str:
    """Do the next follow-up step for a due follow-up clock; returns what was done (for logs and tests)."""
    ticket = deadline.ticket
    if deadline.state != "pending" or deadline.met_at is not None:
        deadline.next_action_at = None
        return "done"
    if ticket.status in (FOLLOWED_UP, CLOSED, MERGED):
        deadline.state, deadline.next_action_at = "cancelled", None
        return "cancelled"
    if ticket.status != RESOLVED:
        # The time limit passed without an answer: the feedback clock's ladder is chasing the unit, and
        # there is nothing yet to ask the citizen about. tickets.resolve wakes this clock again.
        deadline.next_action_at = None
        return "waiting_for_answer"
    fu = config.followup
    if deadline.stage == NEW:
        _send_answer(session, ticket, now=now)
        deadline.stage = ANSWERED
        deadline.next_action_at = now + timedelta(minutes=fu.delay_after_resolve_minutes)
        if deadline.next_action_at > now:
            return "answer_sent"
    if deadline.stage in (SMS_SOLVED, SMS_SATISFIED):
        return _give_up(session, deadline, ticket, now=now)
    phone = ticket.callback_phone
    if not phone:
        # A web-chat citizen without a phone evaluates in the chat; the scheduler cannot reach them.
        deadline.next_action_at = None
        tickets.record_event(session, ticket, actor=ACTOR, action="followup_skipped", now=now,
                             note="no phone number to follow up on")
        return "no_phone"
    qh = config.quiet_hours
    if is_quiet(now, qh.start, qh.end, config.app.timezone):
        deadline.next_action_at = quiet_until(now, qh.start, qh.end, config.app.timezone)
        return "quiet_hours"
    if fu.channel == "call" and deadline.attempts < fu.max_call_attempts:
        return _call(session, deadline, ticket, phone, now=now, config=config, webhooks=webhooks)
    return _ask_by_sms(session, deadline, ticket, phone, now=now, fu=fu)


def _send_answer(session: Session, ticket: Ticket, *, now: datetime) -> None:
    """The unit's answer to the citizen by SMS: the citizen is contacted when the unit answers."""
    if not ticket.callback_phone or not ticket.resolution:
        return
    body = notices.text("resolution", ticket.lang, ref=ticket.reference,
                        resolution=notices.short_resolution(ticket.resolution))
    msg = outbox.enqueue(session, key=f"answer:{ticket.id}:{_round(ticket)}", kind="sms", to=ticket.callback_phone,
                         body=body, purpose="answer", ticket_id=ticket.id,
                         urgent=ticket.time_limit_class == "emergency", now=now)
    if ticket.contacted_at is None:
        ticket.contacted_at = now
    tickets.record_event(session, ticket, actor=ACTOR, action="answer_sent", now=now,
                         data={"channel": "sms", "outbound_id": msg.id, "status": msg.status})


def _call(session: Session, deadline: Deadline, ticket: Ticket, phone: str, *, now: datetime,
          config: Config, webhooks: WebhookUrls) -> str:
    fu = config.followup
    deadline.attempts += 1
    outbox.enqueue(session, key=f"followup-call:{ticket.id}:{_round(ticket)}:{deadline.attempts}", kind="call",
                   to=phone, url=webhooks.followup_call(ticket.id), purpose="followup", ticket_id=ticket.id, now=now)
    deadline.stage = CALLING
    # Unanswered (or hung up half way) until then: try again, doubling the wait each time.
    deadline.next_action_at = now + timedelta(minutes=fu.call_retry_minutes * 2 ** (deadline.attempts - 1))
    tickets.record_event(session, ticket, actor=ACTOR, action="followup_call", now=now,
                         data={"attempt": deadline.attempts})
    return "called"


def _ask_by_sms(session: Session, deadline: Deadline, ticket: Ticket, phone: str, *, now: datetime,
                fu: FollowupConfig) -> str:
    msg = outbox.enqueue(session, key=f"followup-sms:{ticket.id}:{_round(ticket)}", kind="sms", to=phone,
                         body=notices.text("survey_solved", ticket.lang, ref=ticket.reference),
                         purpose="followup", ticket_id=ticket.id, now=now)
    if msg.status == "suppressed":
        return _give_up(session, deadline, ticket, now=now, reason="the citizen opted out of SMS")
    deadline.stage = SMS_SOLVED
    deadline.next_action_at = now + timedelta(hours=fu.sms_answer_hours)
    tickets.record_event(session, ticket, actor=ACTOR, action="followup_sms", now=now)
    return "sms_sent"


def _give_up(session: Session, deadline: Deadline, ticket: Ticket, *, now: datetime,
             reason: str = "no answer to the follow-up") -> str:
    """Nobody answered: the follow-up counts as missed and the ticket is closed without an evaluation."""
    deadline.state, deadline.next_action_at = "missed", None
    tickets.record_event(session, ticket, actor=ACTOR, action="followup_unanswered", now=now, note=reason,
                         data={"calls": deadline.attempts})
    tickets.close(session, ticket, actor=ACTOR, now=now)
    return "gave_up"


# -- answers ------------------------------------------------------------------------------------

_YES = ("1", "是", "已解决", "解决了", "解决", "yes", "y", "solved")
_NO = ("2", "否", "未解决", "没解决", "没有解决", "不是", "没有", "no", "n", "not solved")
_SATISFACTION = (("unsatisfied", ("3", "不满意", "unsatisfied", "not satisfied", "no")),
                 ("basically", ("2", "基本满意", "basically", "basically satisfied", "ok")),
                 ("satisfied", ("1", "满意", "非常满意", "satisfied", "yes")))


def _normal(body: str) -> str:
    # NFKC turns full-width digits (１) into 1; punctuation around a short answer does not matter.
    return unicodedata.normalize("NFKC", body or "").strip().strip("。.!！ ").lower()


def parse_solved(body: str) -> bool | None:
    """"1"/"是"/"yes" -> True, "2"/"未解决"/"no" -> False, anything else -> None."""
    answer = _normal(body)
    if answer in _NO:
        return False
    if answer in _YES:
        return True
    return None


def parse_satisfaction(body: str) -> str | None:
    """"1"/"满意" -> satisfied, "2"/"基本满意" -> basically, "3"/"不满意" -> unsatisfied, else None."""
    answer = _normal(body)
    for value, words in _SATISFACTION:
        if answer in words:
            return value
    return None


def record_answers(session: Session, ticket: Ticket, *, solved: bool, satisfaction: str, now: datetime,
                   channel: str, config: Config | None = None) -> bool:
    """Store both answers for the three rates; "not solved" reopens and tells the unit. False if already done."""
    try:
        tickets.record_followup(session, ticket, solved=solved, satisfaction=satisfaction, actor="citizen", now=now,
                                limits=config.time_limits if config else None)
    except InvalidTransition:
        return False  # answered already (by voice and SMS, or twice): the first answer stands
    tickets.record_event(session, ticket, actor="citizen", action="followup_channel", now=now,
                         data={"channel": channel})
    if not solved:
        _tell_unit_reopened(session, ticket, now=now, sms=config.reminders.sms if config else True)
    return True


def _tell_unit_reopened(session: Session, ticket: Ticket, *, now: datetime, sms: bool) -> None:
    body = notices.text("reopened", ref=ticket.reference)
    audience = ("unit", ticket.unit_code) if ticket.unit_code else ("city", None)
    key = f"reopened:{ticket.id}:{now.isoformat()}"
    notify(session, audience_type=audience[0], audience_code=audience[1], kind="reopened", message=body,
           now=now, key=key, ticket_id=ticket.id)
    if sms:
        for phone in staff_phones(session, *audience):
            outbox.enqueue(session, key=f"{key}:{phone}", kind="sms", to=phone, body=body, purpose="reopened",
                           ticket_id=ticket.id, now=now)


# answer_from_sms's pending_id when the caller has not looked (it looks itself).
LOOK_UP = object()


def _pending(what, phone):
    # The number's resolved tickets first (ix_tickets_callback_phone), then their follow-up clock: left to a join,
    # SQLite's planner walked every ticket's follow-up clock, each SMS 2 ms slower per thousand tickets.
    theirs = select(Ticket.id).where(Ticket.callback_phone == phone, Ticket.status == RESOLVED)
    # SMS_SURVEY_SQL repeated literally so PostgreSQL can use the partial index ix_deadlines_sms_survey.
    return (select(what).where(text(SMS_SURVEY_SQL), Deadline.ticket_id.in_(theirs))
            .order_by(Deadline.next_action_at.desc()).limit(1))


def pending_sms_survey(session: Session, phone: str) -> Deadline | None:
    """The follow-up waiting for an SMS answer from this number, latest first."""
    return session.scalars(_pending(Deadline, phone)).first()


def pending_sms_survey_id(phone) -> ScalarSelect:
    """The same follow-up's id as a subquery (phone: a number or a bind parameter), for a caller that asks it with
    a statement it makes anyway."""
    return _pending(Deadline.id, phone).scalar_subquery()


def answer_from_sms(session: Session, *, phone: str, body: str, now: datetime,
                    config: Config | None = None, pending_id=LOOK_UP) -> str | None:
    """If this number owes an answer to a follow-up survey, record it and return the reply; else None.

    The SMS channel calls this before the dialogue. A long message that is no answer is left to the
    dialogue (it may be a new complaint); a short one gets the question again. `pending_id` is what
    pending_sms_survey_id answered (None: nothing pending), when the caller asked already.
    """
    if pending_id is LOOK_UP:
        deadline = pending_sms_survey(session, phone)
    else:
        deadline = session.get(Deadline, pending_id) if pending_id is not None else None
    if deadline is None:
        return None
    ticket = deadline.ticket
    lang = ticket.lang
    if deadline.stage == SMS_SOLVED:
        solved = parse_solved(body)
        if solved is None:
            return notices.text("survey_solved", lang, ref=ticket.reference) if len(_normal(body)) <= 4 else None
        tickets.record_event(session, ticket, actor="citizen", action="followup_answer", now=now,
                             data={"question": "solved", "answer": solved, "channel": "sms"})
        deadline.stage = SMS_SATISFIED
        window = timedelta(hours=(config.followup if config else FollowupConfig()).sms_answer_hours)
        deadline.next_action_at = max(deadline.next_action_at or now, now + window)
        return notices.text("survey_satisfied", lang)
    satisfaction = parse_satisfaction(body)
    if satisfaction is None:
        return notices.text("survey_satisfied", lang) if len(_normal(body)) <= 4 else None
    solved = _solved_answer(session, ticket)
    record_answers(session, ticket, solved=solved, satisfaction=satisfaction, now=now, channel="sms", config=config)
    return notices.text("survey_thanks" if solved else "survey_reopened", lang, ref=ticket.reference)


def _solved_answer(session: Session, ticket: Ticket) -> bool:
    """The citizen's answer to the first question, kept as a ticket event."""
    q = (select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.action == "followup_answer")
         .order_by(TicketEvent.id.desc()).limit(1))
    event = session.scalars(q).first()
    return bool(event.data.get("answer")) if event is not None else False
