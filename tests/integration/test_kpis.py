"""The three rates, the score and the ranking, checked by hand on small literal data sets (SQLite and PostgreSQL)."""
from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from hotline.assessment import kpis
from tests.helpers import at
from tests.factories import H, SANLITUN, WANGJING, walk

AS_OF = at("2026-12-20 00:00")


def _row(scores, code):
    return next(s for s in scores if s.unit.code == code)


def _rank(session, config, month="2026-11", unit_type="township", **kw):
    return kpis.ranking(session, month=month, unit_type=unit_type, config=config, as_of=kw.pop("as_of", AS_OF), **kw)


def test_response_rate_counts_open_overdue_orders_as_misses(session, db):
    core, cfg = db.core, db.config.assessment
    # ENV-NOISE is "general": sign within 2 h, first contact within 24 h.
    walk(session, core, opened=at("2026-11-10 00:00"), sign=1 * H, contact=5 * H)            # in time
    walk(session, core, opened=at("2026-11-11 00:00"), sign=3 * H, contact=5 * H)            # signed late
    walk(session, core, opened=at("2026-11-12 00:00"), sign=1 * H)                           # never contacted, open
    walk(session, core, opened=at("2026-11-13 00:00"))                                       # never signed, open
    walk(session, core, opened=at("2026-11-14 00:00"), sign=1 * H, contact=30 * H)           # contacted late
    walk(session, core, township=SANLITUN, opened=at("2026-11-14 00:00"), sign=1 * H, contact=2 * H)
    session.commit()

    scores = _rank(session, cfg)
    wj = _row(scores, WANGJING)
    assert (wj.due, wj.responded, wj.missed, wj.open_overdue) == (5, 1, 4, 2)
    assert wj.response_rate == pytest.approx(1 / 5)
    slt = _row(scores, SANLITUN)
    assert (slt.due, slt.responded, slt.response_rate) == (1, 1, 1.0)


def test_an_order_not_yet_due_is_left_out_until_its_clock_runs_out(session, db):
    core, cfg = db.core, db.config.assessment
    walk(session, core, opened=at("2026-11-20 00:00"))  # first contact due 11-21 00:00 UTC
    session.commit()
    before = _row(_rank(session, cfg, as_of=at("2026-11-20 12:00")), WANGJING)
    after = _row(_rank(session, cfg, as_of=at("2026-11-21 00:00")), WANGJING)
    assert (before.due, before.response_rate) == (0, None)
    assert (after.due, after.responded, after.open_overdue, after.response_rate) == (1, 0, 1, 0.0)


def test_resolution_and_satisfaction_rates_from_followup_answers(session, db):
    core, cfg = db.core, db.config.assessment
    answers = [(True, "satisfied"), (True, "basically"), (False, "unsatisfied"), (True, "unsatisfied")]
    for day, (solved, satisfaction) in enumerate(answers, start=2):
        walk(session, core, opened=at(f"2026-11-{day:02d} 00:00"), sign=1 * H, contact=2 * H, resolve=48 * H,
             followup=72 * H, solved=solved, satisfaction=satisfaction, text=f"噪音扰民第{day}次，来源不同{day * 7}")
    session.commit()

    wj = _row(_rank(session, cfg), WANGJING)
    assert (wj.evaluated, wj.solved, wj.rated, wj.satisfied, wj.basically, wj.unsatisfied) == (4, 3, 4, 1, 1, 2)
    assert wj.resolution_rate == pytest.approx(3 / 4)
    assert wj.satisfaction_rate == pytest.approx(2 / 4)  # basically satisfied counts by default
    strict = dataclasses.replace(cfg, count_basically_satisfied=False)
    assert _row(_rank(session, strict), WANGJING).satisfaction_rate == pytest.approx(1 / 4)
    # All four responded in time: score = (10*1 + 45*0.75 + 45*0.5) / 100 * 100.
    assert wj.response_rate == 1.0
    assert wj.score == pytest.approx(10 * 1 + 45 * 0.75 + 45 * 0.5)


