"""An answered consultation gives the scheduler nothing to do: no reminder, no escalation, no follow-up."""
from datetime import timedelta

from callbacks.sweep import sweep_deadlines, sweep_outbox
from hotline.work import consult
from tests.helpers import at
from tests.factories import dispatched
from tests.scheduler_helpers import add_staff, events, notifications, outbound

NOW = at("2026-11-28 02:00")  # 10:00 in Beijing: outside quiet hours
H = timedelta(hours=1)


def test_sweeps_over_a_month_send_nothing_about_an_answered_consultation(db, session):
    question = "回龙观这边暖气费在哪里交"
    found = db.core.knowledge.answer(question, "zh")
    ticket = consult.record_answered_consult(session, question=question, answer=found, channel="sms", now=NOW,
                                             core=db.core, phone="13800138000", location="昌平区回龙观街道")
    control = dispatched(session, db.core, NOW, phone="13800138001")  # a complaint to the same township
    add_staff(session, NOW, control.unit_code)
    session.commit()

    for step in (0, 1, 2, 5, 30, 24 * 8, 24 * 30):
        sweep_deadlines(db, NOW + step * H)
        sweep_outbox(db, NOW + step * H)

    about_consult = [n for n in notifications(session) if n.ticket_id == ticket.id]
    assert about_consult == [] and events(session, ticket, "escalate") == []
    assert [m for m in outbound(session) if m.ticket_id == ticket.id] == []
    # The same sweeps did remind and escalate the complaint: the scheduler was working.
    assert any(n.ticket_id == control.id for n in notifications(session))
    assert events(session, control, "escalate")
