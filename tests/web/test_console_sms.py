"""SMS to the citizen from the ticket page goes through the outbox; opt-outs are honoured; dev mode says NOT SENT."""
from sqlalchemy import select

from hotline.store.models import Citizen, OutboundMessage, Ticket
from tests.web.console_support import find, flashes, login


def _send(client, token, ticket_id, body, nonce):
    r = client.post(f"/console/tickets/{ticket_id}/sms", data={"body": body, "nonce": nonce, "csrf_token": token},
                    follow_redirects=True)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_a_reply_is_queued_once_per_form_and_the_outbox_labels_it_not_sent(console_app, db, world):
    client = console_app.test_client()
    token = login(client, "handler_a")
    page = _send(client, token, world.tickets["ta"], "您好，城管明天上午到场", "form-1")
    assert any("NOT SENT" in f for f in flashes(page))
    _send(client, token, world.tickets["ta"], "您好，城管明天上午到场", "form-1")  # a double click
    with db.session() as s:
        rows = s.scalars(select(OutboundMessage).where(OutboundMessage.ticket_id == world.tickets["ta"])).all()
        assert [(m.kind, m.purpose, m.status, m.to) for m in rows] == [("sms", "reply", "queued", "+8613800138000")]
    agent = console_app.test_client()
    login(agent, "agent")
    outbox = agent.get("/console/outbox").get_data(as_text=True)
    assert find(outbox, "p", id="dev-outbox-label")
    assert "您好，城管明天上午到场" in outbox


def test_a_citizen_who_opted_out_gets_no_sms_and_the_handler_is_told(console_app, db, world):
    with db.session() as s:
        t = s.get(Ticket, world.tickets["ta"])
        s.get(Citizen, t.citizen_id).sms_opted_out = True
    client = console_app.test_client()
    token = login(client, "handler_a")
    page = _send(client, token, world.tickets["ta"], "您好", "form-2")
    assert any("opted out" in f for f in flashes(page))
    with db.session() as s:
        [msg] = s.scalars(select(OutboundMessage).where(OutboundMessage.ticket_id == world.tickets["ta"])).all()
        assert msg.status == "suppressed" and msg.next_attempt_at is None


def test_a_department_sees_the_citizens_number_masked(console_app, world):
    client = console_app.test_client()
    login(client, "dept_d")
    page = client.get(f"/console/tickets/{world.tickets['ta']}").get_data(as_text=True)
    [cell] = find(page, "dd", id="citizen-phone")
    assert "8000" in cell["text"] and "13800138000" not in cell["text"]
    handler = console_app.test_client()
    login(handler, "handler_a")
    [cell] = find(handler.get(f"/console/tickets/{world.tickets['ta']}").get_data(as_text=True), "dd", id="citizen-phone")
    assert "+8613800138000" in cell["text"]