def test_a_rate_with_nothing_to_measure_is_left_out_of_the_score(session, db):
    core, cfg = db.core, db.config.assessment
    walk(session, core, opened=at("2026-11-03 00:00"), sign=1 * H, contact=30 * H)  # due, missed, no follow-up
    session.commit()
    wj = _row(_rank(session, cfg), WANGJING)
    assert (wj.response_rate, wj.resolution_rate, wj.satisfaction_rate) == (0.0, None, None)
    assert wj.score == 0.0 and wj.rates_used == ("response",)


def test_a_moment_at_midnight_beijing_on_the_first_belongs_to_the_new_month(session, db):
    core, cfg = db.core, db.config.assessment
    # Follow-ups at 15:59:59 UTC (23:59:59 Beijing, still November) and 16:00 UTC (00:00 Beijing, December).
    walk(session, core, opened=at("2026-11-20 00:00"), sign=1 * H, contact=2 * H, resolve=3 * H,
         followup=at("2026-11-30 15:59:59") - at("2026-11-20 00:00"), text="第一个噪音问题在阳台")
    walk(session, core, opened=at("2026-11-21 00:00"), sign=1 * H, contact=2 * H, resolve=3 * H,
         followup=at("2026-11-30 16:00") - at("2026-11-21 00:00"), solved=False, satisfaction="unsatisfied",
         text="另一件事情是广场舞音响")
    # First contact due exactly 2026-11-30 16:00 UTC: a December order.
    walk(session, core, opened=at("2026-11-29 16:00"), sign=1 * H, contact=3 * H, text="工地机器声音")
    session.commit()

    nov, dec = _rank(session, cfg, "2026-11"), _rank(session, cfg, "2026-12", as_of=at("2027-01-10 00:00"))
    n, d = _row(nov, WANGJING), _row(dec, WANGJING)
    assert (n.evaluated, n.solved) == (1, 1)
    assert (d.evaluated, d.solved) == (1, 0)
    assert (n.due, d.due) == (2, 1)
    assert kpis.month_of(at("2026-11-30 16:00"), "Asia/Shanghai") == "2026-12"
    period = kpis.month_period("2026-12", "Asia/Shanghai")
    assert (period.start, period.end) == (at("2026-11-30 16:00"), at("2026-12-31 16:00"))


def test_units_are_ranked_among_their_own_type_with_shared_ranks_for_ties(session, db):
    # One order each: ranked only with the minimum volume lowered to 1 (tests/integration/test_fair_ranking.py).
    core, cfg = db.core, dataclasses.replace(db.config.assessment, min_orders_ranked=1)
    walk(session, core, opened=at("2026-11-10 00:00"), sign=1 * H, contact=2 * H)
    walk(session, core, township=SANLITUN, opened=at("2026-11-10 00:00"), sign=3 * H, contact=2 * H + 3 * H)
    # A department order: ranked among departments, not townships.
    walk(session, core, opened=at("2026-11-10 00:00"), code="LAB-WAGES", text="公司拖欠工资三个月", sign=1 * H)
    session.commit()

    towns = _rank(session, cfg)
    assert len(towns) == 349  # every township is listed, ranked or not
    assert [(s.unit.code, s.rank) for s in towns[:2]] == [(WANGJING, 1), (SANLITUN, 2)]
    assert all(s.rank is None for s in towns[2:])
    depts = _rank(session, cfg, unit_type="department")
    rsj = _row(depts, "BJ-RSJ")
    assert (rsj.due, rsj.responded, rsj.rank) == (1, 0, 1)
    tie = [kpis.UnitScore(unit=kpis.Unit("township", c, c), period="x", score=s) for c, s in
           (("a", 90.0), ("b", 80.0), ("c", 90.0), ("d", None))]
    assert [(s.unit.code, s.rank) for s in kpis.rank_in_place(tie)] == [("a", 1), ("c", 1), ("b", 3), ("d", None)]


