"""未诉先办 in the console: a supervisor opens a proactive case from a hotspot; other roles cannot; CSRF holds."""
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from hotline.store.models import MERGED, Ticket, User, Whistle
from tests.factories import ticket as open_ticket
from tests.helpers import at
from tests.web.console_support import (CALLED, NOW, PASSWORD_HASH, SUMMONED, SUMMONED_2, TOWN_A, csrf_token, find,
                                       flashes, login)

CODE, PERIOD = "URB-ILLEGALBUILD", "2026-03"
NEW = f"/console/assessment/proactive/new?service_code={CODE}&township_code={TOWN_A}&period={PERIOD}"


@pytest.fixture
def hotspot(world, db):
    """Township A's illegal building in March: the world's two (one signed and whistled, one resolved) and two more."""
    with db.session() as s:
        extra = [open_ticket(s, db.core, CALLED, text=text, location="朝阳区三里屯街道", phone=phone, channel="voice",
                             service_code=CODE)
                 for text, phone in (("三里屯西五街有人私搭乱建", "13800138005"), ("三里屯楼顶违建又加了一层", "13800138006"))]
        s.add(User(username="sup_cp", password_hash=PASSWORD_HASH, display_name="sup_cp", role="supervisor",
                   unit_type="district", unit_code="110114", active=True, created_at=NOW))  # 昌平区's supervisor
        ids = [t.id for t in extra]
    with db.session() as s:
        mine = s.scalars(select(Ticket).where(Ticket.service_code == CODE, Ticket.township_code == TOWN_A)).all()
        assert {world.tickets["ta"], world.tickets["tr"], *ids} <= {t.id for t in mine}
    return {"open": [world.tickets["ta"], *ids]}


def _form(token, departments=(SUMMONED, SUMMONED_2), **fields):
    data = [("csrf_token", token), ("service_code", CODE), ("township_code", TOWN_A), ("period", PERIOD),
            ("title", "三里屯违建整治（每月一题）")] + [("department", d) for d in departments]
    data = [(k, fields.get(k, v)) for k, v in data if fields.get(k, v) is not None]
    return MultiDict(data)


def _cases(db):
    with db.session() as s:
        return s.scalars(select(Ticket).where(Ticket.proactive.is_(True))).all()


def test_a_supervisor_opens_a_case_from_the_hotspot_and_sees_it_listed_with_its_merged_citizens(console_app, db,
                                                                                               hotspot):
    client = console_app.test_client()
    login(client, "supervisor")
    spots = client.get(f"/console/assessment/hotspots?month={PERIOD}").get_data(as_text=True)
    [link] = [a for a in find(spots, "a", class_="open-case") if f"service_code={CODE}" in a["attrs"]["href"]]
    form_page = client.get(link["attrs"]["href"])
    assert form_page.status_code == 200
    html = form_page.get_data(as_text=True)
    assert find(html, "dd", id="hotspot-waiting")[0]["text"] == "3"  # ta and the two new ones; tr is resolved
    checked = [i["attrs"]["value"] for i in find(html, "input", name="department") if "checked" in i["attrs"]]
    assert checked == [SUMMONED]  # the service code's own department (城管执法) is ticked to start with
    r = client.post("/console/assessment/proactive/", data=_form(csrf_token(html)), follow_redirects=True)
    page = r.get_data(as_text=True)
    [case] = _cases(db)
    assert any(case.reference in f and "3" in f for f in flashes(page)), flashes(page)
    [row] = find(page, "tr", data_case=str(case.id))
    assert "3" in find(page, "td", class_="num merged")[0]["text"]
    assert find(page, "td", class_="whistles")[0]["text"].split() == ["0", "/", "0", "/", "2"]
    assert "open" in row["text"]
    with db.session() as s:
        merged = s.scalars(select(Ticket).where(Ticket.master_id == case.id, Ticket.status == MERGED)).all()
        assert sorted(t.id for t in merged) == sorted(hotspot["open"])
        assert sorted(w.department_code for w in s.scalars(select(Whistle).where(Whistle.ticket_id == case.id))) \
            == sorted([SUMMONED, SUMMONED_2])
    # The case is an ordinary ticket to work: the supervisor and the township's handler open it.
    assert client.get(f"/console/tickets/{case.id}").status_code == 200
    town = console_app.test_client()
    login(town, "handler_a")
    assert town.get(f"/console/tickets/{case.id}").status_code == 200


def test_the_same_hotspot_cannot_be_opened_twice_and_the_page_names_the_case(console_app, db, hotspot):
    client = console_app.test_client()
    token = login(client, "supervisor")
    client.post("/console/assessment/proactive/", data=_form(token))
    [case] = _cases(db)
    again = client.post("/console/assessment/proactive/", data=_form(token), follow_redirects=True)
    assert any(case.reference in f for f in flashes(again.get_data(as_text=True)))
    html = client.get(NEW).get_data(as_text=True)
    assert case.reference in find(html, "p", id="case-exists")[0]["text"] and not find(html, "form", id="open-case")
    assert len(_cases(db)) == 1


