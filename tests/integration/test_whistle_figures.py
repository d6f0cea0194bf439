"""吹哨报到 in the assessment: 报到率 and parts done on time per department, outcomes per township, by hand."""
from __future__ import annotations

import json

import pytest

from hotline.assessment import whistle_figures
from hotline.store.models import Whistle
from hotline.work import lifecycle as tickets, whistles
from tests.helpers import at
from tests.factories import H, SANLITUN, WANGJING, walk

AS_OF = at("2026-12-05 00:00")
CGZF, SWJ = "BJ-CGZF", "BJ-SWJ"


def _summon(s, db, ticket, codes, when):
    return whistles.summon(s, ticket, summons=[(c, "到场处置") for c in codes], actor="user:1", now=when,
                           config=db.config)


@pytest.fixture
def november(db):
    """Three November whistle cases; the figures below are worked out by hand from these times."""
    with db.session() as s:
        # Wangjing, 11-10: 城管执法 reports in at 04:00 (due 05:00) and is done 11-12 (due 11-17 02:00);
        # 水务 reports in at 06:00 (late) and never finishes (its part due 11-17 02:00: a miss).
        a = walk(s, db.core, opened=at("2026-11-10 02:00"), sign=H / 6)
        cgzf, swj = _summon(s, db, a, [CGZF, SWJ], at("2026-11-10 03:00"))
        tickets.report_in(s, cgzf, actor="user:2", now=at("2026-11-10 04:00"))
        tickets.report_done(s, cgzf, note="已处置", actor="user:2", now=at("2026-11-12 00:00"))
        tickets.report_in(s, swj, actor="user:3", now=at("2026-11-10 06:00"))
        # Sanlitun, 11-20: 城管执法 never reports in (due 05:00) and is done late, 11-28 (due 11-27 02:00).
        b = walk(s, db.core, township=SANLITUN, opened=at("2026-11-20 02:00"), sign=H / 6)
        [late] = _summon(s, db, b, [CGZF], at("2026-11-20 03:00"))
        tickets.report_done(s, late, note="迟到处置", actor="user:2", now=at("2026-11-28 00:00"))
        # Wangjing, 11-30 23:00 Beijing: blown in November, but its report-in deadline (01:00 on 12-01
        # Beijing) falls in December, so the department is measured on it next month.
        c = walk(s, db.core, opened=at("2026-11-30 14:00"), sign=H / 6)
        _summon(s, db, c, [CGZF], at("2026-11-30 15:00"))
    return db


def test_departments_report_rate_and_parts_done_on_time_by_hand(november, db):
    with db.session() as s:
        rows = {d.code: d for d in whistle_figures.department_whistles(s, month="2026-11", config=db.config.assessment,
                                                                        as_of=AS_OF)}

    assert set(rows) == {CGZF, SWJ}
    c, w = rows[CGZF], rows[SWJ]
    assert (c.summoned, c.reported_on_time, c.parts_due, c.done_on_time) == (2, 1, 2, 1)
    assert c.report_rate == 0.5 and c.done_rate == 0.5
    assert (w.summoned, w.reported_on_time, w.parts_due, w.done_on_time) == (1, 0, 1, 0)
    assert w.report_rate == 0.0 and w.name == "北京市水务局"


def test_townships_whistles_and_how_they_ended_by_hand(november, db):
    with db.session() as s:
        rows = {t.code: t for t in whistle_figures.township_whistles(s, month="2026-11", config=db.config.assessment,
                                                                      as_of=AS_OF)}

    wj, slt = rows[WANGJING], rows[SANLITUN]
    assert (wj.blown, wj.done_on_time, wj.done_late, wj.outstanding, wj.closed_undone) == (3, 1, 0, 2, 0)
    assert (slt.blown, slt.done_on_time, slt.done_late, slt.outstanding) == (1, 0, 1, 0)


def test_a_ticket_resolved_over_an_outstanding_whistle_ends_closed_without_the_part(november, db):
    with db.session() as s:
        w = s.query(Whistle).filter(Whistle.department_code == SWJ).one()
        tickets.resolve(s, w.ticket, resolution="已协调解决", override_reason="水务局未到场，主任批准",
                        actor="user:5", now=at("2026-11-20 00:00"))
    with db.session() as s:
        wj = next(t for t in whistle_figures.township_whistles(s, month="2026-11", config=db.config.assessment,
                                                                as_of=AS_OF) if t.code == WANGJING)
    assert (wj.outstanding, wj.closed_undone) == (1, 1)


def test_december_counts_the_summons_whose_report_in_fell_due_in_december(november, db):
    with db.session() as s:
        rows = whistle_figures.department_whistles(s, month="2026-12", config=db.config.assessment,
                                                   as_of=at("2026-12-31 00:00"))
    assert [(d.code, d.summoned, d.reported_on_time, d.parts_due) for d in rows] == [(CGZF, 1, 0, 1)]


def test_flask_kpis_whistles_prints_the_same_figures(november, app):
    out = app.test_cli_runner().invoke(args=["kpis", "--whistles", "--month", "2026-11", "--as-of",
                                             AS_OF.isoformat(), "--format", "json"]).output
    data = json.loads(out)
    cgzf = next(d for d in data["departments"] if d["department_code"] == CGZF)
    assert (cgzf["summoned"], cgzf["report_rate"], cgzf["done_rate"]) == (2, 0.5, 0.5)
    table = app.test_cli_runner().invoke(args=["kpis", "--whistles", "--month", "2026-11", "--as-of",
                                               AS_OF.isoformat()]).output
    assert "报到率" in table or "report_rate" in table
    assert WANGJING in table


def _cells(html: str, table_id: str) -> dict[str, dict[str, str]]:
    from tests.web.console_support import parse
    out, current, inside = {}, None, False
    for el in parse(html):
        if el["tag"] == "table":
            inside = el["attrs"].get("id") == table_id
        elif inside and el["tag"] == "tr" and "data-unit" in el["attrs"]:
            current = out.setdefault(el["attrs"]["data-unit"], {})
        elif inside and el["tag"] == "td" and current is not None and "data-col" in el["attrs"]:
            current[el["attrs"]["data-col"]] = el["text"].strip()
    return out


def test_the_console_page_shows_the_figures_and_a_department_sees_only_its_own_row(november, app, db):
    from tests.web.console_support import login, make_users
    app.config["HOTLINE_CLOCK"] = lambda: AS_OF
    with db.session() as s:
        make_users(s, ["supervisor", "dept_d"])
    client = app.test_client()
    login(client, "supervisor")
    html = client.get("/console/assessment/whistles?month=2026-11").get_data(as_text=True)
    depts = _cells(html, "department-whistles")
    assert depts[CGZF] == {"summoned": "2", "reported_on_time": "1", "report_rate": "50.0%", "parts_due": "2",
                           "done_on_time": "1", "done_rate": "50.0%"}
    assert _cells(html, "township-whistles")[WANGJING]["blown"] == "3"

    dept = app.test_client()
    login(dept, "dept_d")
    own = _cells(dept.get("/console/assessment/whistles?month=2026-11").get_data(as_text=True), "department-whistles")
    assert set(own) == {CGZF} and own[CGZF]["summoned"] == "2"
