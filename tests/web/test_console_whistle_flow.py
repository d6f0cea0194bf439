"""吹哨报到 through HTTP: a township summons two departments and cannot resolve until both report done."""
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from hotline.store.models import Ticket, TicketEvent, Whistle
from tests.web.console_support import SUMMONED, SUMMONED_2, flashes, login


def _post(client, token, url, **data):
    r = client.post(url, data={**data, "csrf_token": token}, follow_redirects=True)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def _status(db, ticket_id):
    with db.session() as s:
        return s.get(Ticket, ticket_id).status


def test_township_whistles_two_departments_and_resolves_only_after_both_report_done(console_app, db, world):
    ta = world.tickets["ta2"]
    town = console_app.test_client()
    t_tok = login(town, "handler_a")
    _post(town, t_tok, f"/console/tickets/{ta}/sign")
    page = town.post(f"/console/tickets/{ta}/whistle", follow_redirects=True, data=MultiDict([
        ("csrf_token", t_tok), ("department", SUMMONED), ("request", "查处占道经营"),
        ("department", SUMMONED_2), ("request", "核查商户证照")]))
    assert any("Whistle blown" in f for f in flashes(page.get_data(as_text=True)))
    with db.session() as s:
        whistles = {w.department_code: w.id for w in s.scalars(select(Whistle).where(Whistle.ticket_id == ta))}
    assert set(whistles) == {SUMMONED, SUMMONED_2}

    d1 = console_app.test_client()
    d1_tok = login(d1, "dept_d")
    _post(d1, d1_tok, f"/console/whistles/{whistles[SUMMONED]}/report-in")
    _post(d1, d1_tok, f"/console/whistles/{whistles[SUMMONED]}/done", text="摊贩已清理")

    refused = _post(town, t_tok, f"/console/tickets/{ta}/resolve", text="已处理")
    assert any(SUMMONED_2 in f for f in flashes(refused)), flashes(refused)
    assert _status(db, ta) == "signed"

    d2 = console_app.test_client()
    d2_tok = login(d2, "dept_d2")
    # The first department cannot answer for the second.
    assert d1.post(f"/console/whistles/{whistles[SUMMONED_2]}/done",
                   data={"text": "x", "csrf_token": d1_tok}).status_code == 403
    _post(d2, d2_tok, f"/console/whistles/{whistles[SUMMONED_2]}/report-in")
    _post(d2, d2_tok, f"/console/whistles/{whistles[SUMMONED_2]}/done", text="证照已核查")

    _post(town, t_tok, f"/console/tickets/{ta}/resolve", text="已处理，摊贩清理完毕")
    assert _status(db, ta) == "resolved"
    with db.session() as s:
        actions = [(e.action, e.data.get("department")) for e in
                   s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ta).order_by(TicketEvent.id))]
    tail = actions[actions.index(("sign", None)):]
    assert tail == [("sign", None), ("whistle", None), ("report_in", SUMMONED), ("report_done", SUMMONED),
                    ("report_in", SUMMONED_2), ("report_done", SUMMONED_2), ("resolve", None)]


def test_a_supervisor_overrides_an_outstanding_whistle_with_a_reason_and_a_handler_cannot(console_app, db, world):
    ta = world.tickets["ta"]  # signed, BJ-CGZF summoned and silent
    town = console_app.test_client()
    t_tok = login(town, "handler_a")
    r = town.post(f"/console/tickets/{ta}/resolve", data={"text": "done", "override_reason": "my call",
                                                           "csrf_token": t_tok})
    assert r.status_code == 403
    sup = console_app.test_client()
    s_tok = login(sup, "supervisor")
    _post(sup, s_tok, f"/console/tickets/{ta}/resolve", text="已处理", override_reason="城管三次未到场，督办决定结案")
    assert _status(db, ta) == "resolved"
    with db.session() as s:
        event = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ta, TicketEvent.action == "resolve")).one()
    assert event.data["override"] == "城管三次未到场，督办决定结案"
    assert event.data["outstanding"] == [SUMMONED]


def test_a_summoned_department_sees_its_whistle_but_cannot_resolve_the_ticket(console_app, db, world):
    client = console_app.test_client()
    token = login(client, "dept_d")
    listing = client.get("/console/whistles").get_data(as_text=True)
    assert world.refs["ta"] in listing
    assert world.refs["tb"] not in listing
    r = client.post(f"/console/tickets/{world.tickets['ta']}/resolve", data={"text": "done", "csrf_token": token})
    assert r.status_code == 403
    assert _status(db, world.tickets["ta"]) == "signed"
