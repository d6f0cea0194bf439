"""Reminders and the escalation ladder, swept with an injected clock on SQLite and PostgreSQL."""
from datetime import timedelta

from callbacks.sweep import sweep_deadlines, sweep_outbox
from hotline.work import lifecycle as tickets
from hotline.store.models import Deadline
from tests.factories import CHANGPING, dispatched
from tests.helpers import at
from tests.scheduler_helpers import (CITY_PHONE, DISTRICT_PHONE, HANDLER_PHONE, add_staff, done_reading, events,
                                     notifications, outbound, with_config)

NOW = at("2026-11-28 02:00")  # 10:00 in Beijing: outside quiet hours
H = timedelta(hours=1)


def clock(session, ticket, name) -> Deadline:
    session.expire_all()
    return done_reading(session, next(d for d in ticket.deadlines if d.clock == name))


def opened(db, session, now=NOW):
    ticket = dispatched(session, db.core, now)
    add_staff(session, now, ticket.unit_code)
    session.commit()
    return ticket


def test_a_new_clock_is_planned_for_its_first_reminder_halfway_to_its_deadline(db, session):
    ticket = opened(db, session)

    sweep_deadlines(db, NOW)

    sign_for = clock(session, ticket, "sign_for")  # 2 hours for a general complaint
    assert sign_for.stage == 1 and sign_for.next_action_at == NOW + 1 * H
    feedback = clock(session, ticket, "feedback")  # 7 days
    assert feedback.next_action_at == NOW + 84 * H
    assert notifications(session) == []


def test_reminders_at_half_and_four_fifths_reach_the_unit_in_the_console_and_by_sms(db, session):
    ticket = opened(db, session)
    sweep_deadlines(db, NOW)

    sweep_deadlines(db, NOW + 1 * H)
    first = notifications(session, kind="reminder")
    sweep_deadlines(db, NOW + timedelta(minutes=96))
    both = notifications(session, kind="reminder")

    assert len(first) == 1 and len(both) == 2
    assert {(n.audience_type, n.audience_code) for n in both} == {("unit", ticket.unit_code)}
    assert ticket.reference in both[0].message and "签收" in both[0].message
    sms = outbound(session, purpose="reminder")
    # Only the handler with a phone is texted, once per reminder.
    assert [m.to for m in sms] == [HANDLER_PHONE, HANDLER_PHONE]
    assert clock(session, ticket, "sign_for").next_action_at == NOW + 2 * H


def test_reminder_sms_go_out_through_the_outbox(db, session):
    opened(db, session)
    sweep_deadlines(db, NOW)
    sweep_deadlines(db, NOW + 1 * H)

    sent = sweep_outbox(db, NOW + 1 * H)

    assert sent == 1
    [msg] = outbound(session, purpose="reminder")
    assert msg.status == "dev" and msg.provider_sid.startswith("DEV") and msg.attempts == 1
    assert db.telephony.sent[-1]["to"] == HANDLER_PHONE


def test_a_missed_sign_for_is_flagged_and_escalated_to_the_district_supervisor(db, session):
    ticket = opened(db, session)
    sweep_deadlines(db, NOW)

    sweep_deadlines(db, NOW + 2 * H)

    sign_for = clock(session, ticket, "sign_for")
    assert sign_for.state == "missed" and sign_for.met_at is None and sign_for.next_action_at is None
    [overdue] = events(session, ticket, "overdue")
    assert overdue.data["clock"] == "sign_for"
    [step] = events(session, ticket, "escalate")
    assert step.data == {"clock": "sign_for", "step": 0, "to": "district", "audience_code": CHANGPING}
    [note] = notifications(session, kind="escalation")
    assert (note.audience_type, note.audience_code) == ("district", CHANGPING)
    assert [m.to for m in outbound(session, purpose="escalation")] == [DISTRICT_PHONE]
    # A reminder that came and went while nobody swept is not sent after the breach.
    assert notifications(session, kind="reminder") == []


def test_a_missed_feedback_climbs_unit_then_district_then_city_with_the_configured_delays(db, session):
    ticket = opened(db, session)
    tickets.sign(session, ticket, actor="user:1", now=NOW + 0.5 * H)
    tickets.contact(session, ticket, actor="user:1", now=NOW + 1 * H)
    session.commit()
    due = NOW + 168 * H
    sweep_deadlines(db, NOW + 1 * H)

    audiences = []
    for moment in (due, due + 3 * H, due + 4 * H, due + 23 * H, due + 24 * H, due + 100 * H):
        sweep_deadlines(db, moment)
        audiences.append([(n.audience_type, n.audience_code) for n in notifications(session, kind="escalation")])

    assert audiences == [
        [("unit", ticket.unit_code)],
        [("unit", ticket.unit_code)],
        [("unit", ticket.unit_code), ("district", CHANGPING)],
        [("unit", ticket.unit_code), ("district", CHANGPING)],
        [("unit", ticket.unit_code), ("district", CHANGPING), ("city", None)],
        [("unit", ticket.unit_code), ("district", CHANGPING), ("city", None)],
    ]
    assert [e.data["to"] for e in events(session, ticket, "escalate")] == ["unit", "district", "city"]
    feedback = clock(session, ticket, "feedback")
    # Still flagged as missed while the ticket is open: the assessment counts it as a miss.
    assert feedback.state == "missed" and feedback.met_at is None
    assert sorted(m.to for m in outbound(session, purpose="escalation")) == sorted(
        [HANDLER_PHONE, DISTRICT_PHONE, CITY_PHONE])