def test_no_department_chosen_is_refused_with_the_reason_and_nothing_opened(console_app, db, hotspot):
    client = console_app.test_client()
    token = login(client, "supervisor")
    r = client.post("/console/assessment/proactive/", data=_form(token, departments=()), follow_redirects=True)
    assert any("department" in f for f in flashes(r.get_data(as_text=True)))
    assert _cases(db) == []


@pytest.mark.parametrize("user", ["agent", "handler_a", "dept_d", "water"])
def test_agents_and_units_neither_see_nor_may_open_a_case(console_app, db, hotspot, user):
    client = console_app.test_client()
    token = login(client, user)
    assert client.get(NEW).status_code == 403
    assert client.post("/console/assessment/proactive/", data=_form(token)).status_code == 403
    assert client.get("/console/assessment/proactive/").status_code == 403
    assert client.get(f"/console/assessment/hotspots?month={PERIOD}").status_code == 403
    assert _cases(db) == []


def test_an_admin_may_open_a_case_too(console_app, db, hotspot):
    client = console_app.test_client()
    token = login(client, "admin")
    assert find(client.get(f"/console/assessment/hotspots?month={PERIOD}").get_data(as_text=True), "a",
                class_="open-case")
    assert client.post("/console/assessment/proactive/", data=_form(token)).status_code == 303
    assert len(_cases(db)) == 1


def test_a_post_without_the_csrf_token_is_refused_and_opens_nothing(console_app, db, hotspot):
    client = console_app.test_client()
    login(client, "supervisor")
    assert client.post("/console/assessment/proactive/", data=_form(None)).status_code == 400
    assert client.post("/console/assessment/proactive/", data=_form("forged")).status_code == 400
    assert _cases(db) == []


def test_a_district_supervisor_acts_only_in_its_own_district(console_app, db, hotspot):
    city = console_app.test_client()
    login(city, "supervisor")
    assert city.post("/console/assessment/proactive/",
                     data=_form(csrf_token(city.get(NEW).get_data(as_text=True)))).status_code == 303
    client = console_app.test_client()
    token = login(client, "sup_cp")  # 昌平区; township A is in 朝阳区
    assert client.get(NEW).status_code == 404
    assert client.post("/console/assessment/proactive/", data=_form(token)).status_code == 404
    listing = client.get("/console/assessment/proactive/").get_data(as_text=True)
    [case] = _cases(db)
    assert case.reference not in listing and not find(listing, "tr", data_case=str(case.id))
    assert case.reference in city.get("/console/assessment/proactive/").get_data(as_text=True)


@pytest.mark.parametrize("query, status", [
    (f"service_code={CODE}&township_code={TOWN_A}&period=2026-03-03", 400),  # a Tuesday
    (f"service_code={CODE}&township_code={TOWN_A}&period=march", 400),
    (f"service_code=NOPE&township_code={TOWN_A}&period={PERIOD}", 404),
    (f"service_code={CODE}&township_code=999&period={PERIOD}", 404),
])
def test_a_bad_hotspot_key_gets_a_clear_refusal_not_a_500(console_app, hotspot, query, status):
    client = console_app.test_client()
    login(client, "supervisor")
    assert client.get(f"/console/assessment/proactive/new?{query}").status_code == status


def test_a_surge_week_links_to_the_form_with_its_monday(console_app, db, world):
    """Three quiet weeks then a burst of five in the week of Monday 2026-03-02 (Beijing) in township A."""
    with db.session() as s:
        for day in ("2026-02-10", "2026-02-17"):
            open_ticket(s, db.core, at(f"{day} 02:00"), text="三里屯有人私搭乱建", location="朝阳区三里屯街道",
                        phone="13800138007", service_code=CODE)
        for i in range(5):
            open_ticket(s, db.core, at("2026-03-02 01:30"), text=f"三里屯违建第{i}处", location="朝阳区三里屯街道",
                        phone=f"1380013801{i}", service_code=CODE)
    client = console_app.test_client()
    login(client, "supervisor")
    html = client.get(f"/console/assessment/problems?month={PERIOD}").get_data(as_text=True)
    links = [a["attrs"]["href"] for a in find(html, "a", class_="open-case")]
    assert any(f"service_code={CODE}" in h and f"township_code={TOWN_A}" in h and "period=2026-03-02" in h
               for h in links), links
    page = client.get([h for h in links if f"service_code={CODE}" in h][0])
    assert page.status_code == 200
    assert "2026-03-02" in find(page.get_data(as_text=True), "dl", id="hotspot-key")[0]["text"]
