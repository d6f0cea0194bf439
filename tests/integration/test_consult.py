"""Consultations answered from the knowledge base: closed at once, never dispatched, counted as the config says."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from hotline.assessment import kpis
from hotline.errors import InvalidTransition
from hotline.store.models import Conversation, Deadline, Message, OutboundMessage, Ticket, TicketEvent
from hotline.work import consult, lifecycle
from hotline.work.intake import IntakeRequest, open_ticket
from tests.helpers import at
from tests.factories import H, WANGJING, walk

NOW = at("2026-11-10 02:00")
CHAOYANG = "110105"


def _answered(session, core, question="请问暖气费在哪里交", *, location="朝阳区望京街道", now=NOW, **kw):
    found = core.knowledge.answer(question, "zh")
    assert found is not None, question
    return consult.record_answered_consult(session, question=question, answer=found, channel=kw.pop("channel", "sms"),
                                           now=now, core=core, phone="13800138000", location=location, **kw)


def _actions(session, ticket):
    return list(session.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == ticket.id)
                                .order_by(TicketEvent.id)))


def test_an_answered_question_is_a_consult_ticket_closed_at_once_and_never_dispatched(session, db):
    t = _answered(session, db.core)
    session.commit()
    assert (t.kind, t.status, t.answered_by_hotline, t.knowledge_entry) == ("consult", "closed", True, "heating-fee")
    assert (t.unit_type, t.unit_code, t.needs_triage, t.triage_reason, t.master_id) == ("city", None, False, None, None)
    assert t.township_code == WANGJING  # where the question was about is kept for the hotspots
    assert t.resolution == db.core.knowledge.get("heating-fee").answer["zh"]
    assert _actions(session, t) == ["open", "answer", "close"]
    answer = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id,
                                                       TicketEvent.action == "answer")).one()
    assert answer.data == {"knowledge_entry": "heating-fee"} and answer.to_status == "resolved"


def test_an_answered_consultation_leaves_no_clock_for_the_scheduler(session, db):
    t = _answered(session, db.core)
    session.commit()
    clocks = {d.clock: (d.state, d.next_action_at) for d in session.scalars(select(Deadline)
                                                                             .where(Deadline.ticket_id == t.id))}
    assert clocks == {"sign_for": ("met", None), "first_contact": ("met", None), "feedback": ("met", None),
                      "followup": ("cancelled", None)}


def test_the_same_message_twice_is_recorded_once(session, db):
    first = _answered(session, db.core, external_id="SM-kb-1")
    again = _answered(session, db.core, external_id="SM-kb-1")
    session.commit()
    assert first.id == again.id
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_an_answered_consultation_is_not_linked_to_a_similar_complaint(session, db):
    complaint, _ = open_ticket(session, IntakeRequest(text="请问暖气费在哪里交，家里暖气不热", location="朝阳区望京街道",
                                                      phone="13900000000"), now=NOW, core=db.core)
    t = _answered(session, db.core, now=NOW + H)
    session.commit()
    assert complaint.is_open and t.master_id is None


def test_when_the_answer_did_not_help_the_consultation_waits_for_an_agent(session, db):
    t = _answered(session, db.core)
    consult.hand_consult_to_agent(session, t, now=NOW + H)
    consult.hand_consult_to_agent(session, t, now=NOW + 2 * H)  # a repeated key press changes nothing
    session.commit()
    assert (t.status, t.needs_triage, t.triage_reason, t.answered_by_hotline) == ("reopened", True, "consult", False)
    assert _actions(session, t) == ["open", "answer", "close", "reopen"]
    complaint = walk(session, db.core, opened=NOW)
    with pytest.raises(InvalidTransition):
        consult.hand_consult_to_agent(session, complaint, now=NOW)


def test_an_agent_sends_an_entrys_answer_by_sms_once_and_the_waiting_consultation_closes(session, db):
    t, _ = open_ticket(session, IntakeRequest(text="咨询一下那个事情", kind="consult", phone="13800138000",
                                              channel="voice"), now=NOW, core=db.core)
    assert t.status == "new" and t.needs_triage
    entry = db.core.knowledge.get("hf-withdraw-rent")
    sent = consult.send_knowledge_answer(session, t, entry, actor="user:7", now=NOW + H, key="k1")
    again = consult.send_knowledge_answer(session, t, entry, actor="user:7", now=NOW + H, key="k1")
    session.commit()
    assert (sent.channel, sent.status, sent.closed) == ("sms", "queued", True) and again.channel == "sms"
    [sms] = session.scalars(select(OutboundMessage).where(OutboundMessage.ticket_id == t.id)).all()
    assert (sms.to, sms.body, sms.purpose) == ("+8613800138000", entry.sms["zh"], "reply")
    assert (t.status, t.answered_by_hotline, t.knowledge_entry, t.needs_triage) == ("closed", True, entry.id, False)
    assert _actions(session, t) == ["open", "knowledge_answer", "answer", "close"]


def test_an_answer_for_a_web_chat_is_posted_in_the_chat_and_a_complaint_stays_with_its_unit(session, db):
    conv = Conversation(channel="web", external_id="chat-kb", status="handed_off", state={}, created_at=NOW,
                        updated_at=NOW)
    session.add(conv)
    session.flush()
    t, _ = open_ticket(session, IntakeRequest(text="望京街道小区楼上噪音扰民，想问垃圾怎么分类", channel="web",
                                              location="朝阳区望京街道", conversation_id=conv.id),
                       now=NOW, core=db.core)
    assert t.status == "dispatched"
    sent = consult.send_knowledge_answer(session, t, db.core.knowledge.get("waste-four-types"), actor="user:7",
                                         now=NOW + H, key="k2")
    session.commit()
    assert (sent.channel, sent.closed) == ("chat", False)
    [msg] = session.scalars(select(Message).where(Message.conversation_id == conv.id)).all()
    answer = db.core.knowledge.get("waste-four-types").answer["zh"]
    assert (msg.direction, msg.sender, msg.body) == ("out", "agent", answer)
    assert t.status == "dispatched" and not t.answered_by_hotline  # the unit still owes its answer


def test_a_closed_ticket_gets_no_more_answers(session, db):
    t = _answered(session, db.core)
    with pytest.raises(InvalidTransition):
        consult.send_knowledge_answer(session, t, db.core.knowledge.get("heating-fee"), actor="user:7", now=NOW,
                                      key="k3")


def test_an_agents_direct_answer_at_intake_is_the_hotlines_own_work_too(session, db):
    t, _ = open_ticket(session, IntakeRequest(text="有个事情想咨询", kind="consult", phone="13800138000"),
                       now=NOW, core=db.core)
    lifecycle.answer_directly(session, t, answer="已电话答复", actor="user:7", now=NOW + H)
    assert t.answered_by_hotline and t.knowledge_entry is None and t.status == "resolved"


# ---------------------------------------------------------------- the rates, computed by hand

def _district(session, config, count: bool):
    cfg = dataclasses.replace(config, count_answered_consults=count)
    [row] = kpis.ranking(session, month="2026-11", unit_type="district", config=cfg, as_of=at("2026-12-20 00:00"),
                         only_unit=CHAOYANG)
    return row, cfg


def test_the_rates_count_answered_consultations_only_when_the_config_says_so(session, db):
    core, cfg = db.core, db.config.assessment
    assert cfg.count_answered_consults is False  # the shipped default
    walk(session, core, opened=at("2026-11-05 00:00"), sign=1 * H, contact=5 * H)   # responded in time
    walk(session, core, opened=at("2026-11-06 00:00"))                              # never signed: a miss
    _answered(session, core, now=at("2026-11-07 00:00"))
    _answered(session, core, "电动车怎么上牌", now=at("2026-11-08 00:00"))
    session.commit()

    # Left out (default): 1 responded of 2 due in 朝阳区.
    row, off = _district(session, cfg, count=False)
    assert (row.due, row.responded, row.response_rate) == (2, 1, pytest.approx(0.5))
    # Counted: both consultations were answered at once, so 3 of 4.
    row, on = _district(session, cfg, count=True)
    assert (row.due, row.responded, row.response_rate) == (4, 3, pytest.approx(0.75))
    # The orders behind each figure follow the same switch.
    behind = kpis.orders_behind(month="2026-11", unit_type="district", unit_code=CHAOYANG, measure="due",
                                config=on, as_of=at("2026-12-20 00:00"))
    assert sum(1 for t in session.scalars(behind) if t.kind == "consult") == 2
    # No township ever held them: 望京's own rate is the same either way.
    for c in (off, on):
        [wj] = kpis.ranking(session, month="2026-11", unit_type="township", config=c, as_of=at("2026-12-20 00:00"),
                            only_unit=WANGJING)
        assert (wj.due, wj.responded) == (2, 1)
    first_contact = {c.clock: c for c in kpis.clock_compliance(session, month="2026-11", config=off,
                                                              as_of=at("2026-12-20 00:00"))}["first_contact"]
    assert first_contact.due == 2
    assert any("answered itself" in line for line in kpis.describe(off))