def test_a_late_answer_stays_a_miss_and_stops_the_ladder(db, session):
    ticket = opened(db, session)
    tickets.sign(session, ticket, actor="user:1", now=NOW + 0.5 * H)
    session.commit()
    sweep_deadlines(db, NOW + 168 * H)

    tickets.resolve(session, ticket, resolution="已处理", actor="user:1", now=NOW + 170 * H)
    session.commit()
    sweep_deadlines(db, NOW + 200 * H)

    assert clock(session, ticket, "feedback").state == "missed"
    assert [e.data["to"] for e in events(session, ticket, "escalate") if e.data["clock"] == "feedback"] == ["unit"]


def test_after_days_of_downtime_one_late_reminder_is_sent_not_every_one_missed(db, session):
    ticket = opened(db, session)
    sweep_deadlines(db, NOW)

    sweep_deadlines(db, NOW + timedelta(minutes=110))  # past 50% and 80%, before the deadline

    [note] = notifications(session, kind="reminder")
    assert note.idempotency_key.split(":")[2] == "1"  # the 80% reminder
    assert clock(session, ticket, "sign_for").next_action_at == NOW + 2 * H


def test_every_rung_that_came_while_the_scheduler_was_down_is_climbed_at_restart(db, session):
    ticket = opened(db, session)
    tickets.sign(session, ticket, actor="user:1", now=NOW + 0.5 * H)
    session.commit()

    tickets.contact(session, ticket, actor="user:1", now=NOW + 1 * H)
    session.commit()

    sweep_deadlines(db, NOW + 168 * H + 30 * H)

    assert [e.data["to"] for e in events(session, ticket, "escalate")] == ["unit", "district", "city"]
    assert len(notifications(session, kind="escalation")) == 3


def test_sweeping_the_same_moment_twice_fires_nothing_twice(db, session):
    opened(db, session)
    sweep_deadlines(db, NOW)
    sweep_deadlines(db, NOW + 2 * H)
    before = (len(notifications(session)), len(outbound(session)))

    sweep_deadlines(db, NOW + 2 * H)

    assert (len(notifications(session)), len(outbound(session))) == before


def test_a_clock_met_in_time_sends_no_more_reminders(db, session):
    ticket = opened(db, session)
    sweep_deadlines(db, NOW)
    tickets.sign(session, ticket, actor="user:1", now=NOW + 0.5 * H)
    session.commit()

    sweep_deadlines(db, NOW + 3 * H)

    assert [n for n in notifications(session) if "签收" in n.message] == []
    assert clock(session, ticket, "sign_for").state == "met"


def test_a_ticket_given_to_another_unit_gets_fresh_sign_for_reminders(db, session):
    ticket = opened(db, session)
    sweep_deadlines(db, NOW)
    sweep_deadlines(db, NOW + 1 * H)
    session.expire_all()  # the web process reads the ticket afresh
    tickets.return_ticket(session, ticket, reason="不归我们管", actor="user:1", now=NOW + 1.5 * H)
    tickets.dispatch(session, ticket, unit_type="township", unit_code="110114010", actor="user:2",
                     now=NOW + 2 * H, limits=db.config.time_limits)
    session.commit()

    sweep_deadlines(db, NOW + 2 * H)  # the restarted clock is planned again
    sweep_deadlines(db, NOW + 3 * H)

    reminders = notifications(session, kind="reminder")
    assert [n.audience_code for n in reminders] == ["110114011", "110114010"]
    assert clock(session, ticket, "sign_for").next_action_at == NOW + timedelta(minutes=216)


def test_fractions_and_the_ladder_come_from_config(db, session):
    svc = with_config(db, **{"reminders.fractions": [0.25], "escalation.sign_for": [{"to": "city", "after_hours": 1}]})
    ticket = opened(svc, session)
    sweep_deadlines(svc, NOW)

    sweep_deadlines(svc, NOW + 0.5 * H)
    sweep_deadlines(svc, NOW + 2 * H)
    sweep_deadlines(svc, NOW + 3 * H)

    assert len([n for n in notifications(session, kind="reminder") if "签收" in n.message]) == 1
    [step] = [e for e in events(session, ticket, "escalate") if e.data["clock"] == "sign_for"]
    assert step.at == NOW + 3 * H and step.data["to"] == "city"


def test_an_emergency_reminder_is_urgent_so_it_may_go_out_in_quiet_hours(db, session):
    night = at("2026-11-28 15:00")  # 23:00 in Beijing
    ticket = dispatched(session, db.core, night, text="小区里燃气泄漏，味道很大", service_code="EMG-GAS")
    add_staff(session, night, ticket.unit_code)
    session.commit()
    sweep_deadlines(db, night)

    sweep_deadlines(db, night + timedelta(minutes=8))  # half of a 15-minute sign-for clock
    sweep_outbox(db, night + timedelta(minutes=8))

    [msg] = outbound(session, purpose="reminder")
    assert msg.urgent and msg.status == "dev"
