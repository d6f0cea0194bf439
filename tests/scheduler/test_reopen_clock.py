"""Reopened means a new clock: a fresh feedback deadline from the reopening, a second 回访, both surveys counted."""
from datetime import timedelta

from callbacks.sweep import sweep_deadlines
from hotline.assessment import kpis
from hotline.clocks import followups
from hotline.store.models import Ticket
from hotline.work import lifecycle as tickets
from tests.helpers import at
from tests.factories import dispatched
from tests.scheduler_helpers import add_staff, done_reading, events

NOW = at("2026-11-28 02:00")  # 10:00 in Beijing
H = timedelta(hours=1)
ANSWERED = NOW + 24 * H  # 11-29 02:00
FIRST_SURVEY = ANSWERED + H  # 11-29 03:00: "not solved, unsatisfied"


def clocks(session, ticket):
    session.expire_all()
    t = session.get(Ticket, ticket.id)
    return done_reading(session, {d.clock: d for d in t.deadlines})


def reopened(db, session):
    ticket = dispatched(session, db.core, NOW)
    add_staff(session, NOW, ticket.unit_code)
    tickets.sign(session, ticket, actor="user:1", now=NOW + 0.5 * H)
    tickets.resolve(session, ticket, resolution="已协调施工方停工", actor="user:1", now=ANSWERED)
    session.commit()
    with db.session() as s:
        t = s.get(Ticket, ticket.id)
        assert followups.record_answers(s, t, solved=False, satisfaction="unsatisfied", now=FIRST_SURVEY,
                                        channel="sms", config=db.config)
    return ticket


def test_a_reopened_ticket_gets_a_new_feedback_deadline_from_the_reopening(db, session):
    ticket = reopened(db, session)

    c = clocks(session, ticket)
    # General class: 7 days from the reopening, not from the opening (12-05 02:00).
    assert (c["feedback"].starts_at, c["feedback"].due_at) == (FIRST_SURVEY, at("2026-12-06 03:00"))
    assert (c["feedback"].state, c["feedback"].met_at, c["feedback"].stage) == ("pending", None, 0)
    assert (c["followup"].state, c["followup"].stage, c["followup"].due_at) == ("pending", 0, at("2026-12-07 03:00"))
    assert session.get(Ticket, ticket.id).due_at == at("2026-12-06 03:00")
    session.commit()

    sweep_deadlines(db, FIRST_SURVEY)  # the new clock is planned: first reminder halfway (84 h)
    assert clocks(session, ticket)["feedback"].next_action_at == FIRST_SURVEY + 84 * H


def test_the_second_answer_starts_a_second_survey_and_both_count_in_their_own_month(db, session):
    ticket = reopened(db, session)
    second_answer = at("2026-12-02 02:00")
    with db.session() as s:
        tickets.resolve(s, s.get(Ticket, ticket.id), resolution="施工方已安装隔音屏", actor="user:1", now=second_answer)

    sweep_deadlines(db, second_answer)
    assert len(events(session, ticket, "answer_sent")) == 1  # the first answer was never swept in this test
    with db.session() as s:
        assert followups.record_answers(s, s.get(Ticket, ticket.id), solved=True, satisfaction="satisfied",
                                        now=at("2026-12-03 02:00"), channel="sms", config=db.config)

    cfg = db.config.assessment
    as_of = at("2026-12-31 00:00")
    nov = next(r for r in kpis.ranking(session, month="2026-11", unit_type="township", config=cfg, as_of=as_of)
               if r.unit.code == ticket.unit_code)
    dec = next(r for r in kpis.ranking(session, month="2026-12", unit_type="township", config=cfg, as_of=as_of)
               if r.unit.code == ticket.unit_code)
    session.commit()
    assert (nov.evaluated, nov.solved, nov.rated, nov.satisfied) == (1, 0, 1, 0)
    assert (dec.evaluated, dec.solved, dec.rated, dec.satisfied) == (1, 1, 1, 1)
    session.expire_all()
    t = session.get(Ticket, ticket.id)
    assert (t.status, t.followup_solved) == ("followed_up", True)
    assert [e.data["solved"] for e in events(session, ticket, "followup")] == [False, True]
