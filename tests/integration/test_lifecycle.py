"""The ticket lifecycle on both databases: every change audited, wrong moves refused by name."""
from datetime import timedelta

import pytest

from hotline.work import lifecycle as tickets
from hotline.errors import InvalidInput, InvalidTransition, WhistlesOutstanding
from hotline.work.intake import IntakeRequest, open_ticket
from tests.helpers import at

NOW = at("2026-11-28 02:00")


@pytest.fixture
def ticket(db, session):
    """A neighbourhood-noise complaint dispatched to 回龙观街道."""
    t, _ = open_ticket(session, IntakeRequest(text="楼上太吵了，天天噪音扰民", location="昌平区回龙观街道",
                                              phone="13800138000"), now=NOW, core=db.core)
    session.commit()
    assert t.status == "dispatched" and t.unit_type == "township", "fixture needs a township ticket"
    return t


def clock(ticket, name):
    return next(d for d in ticket.deadlines if d.clock == name)


def test_sign_contact_resolve_meets_each_clock_in_time(db, session, ticket):
    tickets.sign(session, ticket, actor="user:1", now=NOW + timedelta(minutes=30))
    tickets.contact(session, ticket, actor="user:1", now=NOW + timedelta(hours=5), note="电话联系了市民")
    tickets.resolve(session, ticket, resolution="已责令工地夜间停工", actor="user:1", now=NOW + timedelta(days=2))
    session.commit()
    assert ticket.status == "resolved"
    assert clock(ticket, "sign_for").state == "met"
    assert clock(ticket, "first_contact").state == "met"
    assert clock(ticket, "feedback").state == "met" and clock(ticket, "feedback").next_action_at is None
    # 回访 may start as soon as the answer is given.
    assert clock(ticket, "followup").next_action_at == NOW + timedelta(days=2)
    assert [e.action for e in ticket.events] == ["open", "dispatch", "sign", "contact", "resolve"]
    assert ticket.events[-1].from_status == "in_progress" and ticket.events[-1].to_status == "resolved"


def test_a_late_signature_is_recorded_as_missed(db, session, ticket):
    tickets.sign(session, ticket, actor="user:1", now=NOW + timedelta(hours=3))
    assert clock(ticket, "sign_for").state == "missed"
    assert clock(ticket, "sign_for").met_at == NOW + timedelta(hours=3)


def test_resolving_an_unsigned_ticket_is_refused_by_name(db, session, ticket):
    with pytest.raises(InvalidTransition, match="cannot resolve a ticket that is dispatched"):
        tickets.resolve(session, ticket, resolution="done", actor="user:1", now=NOW)


def test_a_return_needs_a_reason_and_puts_the_ticket_back_in_triage(db, session, ticket):
    with pytest.raises(InvalidInput):
        tickets.return_ticket(session, ticket, reason=" ", actor="user:1", now=NOW)
    tickets.return_ticket(session, ticket, reason="不属于本街道管辖", actor="user:1", now=NOW + timedelta(hours=1))
    assert ticket.status == "returned" and ticket.needs_triage and ticket.triage_reason == "returned"
    assert ticket.events[-1].note == "不属于本街道管辖"


def test_a_redispatch_gives_the_new_unit_a_full_sign_for_clock_but_keeps_the_citizens_deadline(
        db, session, ticket):
    tickets.return_ticket(session, ticket, reason="不属于本街道", actor="user:1", now=NOW + timedelta(hours=1))
    due_before = ticket.due_at
    tickets.dispatch(session, ticket, unit_type="township", unit_code="110105026", actor="user:2",
                     now=NOW + timedelta(hours=3), limits=db.config.time_limits)
    assert ticket.status == "dispatched" and ticket.unit_code == "110105026"
    assert clock(ticket, "sign_for").due_at == NOW + timedelta(hours=5)
    assert ticket.due_at == due_before == clock(ticket, "feedback").due_at
    assert ticket.events[-1].data["before"]["unit_code"] == "110114011"


def test_whistle_and_report_blocks_resolve_until_every_department_is_done(db, session, ticket):
    tickets.sign(session, ticket, actor="user:1", now=NOW)
    w_env, w_city = tickets.blow_whistle(
        session, ticket, actor="user:1", now=NOW + timedelta(hours=1),
        summons=[("GOV-110114", "请区政府协调"), (db.core.taxonomy.codes["OTH-GEN"].department_code, "请派人到场")])
    tickets.report_in(session, w_env, actor="user:7", now=NOW + timedelta(hours=2))
    tickets.report_done(session, w_env, note="已处理", actor="user:7", now=NOW + timedelta(hours=3))
    with pytest.raises(WhistlesOutstanding):
        tickets.resolve(session, ticket, resolution="已处理", actor="user:1", now=NOW + timedelta(hours=4))
    tickets.report_done(session, w_city, note="已到场", actor="user:8", now=NOW + timedelta(hours=5))
    tickets.resolve(session, ticket, resolution="已处理", actor="user:1", now=NOW + timedelta(hours=6))
    session.commit()
    assert ticket.status == "resolved"
    actions = [e.action for e in ticket.events]
    assert actions[-5:] == ["whistle", "report_in", "report_done", "report_done", "resolve"]


