"""Hotspots, merging and splitting clusters, problems of the month and surge alerts, on literal data."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.work import clusters, lifecycle as tickets
from hotline.assessment import hotspots, kpis
from hotline.errors import InvalidInput
from hotline.store.models import MERGED, RESOLVED, Deadline, Ticket
from tests.helpers import at
from tests.factories import H, SANLITUN, WANGJING, walk

NOV = kpis.month_period("2026-11", "Asia/Shanghai")
NOISE = "望京西园三区楼下烧烤店深夜噪音扰民"


def _nov_hotspot(session, core):
    ts = [walk(session, core, opened=at(f"2026-11-{d:02d} 10:00"), text=NOISE + f"，第{d}天") for d in (3, 4, 5, 6)]
    for d in (3, 4):
        walk(session, core, township=SANLITUN, opened=at(f"2026-11-{d:02d} 10:00"))
    walk(session, core, opened=at("2026-10-20 10:00"), text="十月的噪音")  # outside the month
    return ts


def test_a_hotspot_counts_a_code_in_a_township_with_first_and_last_seen_and_a_representative(session, db):
    ts = _nov_hotspot(session, db.core)
    session.commit()
    assert {t.master_id for t in ts[1:]} == {ts[0].id}  # the core linked the similar ones
    found = hotspots.hotspots(session, start=NOV.start, end=NOV.end, config=db.config.assessment)
    assert len(found) == 1  # Sanlitun's two are under the three-ticket floor
    h = found[0]
    assert (h.service_code, h.township_code, h.count, h.open_count, h.clusters) == ("ENV-NOISE", WANGJING, 4, 4, 1)
    assert (h.first_seen, h.last_seen) == (at("2026-11-03 10:00"), at("2026-11-06 10:00"))
    assert (h.master_id, h.representative_text) == (ts[0].id, ts[0].text)
    assert h.township_name == "望京街道" and h.service_name == "生活噪声扰民"
    listed = session.scalars(hotspots.hotspot_tickets(service_code="ENV-NOISE", township_code=WANGJING,
                                                      start=NOV.start, end=NOV.end)).all()
    assert [t.id for t in listed] == [t.id for t in ts]


def test_merging_a_hotspot_answers_everyone_once_and_each_followup_still_counts(session, db):
    ts = _nov_hotspot(session, db.core)
    session.commit()
    master, n = clusters.merge_hotspot(session, service_code="ENV-NOISE", township_code=WANGJING,
                                       start=NOV.start, end=NOV.end, actor="user:9", now=at("2026-11-07 00:00"))
    assert (master.id, n) == (ts[0].id, 3)
    assert all(t.status == MERGED and t.master_id == master.id for t in ts[1:])
    tickets.sign(session, master, actor="user:1", now=at("2026-11-07 01:00"))
    answered = clusters.resolve_cluster(session, master, resolution="已约谈店主，晚十点后停业",
                                        actor="user:1", now=at("2026-11-08 00:00"))
    assert answered == 3
    assert all(t.status == RESOLVED and t.resolution == "已约谈店主，晚十点后停业" for t in ts)
    for i, t in enumerate(ts):
        tickets.record_followup(session, t, solved=i != 3, satisfaction="satisfied", actor="scheduler",
                                now=at("2026-11-09 00:00"))
    session.commit()
    row = next(s for s in kpis.ranking(session, month="2026-11", unit_type="township", config=db.config.assessment,
                                       as_of=at("2026-12-20 00:00")) if s.unit.code == WANGJING)
    assert (row.evaluated, row.solved) == (4, 3)  # every citizen's answer counts
    # Merged duplicates are measured once, on the master: 1 due, plus Wangjing's October order (not November).
    assert row.due == 1


def test_splitting_a_ticket_out_gives_it_back_its_own_status_and_clocks(session, db):
    ts = _nov_hotspot(session, db.core)
    session.commit()
    clusters.merge_into(session, ts[0], ts[1:], actor="user:9", now=at("2026-11-07 00:00"))
    clusters.split(session, ts[2], actor="user:9", now=at("2026-11-07 02:00"))
    session.commit()
    t = session.get(Ticket, ts[2].id)
    assert (t.status, t.master_id) == ("dispatched", None)
    states = {d.clock: d.state for d in session.scalars(select(Deadline).where(Deadline.ticket_id == t.id))}
    assert states["first_contact"] == "pending" and states["followup"] == "pending"
    assert [e.action for e in t.events][-2:] == ["merge", "split"]
    with pytest.raises(InvalidInput):
        clusters.split(session, t, actor="user:9", now=at("2026-11-07 03:00"))
    with pytest.raises(InvalidInput):
        clusters.merge_into(session, ts[1], [t], actor="user:9", now=at("2026-11-07 03:00"))  # ts[1] is a member


def test_problems_of_the_month_rank_codes_and_townships_by_volume_and_growth(session, db):
    _nov_hotspot(session, db.core)
    walk(session, db.core, opened=at("2026-10-10 00:00"), code="LAB-WAGES", text="拖欠工资")
    walk(session, db.core, opened=at("2026-11-10 00:00"), code="LAB-WAGES", text="拖欠工资两个月")
    session.commit()
    p = hotspots.problems_of_the_month(session, month="2026-11", config=db.config.assessment, min_growth_base=2)
    assert [(m.key, m.count, m.previous) for m in p.codes_by_volume] == [("ENV-NOISE", 6, 1), ("LAB-WAGES", 1, 1)]
    assert [(m.key, m.growth) for m in p.codes_by_growth] == [("ENV-NOISE", 5)]
    assert [(m.key, m.count) for m in p.townships_by_volume][:2] == [(WANGJING, 5), (SANLITUN, 2)]
    assert (p.total, p.previous_total) == (7, 2)


def test_a_surge_is_a_week_above_the_mean_plus_three_sigma_of_the_eight_before(session, db):
    core, cfg = db.core, db.config.assessment
    # Baseline weeks (Mondays, Beijing): one ticket every other week → mean 0.5, σ 0.5, threshold 2.0.
    for day in ("2026-09-15", "2026-09-29", "2026-10-13", "2026-10-27"):
        walk(session, core, opened=at(f"{day} 02:00"), text=f"噪音{day}")
        walk(session, core, township=SANLITUN, opened=at(f"{day} 02:00"), text=f"噪音{day}")
    # Week of Monday 9 November: six in Wangjing (a surge), four in Sanlitun (under the floor of five).
    for h in range(6):
        walk(session, core, opened=at("2026-11-10 02:00") + h * H, text=f"烧烤噪音{h}")
    for h in range(4):
        walk(session, core, township=SANLITUN, opened=at("2026-11-10 02:00") + h * H, text=f"烧烤噪音{h}")
    session.commit()
    found = hotspots.surges(session, month="2026-11", config=cfg, as_of=at("2026-12-20 00:00"))
    assert [(s.township_code, s.service_code, s.week, s.count) for s in found] == \
        [(WANGJING, "ENV-NOISE", "2026-11-09", 6)]
    s = found[0]
    assert s.baseline == (1, 0, 1, 0, 1, 0, 1, 0)
    assert (s.mean, s.sd, s.threshold) == (0.5, 0.5, 2.0)
    # Before that week had begun there was nothing to flag.
    assert hotspots.surges(session, month="2026-11", config=cfg, as_of=at("2026-11-08 00:00")) == []
