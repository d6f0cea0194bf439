"""A request filed through Open311 is an ordinary ticket: in the console queue, with the clocks of its class."""
import pytest
from sqlalchemy import select

from hotline.rules import deadlines
from hotline.store.models import Deadline, Ticket
from hotline.work import lifecycle
from hotline.work.intake import IntakeRequest, open_ticket
from tests.helpers import at
from tests.web.console_support import find, login, make_users

NOW = at("2026-03-02 02:00")
SANLITUN = "110105004"


@pytest.fixture
def console(app, db):
    """The app on one literal clock for the console and Open311, with the test roles' users."""
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    app.extensions["open311_clock"] = lambda: NOW
    with db.session() as s:
        make_users(s, ["agent", "handler_a", "water", "dept_d"])
    return app


def clocks(db, reference):
    with db.session() as s:
        t = s.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        rows = s.scalars(select(Deadline).where(Deadline.ticket_id == t.id).order_by(Deadline.clock)).all()
        return t.id, [(d.clock, d.starts_at - t.opened_at, d.due_at - t.opened_at, d.state, d.stage,
                       None if d.next_action_at is None else d.next_action_at - t.opened_at) for d in rows]


def test_a_water_outage_filed_by_a_partner_is_in_the_water_companys_queue(console, partner, db):
    ref = partner.file(service_code="UTL-NOWATER", address_string="朝阳区三里屯街道", description="整栋楼停水了",
                       phone="13800138000", first_name="伟", last_name="张", email="zhang.wei@example.cn",
                       **{"attribute[scope]": "building", "attribute[since]": "2026-03-02T07:00:00+08:00"})
    water = console.test_client()
    login(water, "water")
    queue = water.get("/console/tickets").get_data(as_text=True)
    [row] = find(queue, "tr", data_reference=ref)
    assert "open311" in row["text"] and "整栋楼停水了" in row["text"]
    channel_filter = water.get("/console/tickets?channel=open311").get_data(as_text=True)
    assert find(channel_filter, "tr", data_reference=ref)
    ticket_id, _ = clocks(db, ref)
    page = water.get(f"/console/tickets/{ticket_id}").get_data(as_text=True)
    [details] = find(page, "dd", id="ticket-details")
    assert "scope: building" in details["text"] and "since: 2026-03-01T23:00:00+00:00" in details["text"]
    [reporter] = find(page, "dd", id="reporter")
    assert "张伟" in reporter["text"] and "zhang.wei@example.cn" in reporter["text"]  # a handler calls citizens
    assert not find(page, "dd", id="ticket-point")  # no map point was given


def test_a_department_that_is_summoned_sees_the_reporter_hidden(console, partner, db):
    ref = partner.file(service_code="ENV-NOISE", address_id=SANLITUN, first_name="伟", last_name="张",
                       lat="39.9385", long="116.4469", **{"attribute[time_of_day]": "night"})
    handler = console.test_client()
    login(handler, "handler_a")
    assert find(handler.get("/console/tickets").get_data(as_text=True), "tr", data_reference=ref)
    ticket_id, _ = clocks(db, ref)
    page = handler.get(f"/console/tickets/{ticket_id}").get_data(as_text=True)
    assert "39.938500, 116.446900" in find(page, "dd", id="ticket-point")[0]["text"]
    assert "张伟" in find(page, "dd", id="reporter")[0]["text"]
    with db.session() as s:
        t = s.get(Ticket, ticket_id)
        lifecycle.sign(s, t, actor="test", now=NOW)
        lifecycle.blow_whistle(s, t, summons=[("BJ-CGZF", "夜间噪声执法")], actor="test", now=NOW)
    dept = console.test_client()
    login(dept, "dept_d")
    [reporter] = find(dept.get(f"/console/tickets/{ticket_id}").get_data(as_text=True), "dd", id="reporter")
    assert "张伟" not in reporter["text"] and "hidden" in reporter["text"]


def test_a_point_only_request_waits_at_the_triage_desk(console, partner, db):
    ref = partner.file(service_code="ENV-NOISE", lat="39.9385", long="116.4469", **{"attribute[time_of_day]": "night"})
    agent = console.test_client()
    login(agent, "agent")
    triage = agent.get("/console/tickets?view=triage").get_data(as_text=True)
    [row] = find(triage, "tr", data_reference=ref)
    assert "unlocated" in row["text"]


@pytest.mark.parametrize("code, fields", [
    ("UTL-NOWATER", {"attribute[scope]": "building"}),
    ("ENV-NOISE", {"attribute[time_of_day]": "night"}),
    ("EMG-GAS", {}),
    ("HOU-OLDRENO", {}),
])
def test_the_clocks_are_the_same_as_for_a_call_of_the_same_service(console, partner, db, code, fields):
    ref = partner.file(service_code=code, address_string="朝阳区三里屯街道", description="情况说明", **fields)
    with db.session() as s:
        call, _ = open_ticket(s, IntakeRequest(text="情况说明", location="朝阳区三里屯街道", phone="13900139000",
                                               channel="voice", service_code=code), now=NOW, core=db.core)
        call_ref, cls = call.reference, call.time_limit_class
    _, via_open311 = clocks(db, ref)
    _, via_phone = clocks(db, call_ref)
    assert via_open311 == via_phone
    expected = deadlines.clocks_for(NOW, cls, db.config.time_limits)
    assert sorted((c.clock, c.due_at - NOW) for c in expected) == [(row[0], row[2]) for row in via_open311]
