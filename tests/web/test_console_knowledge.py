"""Agents search the knowledge base and send an entry's answer through the ticket's channel; roles are enforced."""
from sqlalchemy import select

from hotline.store.models import Citizen, Conversation, Message, OutboundMessage, Ticket, TicketEvent
from hotline.work.intake import IntakeRequest, open_ticket
from tests.factories import ticket
from tests.helpers import at
from tests.web.console_support import NOW, find, flashes, login


def _consult(db, text="想咨询一下那个事", **kw):
    with db.session() as s:
        t = ticket(s, db.core, at("2026-03-02 01:00"), text=text, location=None, phone="13800138009",
                   kind="consult", channel="voice", **kw)
        return t.id


def _send(client, token, ticket_id, entry, nonce="page-1"):
    r = client.post(f"/console/tickets/{ticket_id}/knowledge", data={"entry": entry, "nonce": nonce,
                                                                     "csrf_token": token}, follow_redirects=True)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def test_agents_and_supervisors_search_the_base_and_other_roles_may_not(console_app, world):
    for name in ("agent", "supervisor"):
        client = console_app.test_client()
        login(client, name)
        page = client.get("/console/knowledge?q=租房怎么提取公积金").get_data(as_text=True)
        entries = [e["attrs"]["data-entry"] for e in find(page, "section", class_="card kb-entry")]
        assert entries[0] == "hf-withdraw-rent" and len(entries) <= 10
        assert not find(page, "button", class_="send-answer")  # no ticket: nothing to send to
    for name in ("handler_a", "dept_d", "admin"):
        client = console_app.test_client()
        login(client, name)
        assert client.get("/console/knowledge?q=公积金").status_code == 403
    assert console_app.test_client().get("/console/knowledge?q=x").status_code == 302  # to the sign-in page


def test_a_search_with_no_match_says_so(console_app, world):
    client = console_app.test_client()
    login(client, "agent")
    page = client.get("/console/knowledge?q=zzzz").get_data(as_text=True)
    assert find(page, "p", id="kb-none") and not find(page, "section", class_="card kb-entry")


def test_the_ticket_page_offers_the_search_to_intake_roles_only(console_app, world, db):
    ticket_id = _consult(db)
    agent = console_app.test_client()
    login(agent, "agent")
    assert find(agent.get(f"/console/tickets/{ticket_id}").get_data(as_text=True), "section", id="knowledge")
    handler = console_app.test_client()
    login(handler, "handler_a")
    page = handler.get(f"/console/tickets/{world.tickets['ta']}").get_data(as_text=True)
    assert not find(page, "section", id="knowledge")


def test_sending_an_answer_to_a_waiting_consultation_texts_it_once_and_closes_it(console_app, world, db):
    ticket_id = _consult(db)
    client = console_app.test_client()
    token = login(client, "agent")
    page = client.get(f"/console/knowledge?ticket={ticket_id}&q=公积金租房提取").get_data(as_text=True)
    assert find(page, "p", id="kb-ticket") and find(page, "button", class_="send-answer")
    done = _send(client, token, ticket_id, "hf-withdraw-rent")
    _send(client, token, ticket_id, "hf-withdraw-rent")  # a double click
    assert any("NOT SENT" in f and "closed as answered" in f for f in flashes(done))
    with db.session() as s:
        t = s.get(Ticket, ticket_id)
        [sms] = s.scalars(select(OutboundMessage).where(OutboundMessage.ticket_id == ticket_id)).all()
        assert (sms.to, sms.body) == ("+8613800138009", db.core.knowledge.get("hf-withdraw-rent").sms["zh"])
        assert (t.status, t.knowledge_entry, t.answered_by_hotline) == ("closed", "hf-withdraw-rent", True)
        [event] = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                      TicketEvent.action == "knowledge_answer")).all()
        assert event.actor == f"user:{world.users['agent']}" and event.data["channel"] == "sms"


def test_a_web_chat_ticket_gets_the_answer_in_the_chat(console_app, world, db):
    with db.session() as s:
        conv = s.get(Conversation, world.conversation_id)
        t, _ = open_ticket(s, IntakeRequest(text="想问一下垃圾怎么分", channel="web", kind="consult",
                                            conversation_id=conv.id), now=NOW, core=db.core)
        ticket_id = t.id
    client = console_app.test_client()
    token = login(client, "supervisor")
    assert any("posted in the chat" in f for f in flashes(_send(client, token, ticket_id, "waste-four-types")))
    with db.session() as s:
        last = s.scalars(select(Message).where(Message.conversation_id == world.conversation_id)
                         .order_by(Message.id.desc())).first()
        assert (last.sender, last.body) == ("agent", db.core.knowledge.get("waste-four-types").answer["zh"])
        assert s.scalar(select(OutboundMessage.id).where(OutboundMessage.ticket_id == ticket_id)) is None


def test_an_unknown_entry_or_a_closed_ticket_is_refused_with_a_reason(console_app, world, db):
    ticket_id = _consult(db)
    client = console_app.test_client()
    token = login(client, "agent")
    assert any("no knowledge-base entry nope" in f for f in flashes(_send(client, token, ticket_id, "nope")))
    _send(client, token, ticket_id, "heating-fee", nonce="a")
    refused = _send(client, token, ticket_id, "heating-season", nonce="b")
    assert any("closed" in f for f in flashes(refused))
    with db.session() as s:
        assert len(s.scalars(select(OutboundMessage).where(OutboundMessage.ticket_id == ticket_id)).all()) == 1


def test_roles_are_enforced_when_sending(console_app, world, db):
    client = console_app.test_client()
    token = login(client, "handler_a")
    r = client.post(f"/console/tickets/{world.tickets['ta']}/knowledge",
                    data={"entry": "heating-fee", "nonce": "x", "csrf_token": token})
    assert r.status_code == 403
    agent = console_app.test_client()
    token = login(agent, "agent")
    assert agent.post("/console/tickets/999999/knowledge",
                      data={"entry": "heating-fee", "nonce": "x", "csrf_token": token}).status_code == 404
    assert agent.get("/console/knowledge?ticket=999999&q=x").status_code == 404
    assert agent.post(f"/console/tickets/{world.tickets['ta']}/knowledge",
                      data={"entry": "heating-fee", "nonce": "x"}).status_code == 400  # no CSRF token


def test_an_opted_out_citizen_gets_no_sms_and_the_consultation_stays_open(console_app, world, db):
    ticket_id = _consult(db)
    with db.session() as s:
        s.get(Citizen, s.get(Ticket, ticket_id).citizen_id).sms_opted_out = True
    client = console_app.test_client()
    token = login(client, "agent")
    assert any("opted out" in f for f in flashes(_send(client, token, ticket_id, "heating-fee")))
    with db.session() as s:
        [sms] = s.scalars(select(OutboundMessage).where(OutboundMessage.ticket_id == ticket_id)).all()
        assert sms.status == "suppressed" and s.get(Ticket, ticket_id).status == "new"