def test_a_supervisor_override_resolves_with_a_department_outstanding_and_says_so(db, session, ticket):
    tickets.sign(session, ticket, actor="user:1", now=NOW)
    tickets.blow_whistle(session, ticket, actor="user:1", now=NOW, summons=[("GOV-110114", "协调")])
    tickets.resolve(session, ticket, resolution="已处理", actor="user:9", now=NOW + timedelta(hours=1),
                    override_reason="部门已电话确认")
    assert ticket.status == "resolved"
    assert ticket.events[-1].data == {"override": "部门已电话确认", "outstanding": ["GOV-110114"]}


def test_only_a_township_blows_the_whistle(db, session):
    t, _ = open_ticket(session, IntakeRequest(text="拖欠工资三个月了", location="望京"), now=NOW, core=db.core)
    assert t.unit_type == "department"
    tickets.sign(session, t, actor="user:1", now=NOW)
    with pytest.raises(InvalidTransition):
        tickets.blow_whistle(session, t, actor="user:1", now=NOW, summons=[("GOV-110105", "协调")])


def test_a_followup_saying_not_solved_reopens_the_ticket(db, session, ticket):
    tickets.sign(session, ticket, actor="u", now=NOW)
    tickets.resolve(session, ticket, resolution="已处理", actor="u", now=NOW + timedelta(hours=1))
    tickets.record_followup(session, ticket, solved=False, satisfaction="unsatisfied", actor="citizen",
                            now=NOW + timedelta(days=1))
    assert ticket.status == "reopened" and ticket.followup_solved is False
    assert [e.action for e in ticket.events][-2:] == ["followup", "reopen"]
    tickets.contact(session, ticket, actor="u", now=NOW + timedelta(days=1, hours=1))
    assert ticket.status == "in_progress"


def test_a_satisfied_followup_then_close_stops_every_clock(db, session, ticket):
    tickets.sign(session, ticket, actor="u", now=NOW)
    tickets.resolve(session, ticket, resolution="已处理", actor="u", now=NOW + timedelta(hours=1))
    tickets.record_followup(session, ticket, solved=True, satisfaction="satisfied", actor="citizen",
                            now=NOW + timedelta(days=1))
    tickets.close(session, ticket, actor="system", now=NOW + timedelta(days=1))
    assert ticket.status == "closed" and ticket.closed_at == NOW + timedelta(days=1)
    assert all(d.next_action_at is None for d in ticket.deadlines)
    with pytest.raises(InvalidInput):
        tickets.record_followup(session, ticket, solved=True, satisfaction="meh", actor="c", now=NOW)


def test_a_duplicate_merged_into_its_master_stops_its_own_clocks(db, session, ticket):
    dup, _ = open_ticket(session, IntakeRequest(text="楼上太吵，噪音扰民", location="回龙观"), now=NOW, core=db.core)
    tickets.merge(session, dup, ticket, actor="user:3", now=NOW + timedelta(minutes=5))
    assert dup.status == "merged" and dup.master_id == ticket.id
    assert {d.clock for d in dup.deadlines if d.state == "pending"} == {"followup"}
    with pytest.raises(InvalidInput):
        tickets.merge(session, ticket, ticket, actor="user:3", now=NOW)


def test_a_note_stops_no_clock(db, session, ticket):
    tickets.add_note(session, ticket, note="已打电话未接通", actor="user:1", now=NOW)
    assert ticket.status == "dispatched"
    assert all(d.state == "pending" for d in ticket.deadlines)


def test_resolving_a_master_answers_every_ticket_merged_into_it(db, session, ticket):
    dup, _ = open_ticket(session, IntakeRequest(text="楼上太吵，噪音扰民", location="回龙观", phone="13900139000"),
                         now=NOW, core=db.core)
    tickets.merge(session, dup, ticket, actor="user:3", now=NOW + timedelta(minutes=5))
    tickets.sign(session, ticket, actor="u", now=NOW + timedelta(minutes=10))
    tickets.resolve(session, ticket, resolution="已约谈住户", actor="u", now=NOW + timedelta(hours=2))
    session.commit()
    assert dup.status == "resolved" and dup.resolution == "已约谈住户"
    # Each citizen still gets their own 回访.
    assert clock(dup, "followup").next_action_at == NOW + timedelta(hours=2)
    assert dup.events[-1].data == {"via_master": ticket.reference}
