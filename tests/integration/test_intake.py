"""open_ticket on SQLite and PostgreSQL: routing, clocks, references, idempotency, similar linking."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.errors import InvalidInput, InvalidPhone, UnknownServiceCode
from hotline.work.intake import IntakeRequest, open_ticket
from hotline.store.models import Citizen, Deadline, Ticket, TicketEvent
from tests.helpers import at

NOW = at("2026-11-28 02:00")  # 10:00 in Beijing


def open_(db, session, now=NOW, **kw):
    kw.setdefault("channel", "api")
    ticket, created = open_ticket(session, IntakeRequest(**kw), now=now, core=db.core)
    session.commit()
    return ticket, created


def test_a_gas_leak_is_an_emergency_due_in_two_hours(db, session):
    ticket, created = open_(db, session, text="楼道里有很浓的煤气味，怀疑燃气泄漏", location="朝阳区望京街道",
                            phone="13800138000")
    assert created
    assert ticket.group == "emergency" and ticket.time_limit_class == "emergency"
    assert ticket.due_at == at("2026-11-28 04:00")
    assert ticket.reference.isdigit() and len(ticket.reference) == 10
    assert ticket.citizen.phone == "+8613800138000"


def test_a_local_matter_with_a_known_township_is_dispatched_straight_to_it(db, session):
    code = next(c for c in db.core.taxonomy.codes.values() if c.handler_type == "township")
    ticket, _ = open_(db, session, text="有问题需要处理", service_code=code.code, location="回龙观")
    assert ticket.status == "dispatched" and not ticket.needs_triage
    assert (ticket.unit_type, ticket.unit_code) == ("township", "110114011")
    assert ticket.district_code == "110114"
    actions = [e.action for e in ticket.events]
    assert actions == ["open", "dispatch"]


def test_a_local_matter_with_only_a_district_goes_to_the_district_government(db, session):
    code = next(c for c in db.core.taxonomy.codes.values() if c.handler_type == "township")
    ticket, _ = open_(db, session, text="有问题需要处理", service_code=code.code, location="海淀区")
    assert (ticket.unit_type, ticket.unit_code) == ("department", "GOV-110108")


def test_a_local_matter_with_no_place_waits_in_the_city_triage_queue(db, session):
    code = next(c for c in db.core.taxonomy.codes.values() if c.handler_type == "township")
    ticket, _ = open_(db, session, text="有问题需要处理", service_code=code.code)
    assert ticket.status == "new" and ticket.needs_triage and ticket.triage_reason == "unlocated"
    assert ticket.unit_type == "city" and ticket.unit_code is None


def test_an_ambiguous_place_is_not_guessed(db, session):
    code = next(c for c in db.core.taxonomy.codes.values() if c.handler_type == "township")
    ticket, _ = open_(db, session, text="有问题需要处理", service_code=code.code, location="八里庄")
    assert ticket.township_code is None and ticket.needs_triage
    opened = ticket.events[0].data
    assert set(opened["candidates"]) == {"110105015", "110108005"}


def test_text_nobody_can_classify_is_left_for_a_human(db, session):
    ticket, _ = open_(db, session, text="喂喂，你好，嗯……", location="望京")
    assert ticket.service_code == "OTH-GEN"
    assert ticket.needs_triage and ticket.triage_reason == "unclassified"


def test_every_clock_is_written_in_the_same_transaction(db, session):
    ticket, _ = open_(db, session, text="小区停水了，一直没有水", location="回龙观")
    clocks = {d.clock: d for d in session.scalars(select(Deadline).where(Deadline.ticket_id == ticket.id))}
    assert set(clocks) == {"sign_for", "first_contact", "feedback", "followup"}
    assert clocks["feedback"].due_at == NOW + timedelta(hours=24) == ticket.due_at
    assert all(d.state == "pending" for d in clocks.values())


def test_the_same_message_id_twice_gives_the_first_ticket(db, session):
    first, created1 = open_(db, session, text="路灯不亮了", location="望京", channel="sms", external_id="SM123")
    again, created2 = open_(db, session, text="路灯不亮了", location="望京", channel="sms", external_id="SM123")
    assert created1 and not created2 and again.id == first.id
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_references_are_unique_and_sequential_within_a_day(db, session):
    refs = [open_(db, session, text=f"路灯不亮了 {i}", location="望京")[0].reference for i in range(3)]
    assert len(set(refs)) == 3
    assert [int(r[-5:]) for r in refs] == [1, 2, 3]
    assert all(r.startswith("26332") for r in refs)  # 28 Nov 2026 is day 332


def test_the_sequence_restarts_on_the_next_beijing_day(db, session):
    late, _ = open_(db, session, now=at("2026-11-28 15:59"), text="路灯不亮了", location="望京")
    early, _ = open_(db, session, now=at("2026-11-28 16:00"), text="路灯不亮了", location="望京")
    assert late.reference == "2633200001" and early.reference == "2633300001"


def test_a_similar_complaint_nearby_is_linked_to_the_first(db, session):
    master, _ = open_(db, session, text="回龙观东大街工地半夜施工，噪音太大睡不着", location="回龙观")
    dup, _ = open_(db, session, now=NOW + timedelta(hours=3), text="回龙观东大街工地半夜还在施工，噪音很大",
                   location="回龙观")
    other, _ = open_(db, session, now=NOW + timedelta(hours=4), text="小区门口垃圾堆了好几天没人清运",
                     location="回龙观")
    assert dup.master_id == master.id and dup.similarity >= 0.3
    assert other.master_id is None
    assert [e.action for e in dup.events][-1] == "link_similar"


def test_an_old_similar_complaint_outside_the_window_is_not_linked(db, session):
    open_(db, session, text="回龙观东大街工地半夜施工，噪音太大睡不着", location="回龙观")
    late, _ = open_(db, session, now=NOW + timedelta(days=8), text="回龙观东大街工地半夜施工，噪音太大睡不着",
                    location="回龙观")
    assert late.master_id is None


def test_a_citizen_is_found_again_by_any_spelling_of_their_number(db, session):
    open_(db, session, text="路灯不亮了", location="望京", phone="138 0013 8000")
    open_(db, session, text="路灯又不亮了", location="望京", phone="+86 138-0013-8000", lang="en")
    citizens = session.scalars(select(Citizen)).all()
    assert len(citizens) == 1 and citizens[0].lang == "en"


@pytest.mark.parametrize("kw, error", [
    ({"text": "  "}, InvalidInput),
    ({"text": "x" * 4001}, InvalidInput),
    ({"text": "路灯不亮", "phone": "12345"}, InvalidPhone),
    ({"text": "路灯不亮", "service_code": "NOPE"}, UnknownServiceCode),
    ({"text": "路灯不亮", "channel": "Fax Machine!"}, InvalidInput),
    ({"text": "路灯不亮", "kind": "rant"}, InvalidInput),
])
def test_bad_requests_are_refused_before_anything_is_written(db, session, kw, error):
    with pytest.raises(error):
        open_(db, session, **kw)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0
    assert session.scalar(select(func.count()).select_from(TicketEvent)) == 0
