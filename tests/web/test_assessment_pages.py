"""Assessment pages: the numbers equal the CLI's, every figure lists its orders, roles are enforced, merging works."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hotline.store.models import MERGED, Ticket
from tests.helpers import at
from tests.factories import H, SANLITUN, WANGJING, walk
from tests.web.console_support import PASSWORD_HASH, find, flashes, login, make_users, parse

AS_OF = at("2026-12-20 00:00")
NOISE = "望京西园三区楼下烧烤店深夜噪音扰民"


@pytest.fixture
def world(app, db):
    """Users, and November tickets in Wangjing (4 similar, one answered) and Sanlitun (one)."""
    app.config["HOTLINE_CLOCK"] = lambda: AS_OF
    with db.session() as s:
        users = make_users(s, ["supervisor", "admin", "handler_a", "agent"])  # handler_a works for Sanlitun
        walk(s, db.core, opened=at("2026-11-03 10:00"), text=NOISE, sign=1 * H, contact=2 * H, resolve=5 * H,
             followup=30 * H, satisfaction="basically")
        for d in (4, 5, 6):
            walk(s, db.core, opened=at(f"2026-11-{d:02d} 10:00"), text=NOISE + f"，第{d}天")
        walk(s, db.core, township=SANLITUN, opened=at("2026-11-04 10:00"), sign=3 * H, contact=4 * H)
    return users


def _rows(html: str) -> dict[str, dict[str, str]]:
    """Ranking table cells by unit code and column."""
    out, current = {}, None
    for el in parse(html):
        if el["tag"] == "tr" and "data-unit" in el["attrs"]:
            current = out.setdefault(el["attrs"]["data-unit"], {})
        elif el["tag"] == "td" and current is not None and "data-col" in el["attrs"]:
            current[el["attrs"]["data-col"]] = el["text"].strip()
    return out


def test_the_ranking_page_shows_the_same_figures_as_the_cli(world, app, client):
    login(client, "supervisor")
    html = client.get("/console/assessment/?month=2026-11").get_data(as_text=True)
    cli = json.loads(app.test_cli_runner().invoke(
        args=["kpis", "--month", "2026-11", "--as-of", AS_OF.isoformat(), "--format", "json"]).output)
    page = _rows(html)
    assert len(page) == 349
    for unit in cli["units"]:
        row = page[unit["unit_code"]]
        assert row["rank"] == ("—" if unit["rank"] is None else str(unit["rank"]))
        assert row["score"] == ("—" if unit["score"] is None else f"{unit['score']:.2f}")
        for key in ("response_rate", "resolution_rate", "satisfaction_rate"):
            assert row[key] == ("—" if unit[key] is None else f"{100 * unit[key]:.1f}%")
        assert (row["due"], row["missed"], row["open_overdue"]) == (str(unit["due"]), str(unit["missed"]),
                                                                   str(unit["open_overdue"]))
    assert page[WANGJING]["due"] == "4" and page[WANGJING]["open_overdue"] == "3"
    assert "How this is computed" in html and "10%" in html  # the weights, from config


def test_each_figure_links_to_exactly_the_orders_it_counts(world, client):
    login(client, "supervisor")
    html = client.get("/console/assessment/?month=2026-11").get_data(as_text=True)
    links = [a for a in find(html, "a") if "data-measure" in a["attrs"] and f"unit={WANGJING}" in a["attrs"]["href"]]
    assert {a["attrs"]["data-measure"] for a in links} >= {"due", "missed", "open_overdue", "responded", "evaluated"}
    for a in links:
        listed = client.get(a["attrs"]["href"].replace("&amp;", "&")).get_data(as_text=True)
        rows = [tr for tr in find(listed, "tr") if tr["text"].strip()][1:]
        shown = a["text"].strip()
        expected = {"responded": 1, "solved": 1, "rated": 1}.get(a["attrs"]["data-measure"], None)
        assert len(rows) == (expected if expected is not None else int(shown)), a["attrs"]["href"]


def test_columns_sort_on_the_server(world, client):
    login(client, "supervisor")
    html = client.get("/console/assessment/?month=2026-11&sort=due&dir=desc").get_data(as_text=True)
    first_two = list(_rows(html))[:2]
    assert first_two == [WANGJING, SANLITUN]
    html = client.get("/console/assessment/?month=2026-11&sort=unit_code&dir=desc").get_data(as_text=True)
    codes = list(_rows(html))
    assert codes == sorted(codes, reverse=True)


def test_a_unit_handler_sees_only_its_own_row_and_orders(world, client):
    login(client, "handler_a")
    html = client.get("/console/assessment/?month=2026-11&unit_type=department").get_data(as_text=True)
    assert list(_rows(html)) == [SANLITUN]
    # One order due: below assessment.min_orders_ranked, so shown but not ranked.
    assert _rows(html)[SANLITUN]["rank"] == "—"
    other = client.get(f"/console/assessment/orders?month=2026-11&unit_type=township&unit={WANGJING}&measure=due")
    assert other.status_code == 404
    mine = client.get(f"/console/assessment/orders?month=2026-11&unit_type=township&unit={SANLITUN}&measure=due")
    assert mine.status_code == 200
    for page in ("hotspots", "problems", "charts", "report"):
        assert client.get(f"/console/assessment/{page}?month=2026-11").status_code == 403
    trend = client.get(f"/console/assessment/units/township/{WANGJING}?month=2026-11")
    assert trend.status_code == 404


def test_an_intake_agent_has_no_assessment_pages(world, client):
    login(client, "agent")
    assert client.get("/console/assessment/?month=2026-11").status_code == 403


def test_a_unit_trend_shows_twelve_months_and_a_chart(world, client):
    login(client, "supervisor")
    html = client.get(f"/console/assessment/units/township/{WANGJING}?month=2026-11").get_data(as_text=True)
    months = [tr["attrs"]["data-month"] for tr in find(html, "tr") if "data-month" in tr["attrs"]]
    assert months[0] == "2025-12" and months[-1] == "2026-11" and len(months) == 12
    assert len(find(html, "svg")) == 2


def test_a_supervisor_merges_a_hotspot_and_splits_one_ticket_out(world, db, client):
    token = login(client, "supervisor")
    html = client.get("/console/assessment/hotspots?month=2026-11").get_data(as_text=True)
    [link] = [a for a in find(html, "a") if "/hotspots/ENV-NOISE/" in a["attrs"].get("href", "")]
    assert link["text"].strip() == "4"
    r = client.post(f"/console/assessment/hotspots/ENV-NOISE/{WANGJING}/merge?month=2026-11",
                    data={"csrf_token": token}, follow_redirects=True)
    assert any("Merged" in f for f in flashes(r.get_data(as_text=True)))
    with db.session() as s:
        members = s.scalars(select(Ticket).where(Ticket.status == MERGED)).all()
        assert len(members) == 2  # the first was already resolved; the three open ones: one master, two merged
        victim = members[0].id
    r = client.post(f"/console/assessment/tickets/{victim}/split", data={"csrf_token": token}, follow_redirects=True)
    assert any("on its own again" in f for f in flashes(r.get_data(as_text=True)))
    assert client.post(f"/console/assessment/tickets/{victim}/split", data={}).status_code == 400  # no CSRF token


def test_problems_charts_and_report_render_for_a_supervisor(world, db, client):
    login(client, "supervisor")
    problems = client.get("/console/assessment/problems?month=2026-11").get_data(as_text=True)
    assert find(problems, "p", id="surge-rule") and find(problems, "table", id="codes-volume")
    charts = client.get("/console/assessment/charts?month=2026-11").get_data(as_text=True)
    assert len(find(charts, "svg")) == 6 and find(charts, "table", id="heat")
    heat = charts[charts.index('id="heat"'):]
    heat = heat[:heat.index("</thead>")]
    groups = list(db.core.taxonomy.group_names("en").values())  # the names of taxonomy.yaml, in the page's language
    assert [th["text"] for th in find(heat, "th")] == ["Township", *groups, "Total"]
    report = client.get("/console/assessment/report?month=2026-11").get_data(as_text=True)
    assert find(report, "section", id="ranking-township") and find(report, "section", id="ranking-district")


def test_a_district_supervisor_sees_the_units_of_the_district_only(world, db, client):
    from hotline.store.models import User
    with db.session() as s:
        s.add(User(username="chaoyang", password_hash=PASSWORD_HASH, display_name="朝阳督办", role="supervisor",
                   unit_type="district", unit_code="110105", active=True, created_at=AS_OF))
    login(client, "chaoyang")
    rows = _rows(client.get("/console/assessment/?month=2026-11").get_data(as_text=True))
    assert WANGJING in rows and SANLITUN in rows
    assert rows and all(code.startswith("110105") for code in rows)
    assert client.get("/console/assessment/orders?month=2026-11&unit_type=township&unit=110101001&measure=due"
                      ).status_code == 404
