"""A fair ranking: a minimum volume before a unit is ranked, ties broken by volume, Wilson intervals, by hand."""
from __future__ import annotations

import dataclasses

import pytest

from hotline.assessment import kpis
from tests.helpers import at
from tests.factories import H, SANLITUN, WANGJING, walk

AS_OF = at("2026-12-20 00:00")


def test_wilson_interval_by_hand():
    # p = 0.5, n = 10, z = 1.96: centre (0.5 + 0.19208) / 1.38416 = 0.5, half = 1.96 * sqrt(0.025 + 0.0009604)
    # / 1.38416 = 0.28193... so [0.2366, 0.7634].
    low, high = kpis.wilson(5, 10)
    assert (round(low, 4), round(high, 4)) == (0.2366, 0.7634)
    # 1 of 1: the plain rate says 100%, Wilson says anything from 20.7% up.
    low1, high1 = kpis.wilson(1, 1)
    assert round(low1, 4) == 0.2065 and high1 == 1.0
    assert kpis.wilson(0, 0) is None
    assert kpis.wilson(0, 4)[0] == 0.0


def _score(code, score, due):
    s = kpis.UnitScore(unit=kpis.Unit("township", code, code), period="2026-11", due=due, score=score)
    s.below_minimum = due < 5
    return s


def test_ties_in_score_go_to_the_unit_with_more_orders_and_small_units_are_listed_unranked():
    rows = [_score("a", 90.0, 6), _score("b", 90.0, 20), _score("c", 100.0, 1), _score("d", 80.0, 8),
            _score("e", 90.0, 20), _score("f", None, 0)]

    ranked = kpis.rank_in_place(rows)

    assert [(s.unit.code, s.rank) for s in ranked] == [
        ("b", 1), ("e", 1), ("a", 3), ("d", 4), ("c", None), ("f", None)]


def test_one_order_answered_in_time_no_longer_tops_the_ranking(session, db):
    cfg = db.config.assessment
    assert cfg.min_orders_ranked == 5  # config.yaml
    # Sanlitun: one order, signed and contacted in time: 100% response.
    walk(session, db.core, township=SANLITUN, opened=at("2026-11-10 00:00"), sign=1 * H, contact=2 * H)
    # Wangjing: five orders, four in time (the fifth signed after 3 h, past the 2 h limit): 80% response.
    for d in range(5):
        walk(session, db.core, opened=at(f"2026-11-{10 + d:02d} 00:00"), text=f"楼下噪音扰民第{d}次",
             sign=(3 if d == 4 else 1) * H, contact=2 * H + (3 * H if d == 4 else 0 * H))
    session.commit()

    rows = kpis.ranking(session, month="2026-11", unit_type="township", config=cfg, as_of=AS_OF)

    wj, slt = rows[0], next(r for r in rows if r.unit.code == SANLITUN)
    assert (wj.unit.code, wj.rank, wj.due, wj.responded, wj.response_rate) == (WANGJING, 1, 5, 4, 0.8)
    assert (slt.rank, slt.below_minimum, slt.response_rate, slt.score) == (None, True, 1.0, 100.0)
    # 4 of 5: Wilson [0.3755, 0.9638] by hand (centre 0.6245... half 0.2944...).
    assert tuple(round(x, 4) for x in wj.response_ci) == (0.3755, 0.9638)
    d = slt.as_dict()
    assert d["ranked"] is False and d["below_minimum"] is True and d["response_ci_low"] == 0.2065

    lowered = dataclasses.replace(cfg, min_orders_ranked=1)
    again = kpis.ranking(session, month="2026-11", unit_type="township", config=lowered, as_of=AS_OF)
    assert [(r.unit.code, r.rank) for r in again[:2]] == [(SANLITUN, 1), (WANGJING, 2)]


def test_the_ranking_page_shows_counts_intervals_and_marks_unranked_units(session, db, app):
    from tests.web.console_support import login, make_users, parse
    app.config["HOTLINE_CLOCK"] = lambda: AS_OF
    walk(session, db.core, township=SANLITUN, opened=at("2026-11-10 00:00"), sign=1 * H, contact=2 * H)
    make_users(session, ["supervisor"])
    session.commit()
    client = app.test_client()
    login(client, "supervisor")

    html = client.get("/console/assessment/?month=2026-11").get_data(as_text=True)

    row = next(e for e in parse(html) if e["tag"] == "tr" and e["attrs"].get("data-unit") == SANLITUN)
    assert row["attrs"]["data-ranked"] == "no"
    cells = {e["attrs"]["data-col"]: e["text"].strip() for e in parse(html)
             if e["tag"] == "td" and "data-col" in e["attrs"]}
    assert "unranked" in html and "fewer than 5" in html and "1/1 · 21–100%" in html
    assert "Wilson" in html
    assert cells  # the table rendered