def test_districts_roll_up_every_order_located_in_them(session, db):
    core, cfg = db.core, db.config.assessment
    walk(session, core, opened=at("2026-11-10 00:00"), sign=1 * H, contact=2 * H)
    walk(session, core, township=SANLITUN, opened=at("2026-11-11 00:00"), sign=3 * H, contact=5 * H)
    walk(session, core, opened=at("2026-11-12 00:00"), code="LAB-WAGES", text="公司拖欠工资三个月", sign=1 * H,
         contact=2 * H)
    session.commit()
    chaoyang = _row(_rank(session, cfg, unit_type="district"), "110105")
    assert (chaoyang.due, chaoyang.responded) == (3, 2)
    assert chaoyang.unit.name == "朝阳区"


def test_a_unit_sees_only_its_own_row_with_its_rank_among_all(session, db):
    core, cfg = db.core, dataclasses.replace(db.config.assessment, min_orders_ranked=1)
    walk(session, core, opened=at("2026-11-10 00:00"), sign=3 * H, contact=5 * H)
    walk(session, core, township=SANLITUN, opened=at("2026-11-10 00:00"), sign=1 * H, contact=2 * H)
    session.commit()
    only = _rank(session, cfg, only_unit=WANGJING)
    assert [(s.unit.code, s.rank) for s in only] == [(WANGJING, 2)]


def test_the_orders_behind_each_figure_are_exactly_the_ones_counted(session, db):
    core, cfg = db.core, db.config.assessment
    walk(session, core, opened=at("2026-11-10 00:00"), sign=1 * H, contact=5 * H, resolve=10 * H, followup=50 * H)
    walk(session, core, opened=at("2026-11-11 00:00"), sign=3 * H, contact=5 * H, resolve=10 * H, followup=50 * H,
         solved=False, satisfaction="basically", text="晚上有人唱歌很吵")
    walk(session, core, opened=at("2026-11-12 00:00"), text="邻居家狗叫一整夜")
    session.commit()
    wj = _row(_rank(session, cfg), WANGJING)
    for measure in kpis.MEASURES:
        stmt = kpis.orders_behind(month="2026-11", unit_type="township", unit_code=WANGJING, measure=measure,
                                  config=cfg, as_of=AS_OF)
        listed = session.scalar(select(func.count()).select_from(stmt.subquery()))
        assert listed == getattr(wj, measure), measure
    assert (wj.due, wj.responded, wj.open_overdue, wj.evaluated) == (3, 1, 1, 2)


def test_a_trend_gives_each_month_its_own_figures_from_one_pass(session, db):
    core, cfg = db.core, db.config.assessment
    walk(session, core, opened=at("2026-09-10 00:00"), sign=1 * H, contact=2 * H)
    walk(session, core, opened=at("2026-11-10 00:00"), sign=3 * H, contact=2 * H + 3 * H)
    session.commit()
    series = kpis.trends(session, month="2026-11", unit_type="township", config=cfg, as_of=AS_OF, months=12,
                         unit_code=WANGJING)[WANGJING]
    assert [s.period for s in series][-3:] == ["2026-09", "2026-10", "2026-11"]
    assert len(series) == 12
    assert [s.response_rate for s in series][-3:] == [1.0, None, 0.0]


def test_a_ticket_still_in_triage_is_not_held_against_the_unit_it_may_go_to(session, db):
    from hotline.work.intake import IntakeRequest, open_ticket
    core, cfg = db.core, db.config.assessment
    ticket, _ = open_ticket(session, IntakeRequest(text="留言：楼上噪音", location="朝阳区望京街道", service_code="ENV-NOISE",
                                                   triage_reason="voicemail"), now=at("2026-11-10 00:00"), core=core)
    assert (ticket.status, ticket.unit_code) == ("new", WANGJING)
    session.commit()
    assert _row(_rank(session, cfg), WANGJING).due == 0
