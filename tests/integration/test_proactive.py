"""未诉先办: a hotspot becomes a proactive case that whistles departments and answers every merged citizen."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select

from callbacks.sweep import sweep_deadlines, sweep_outbox
from hotline.assessment import hotspots, kpis
from hotline.clocks import followups
from hotline.errors import InvalidInput, WhistlesOutstanding
from hotline.store.models import (CLOSED, MERGED, RESOLVED, SIGNED, Deadline, Notification,
                                  OutboundMessage, Ticket)
from hotline.work import clusters, lifecycle as tickets, proactive
from tests.factories import H, SANLITUN, WANGJING, PLACES, ticket, walk
from tests.helpers import at
from tests.scheduler_helpers import done_reading, with_twilio

TZ = "Asia/Shanghai"
NOV = hotspots.period_span("2026-11", TZ)
KEY = proactive.HotspotKey("ENV-NOISE", WANGJING, "2026-11")
OPENED = at("2026-12-01 02:00")  # 10:00 in Beijing
CGZF, ZJW = "BJ-CGZF", "BJ-ZJW"
PHONES = ["13800138010", "13800138011", "13800138012", "13800138013"]
TITLE = "望京西园三区烧烤店夜间噪音（每月一题）"


def _hotspot(session, core) -> list[Ticket]:
    """Four citizens called about the same barbecue noise in 望京 in November; one in 三里屯 about noise too."""
    ts = [ticket(session, core, at(f"2026-11-{d:02d} 12:00"), text=f"望京西园三区楼下烧烤店深夜噪音扰民，第{d}天",
                 location=PLACES[WANGJING], phone=phone, service_code="ENV-NOISE")
          for d, phone in zip((3, 4, 5, 6), PHONES)]
    ticket(session, core, at("2026-11-04 12:00"), text="三里屯酒吧噪音", location=PLACES[SANLITUN],
           phone="13800138019", service_code="ENV-NOISE")
    session.flush()
    return ts


def _open(session, db, key=KEY, span=NOV, departments=(CGZF, ZJW), now=OPENED) -> proactive.OpenedCase:
    return proactive.open_proactive_case(session, key=key, start=span.start, end=span.end, title=TITLE,
                                         departments=list(departments), actor="user:9", now=now, config=db.config)


def test_a_hotspot_becomes_a_signed_township_case_with_no_citizen_its_tickets_merged_and_departments_summoned(
        session, db):
    ts = _hotspot(session, db.core)
    opened = _open(session, db)
    session.commit()

    case = session.get(Ticket, opened.ticket.id)
    assert (case.proactive, case.channel, case.external_id) == (True, "agent", "proactive:ENV-NOISE:110105026:2026-11")
    assert (case.citizen_id, case.callback_phone, case.text) == (None, None, TITLE)
    assert (case.unit_type, case.unit_code, case.township_code, case.status) == ("township", WANGJING, WANGJING,
                                                                                SIGNED)
    assert case.time_limit_class == "general" and case.due_at == OPENED + 168 * H  # the category's 7 days
    clocks = {d.clock: d for d in case.deadlines}
    assert set(clocks) == {"sign_for", "feedback"}  # nobody to contact or survey
    assert clocks["sign_for"].state == "met" and clocks["feedback"].due_at == OPENED + 168 * H
    assert [e.action for e in case.events] == ["open", "dispatch", "sign", "whistle"]

    assert opened.merged == 4
    for t in ts:
        t = session.get(Ticket, t.id)
        assert (t.status, t.master_id) == (MERGED, case.id)
        assert followups.followup_clock(t).state == "pending"  # each citizen will still be asked
    sanlitun = session.scalars(select(Ticket).where(Ticket.township_code == SANLITUN)).one()
    assert sanlitun.master_id is None and sanlitun.status == "dispatched"

    assert sorted((w.department_code, w.request) for w in case.whistles) == [(CGZF, TITLE), (ZJW, TITLE)]
    told = session.scalars(select(Notification.audience_code).where(Notification.kind == "whistle")).all()
    assert sorted(told) == [CGZF, ZJW]


def test_the_same_hotspot_and_period_cannot_be_opened_twice_and_the_error_names_the_case(session, db):
    _hotspot(session, db.core)
    first = _open(session, db).ticket
    session.commit()
    with pytest.raises(InvalidInput) as again:
        _open(session, db, now=OPENED + H)
    assert first.reference in again.value.message and again.value.code == "case_exists"
    # A surge week of the same thing while the case is open: merge into it instead, said by name.
    week = hotspots.period_span("2026-11-02", TZ)
    with pytest.raises(InvalidInput) as surge:
        _open(session, db, key=proactive.HotspotKey("ENV-NOISE", WANGJING, "2026-11-02"), span=week)
    assert first.reference in surge.value.message
    session.rollback()
    assert session.scalars(select(Ticket).where(Ticket.proactive.is_(True))).all() == [first]


@pytest.mark.parametrize("change, field", [
    ({"title": "  "}, "title"), ({"title": "长" * 201}, "title"), ({"departments": []}, "departments"),
    ({"departments": ["BJ-NOPE"]}, "departments"), ({"key": proactive.HotspotKey("NOPE", WANGJING, "2026-11")},
                                                    "service_code"),
    ({"key": proactive.HotspotKey("ENV-NOISE", "999999999", "2026-11")}, "township_code"),
    ({"key": proactive.HotspotKey("ENV-NOISE", WANGJING, "last month")}, "period"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(session, db, change, field):
    _hotspot(session, db.core)
    args = dict(key=KEY, start=NOV.start, end=NOV.end, title=TITLE, departments=[CGZF], actor="user:9",
                now=OPENED, config=db.config)
    with pytest.raises(InvalidInput) as exc:
        proactive.open_proactive_case(session, **{**args, **change})
    assert exc.value.field == field
    assert session.scalars(select(Ticket).where(Ticket.proactive.is_(True))).all() == []


def test_a_week_is_named_by_its_monday_and_a_month_by_its_number():
    week = hotspots.period_span("2026-11-16", TZ)
    assert (week.start, week.end) == (at("2026-11-15 16:00"), at("2026-11-22 16:00"))
    month = hotspots.period_span("2026-11", TZ)
    assert (month.start, month.end) == (at("2026-10-31 16:00"), at("2026-11-30 16:00"))
    for bad in ("2026-11-17", "2026-13", "2026-02-30", ""):
        with pytest.raises(ValueError):
            hotspots.period_span(bad, TZ)


def test_tickets_arriving_later_join_the_open_case_through_the_usual_merges(session, db):
    _hotspot(session, db.core)
    case = _open(session, db).ticket
    late = ticket(session, db.core, at("2026-12-02 12:00"), text="望京西园烧烤店又在深夜扰民", location=PLACES[WANGJING],
                  phone="13800138020", service_code="ENV-NOISE")
    later = ticket(session, db.core, at("2026-12-03 12:00"), text="望京楼下烧烤噪音太大", location=PLACES[WANGJING],
                   phone="13800138021", service_code="ENV-NOISE")
    tickets.merge(session, later, case, actor="user:9", now=at("2026-12-03 13:00"))  # by hand, from the ticket
    dec = hotspots.period_span("2026-12", TZ)
    master, n = clusters.merge_hotspot(session, service_code="ENV-NOISE", township_code=WANGJING, start=dec.start,
                                       end=dec.end, actor="user:9", now=at("2026-12-03 14:00"))
    assert (master.id, n) == (case.id, 1)  # the hotspot's merge button folds the newcomer into the case
    assert {t.status for t in (late, later)} == {MERGED} and {late.master_id, later.master_id} == {case.id}
    assert [r.merged for r in proactive.cases(session)] == [6]


def test_solving_the_case_answers_every_merged_citizen_by_sms_and_starts_each_ones_survey(db, session, fake_twilio):
    svc = with_twilio(db, fake_twilio)
    ts = _hotspot(session, db.core)
    case = _open(session, db).ticket
    session.commit()
    with pytest.raises(WhistlesOutstanding):  # 事不完，人不走
        tickets.resolve(session, case, resolution="x", actor="user:2", now=at("2026-12-02 02:00"))
    session.rollback()
    case = session.get(Ticket, case.id)
    for w in case.whistles:
        tickets.report_in(session, w, actor="user:3", now=at("2026-12-01 03:00"))
        tickets.report_done(session, w, note="已联合执法", actor="user:3", now=at("2026-12-02 01:00"))
    answered = at("2026-12-02 02:00")
    tickets.resolve(session, case, resolution="已责令烧烤店晚十点后停止营业并安装油烟噪声净化设备", actor="user:2",
                    now=answered)
    session.commit()

    sweep_deadlines(svc, answered)
    sweep_outbox(svc, answered)

    session.expire_all()
    case = session.get(Ticket, case.id)
    assert case.status == CLOSED and case.closed_at == answered  # nobody of its own to survey
    for t, phone in zip(ts, PHONES):
        t = session.get(Ticket, t.id)
        assert (t.status, t.resolution) == (RESOLVED, case.resolution)
        [sms] = fake_twilio.messages_to("+86" + phone)
        assert t.reference in sms["Body"] and "停止营业" in sms["Body"]
        clock = followups.followup_clock(t)
        # Each one's 回访 is under way (the survey call follows the answer at once with the default settings).
        assert (clock.state, clock.stage, clock.attempts) == ("pending", followups.CALLING, 1)
    calls = session.scalars(select(OutboundMessage).where(OutboundMessage.purpose == "followup")).all()
    assert sorted((m.kind, m.to, m.ticket_id) for m in calls) == sorted(
        ("call", "+86" + p, t.id) for t, p in zip(ts, PHONES))
    assert done_reading(session, session.scalars(select(Deadline).where(Deadline.ticket_id == case.id,
                                                                        Deadline.clock == "followup")).all()) == []


def test_the_case_is_not_an_order_in_the_three_rates_but_its_citizens_answers_are(session, db):
    """By hand, 望京 in December with response = sign_for and feedback met (so the case's met clocks could count):

    orders due: the green-space ticket (signed, answered in time) and the property ticket (never signed,
    open past due) = 2, responded 1 -> 50% (with the case it would be 2 of 3). Follow-ups: the four merged
    citizens (3 solved and satisfied, 1 not solved and unsatisfied) and the green-space citizen (solved,
    satisfied) = 5 evaluated, 4 solved -> 80%; 4 of 5 satisfied -> 80%. Score 10·0.5 + 45·0.8 + 45·0.8 = 77.
    """
    cfg = dataclasses.replace(db.config.assessment, response_clocks=("sign_for", "feedback"))
    ts = _hotspot(session, db.core)
    case = _open(session, db).ticket
    for w in case.whistles:
        tickets.report_done(session, w, note="done", actor="user:3", now=at("2026-12-02 01:00"))
    tickets.resolve(session, case, resolution="已整改", actor="user:2", now=at("2026-12-03 02:00"))
    for i, t in enumerate(ts):
        tickets.record_followup(session, t, solved=i != 3, satisfaction="unsatisfied" if i == 3 else "satisfied",
                                actor="scheduler", now=at("2026-12-04 02:00"))
    walk(session, db.core, opened=at("2026-12-02 02:00"), code="URB-GREEN", text="望京公园绿地被占用",
         sign=H, resolve=72 * H, followup=96 * H)
    walk(session, db.core, opened=at("2026-12-02 02:00"), code="HOU-PROPERTY", text="物业不管楼道堆物")
    session.commit()

    [row] = [s for s in kpis.ranking(session, month="2026-12", unit_type="township", config=cfg,
                                     as_of=at("2027-01-20 00:00")) if s.unit.code == WANGJING]
    assert (row.due, row.responded, row.open_overdue) == (2, 1, 1)
    assert (row.evaluated, row.solved, row.rated, row.satisfied) == (5, 4, 5, 4)
    assert row.response_rate == pytest.approx(0.5) and row.resolution_rate == pytest.approx(0.8)
    assert row.satisfaction_rate == pytest.approx(0.8) and row.score == pytest.approx(77.0)
    behind = session.scalars(kpis.orders_behind(month="2026-12", unit_type="township", unit_code=WANGJING,
                                                measure="due", config=cfg, as_of=at("2027-01-20 00:00"))).all()
    assert case.id not in {t.id for t in behind} and len(behind) == 2
    sign_for = next(c for c in kpis.clock_compliance(session, month="2026-12", config=cfg,
                                                     as_of=at("2027-01-20 00:00")) if c.clock == "sign_for")
    assert (sign_for.due, sign_for.met) == (2, 1)  # the case's sign-for, met as it opened, is not counted
    # Nor is the case one more call in December's hotspots and problems.
    dec = hotspots.period_span("2026-12", TZ)
    spots = hotspots.hotspots(session, start=dec.start, end=dec.end, config=db.config.assessment, min_tickets=1)
    assert ("ENV-NOISE", WANGJING) not in {(h.service_code, h.township_code) for h in spots}


def test_the_list_of_cases_shows_open_and_solved_with_merged_counts_and_whistles_state(session, db):
    _hotspot(session, db.core)
    case = _open(session, db).ticket
    tickets.report_in(session, case.whistles[0], actor="user:3", now=at("2026-12-01 03:00"))
    [row] = proactive.cases(session)
    assert (row.reference, row.period, row.merged, row.whistles, row.reported, row.done, row.solved) == (
        case.reference, "2026-11", 4, 2, 1, 0, False)
    assert row.township_name == "望京街道"
    assert proactive.cases(session, district_code="110114") == []  # 昌平区 sees none of 朝阳区's
    for w in case.whistles:
        tickets.report_done(session, w, note="done", actor="user:3", now=at("2026-12-02 01:00"))
    tickets.resolve(session, case, resolution="已整改", actor="user:2", now=at("2026-12-03 02:00"))
    [row] = proactive.cases(session, district_code="110105")
    assert (row.solved, row.status, row.done) == (True, CLOSED, 2)
