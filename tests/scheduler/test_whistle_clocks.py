"""吹哨报到 clocks: the summons, report-in and part-done reminders, breaches and the ladder, with literal times."""
from datetime import timedelta

from callbacks.sweep import sweep_whistles
from hotline.store.models import User, Whistle
from hotline.work import lifecycle as tickets, whistles
from tests.helpers import at
from tests.factories import dispatched
from tests.scheduler_helpers import (CHANGPING, CITY_PHONE, DISTRICT_PHONE, add_staff, done_reading, events,
                                     notifications, outbound, with_config)

NOW = at("2026-11-28 02:00")  # 10:00 in Beijing
H = timedelta(hours=1)
DEPT, DEPT_PHONE = "BJ-CGZF", "+8613900000009"


def whistled(db, session, now=NOW, services=None):
    """A general-class noise ticket at 回龙观街道, signed, and 城管执法 summoned at `now`."""
    services = services or db
    ticket = dispatched(session, services.core, now)
    add_staff(session, now, ticket.unit_code)
    session.add(User(username="cgzf", password_hash="x", role="department", unit_type="department",
                     unit_code=DEPT, phone=DEPT_PHONE, created_at=now))
    tickets.sign(session, ticket, actor="test", now=now)
    [w] = whistles.summon(session, ticket, summons=[(DEPT, "请到场核查夜间施工")], actor="user:1", now=now,
                          config=services.config)
    session.commit()
    return ticket, w


def row(session, w) -> Whistle:
    session.expire_all()
    return done_reading(session, session.get(Whistle, w.id))


def test_the_summoned_department_is_told_at_once_in_its_inbox_and_by_sms(db, session):
    ticket, w = whistled(db, session)

    [note] = notifications(session, kind="whistle")
    assert (note.audience_type, note.audience_code, note.created_at) == ("unit", DEPT, NOW)
    assert ticket.reference in note.message and "12:00" in note.message and "夜间施工" in note.message
    [sms] = outbound(session, purpose="whistle")
    assert sms.to == DEPT_PHONE and sms.body == note.message
    fresh = row(session, w)
    assert fresh.report_due_at == NOW + 2 * H and fresh.done_due_at == NOW + 7 * 24 * H


def test_report_in_reminders_at_half_and_four_fifths_of_the_two_hours(db, session):
    ticket, w = whistled(db, session)
    sweep_whistles(db, NOW)
    assert row(session, w).next_action_at == NOW + 1 * H

    sweep_whistles(db, NOW + 1 * H)
    sweep_whistles(db, NOW + timedelta(minutes=96))

    reminders = notifications(session, kind="reminder")
    assert [(n.audience_code, n.created_at) for n in reminders] == [(DEPT, NOW + H), (DEPT, NOW + timedelta(minutes=96))]
    assert "吹哨报到" in reminders[0].message
    assert [e.data["clock"] for e in events(session, ticket, "whistle_remind")] == ["report_in", "report_in"]
    assert [m.to for m in outbound(session, purpose="reminder")] == [DEPT_PHONE, DEPT_PHONE]
    assert row(session, w).next_action_at == NOW + 2 * H


def test_no_report_in_climbs_the_ladder_department_head_then_district_then_city(db, session):
    ticket, w = whistled(db, session)
    sweep_whistles(db, NOW)

    sweep_whistles(db, NOW + 2 * H)
    [overdue] = events(session, ticket, "whistle_overdue")
    first = events(session, ticket, "whistle_escalate")
    sweep_whistles(db, NOW + 4 * H)
    sweep_whistles(db, NOW + 10 * H)
    ladder = events(session, ticket, "whistle_escalate")

    assert overdue.at == NOW + 2 * H and overdue.data == {"whistle": w.id, "department": DEPT, "clock": "report_in",
                                                          "due_at": (NOW + 2 * H).isoformat()}
    assert [(e.data["to"], e.at) for e in first] == [("unit", NOW + 2 * H)]
    assert [(e.data["to"], e.data["audience_code"], e.at) for e in ladder] == [
        ("unit", DEPT, NOW + 2 * H), ("district", CHANGPING, NOW + 4 * H), ("city", None, NOW + 10 * H)]
    esc = notifications(session, kind="escalation")
    assert [(n.audience_type, n.audience_code) for n in esc] == [("unit", DEPT), ("district", CHANGPING), ("city", None)]
    assert [m.to for m in outbound(session, purpose="escalation")] == [DEPT_PHONE, DISTRICT_PHONE, CITY_PHONE]
    # The report-in clock is spent; the part-done clock's first reminder is next (half of 7 days).
    assert row(session, w).next_action_at == NOW + 84 * H


def test_reporting_in_stops_the_report_clock_and_the_part_done_clock_goes_on(db, session):
    ticket, w = whistled(db, session)
    sweep_whistles(db, NOW)
    tickets.report_in(session, session.get(Whistle, w.id), actor="user:9", now=NOW + timedelta(minutes=30))
    session.commit()

    sweep_whistles(db, NOW + 1 * H)  # the report-in reminder would have been due
    assert notifications(session, kind="reminder") == []

    sweep_whistles(db, NOW + 84 * H)
    [reminder] = events(session, ticket, "whistle_remind")
    assert reminder.data["clock"] == "part_done" and reminder.at == NOW + 84 * H
    assert "吹哨办结" in reminder.note
    assert row(session, w).next_action_at == NOW + timedelta(hours=134.4)


def test_a_missed_part_done_is_flagged_and_escalated_from_the_ticket_deadline(db, session):
    ticket, w = whistled(db, session)
    tickets.report_in(session, session.get(Whistle, w.id), actor="user:9", now=NOW + timedelta(minutes=10))
    session.commit()
    sweep_whistles(db, NOW)

    sweep_whistles(db, NOW + 168 * H)

    [overdue] = events(session, ticket, "whistle_overdue")
    assert overdue.data["clock"] == "part_done" and overdue.at == NOW + 168 * H
    # Only the last reminder that had come is sent after a long gap; the breach and first rung fire.
    assert events(session, ticket, "whistle_remind") == []
    assert [e.data["to"] for e in events(session, ticket, "whistle_escalate")] == ["unit"]
    assert row(session, w).next_action_at == NOW + 170 * H


def test_a_department_done_in_time_has_nothing_left_to_watch(db, session):
    ticket, w = whistled(db, session)
    tickets.report_done(session, session.get(Whistle, w.id), note="已处置", actor="user:9", now=NOW + 1 * H)
    session.commit()

    sweep_whistles(db, NOW + 1 * H)

    assert row(session, w).next_action_at is None
    assert notifications(session, kind="reminder") == []


def test_an_emergency_whistle_must_report_in_within_half_an_hour(db, session):
    ticket, w = whistled(db, session)
    ticket = session.merge(ticket)
    ticket.time_limit_class = "emergency"
    session.commit()
    svc = with_config(db, **{"whistles.report_hours": {"emergency": 0.5, "livelihood": 2, "general": 2,
                                                        "complex": 2}})
    [w2] = whistles.summon(session, ticket, summons=[("BJ-SWJ", "抢修")], actor="user:1", now=NOW + 1 * H,
                           config=svc.config)
    session.commit()
    assert row(session, w2).report_due_at == NOW + timedelta(minutes=90)

    assert sweep_whistles(svc, NOW + timedelta(minutes=90)) == 2
    overdue = [e for e in events(session, ticket, "whistle_overdue") if e.data["whistle"] == w2.id]
    assert [e.data["clock"] for e in overdue] == ["report_in"]
