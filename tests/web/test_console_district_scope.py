"""A district supervisor's console shows its district only: outbox, live chats, merges; phones masked where due."""
import pytest

from hotline.delivery import outbox
from hotline.store.models import Conversation, Message, Ticket, User
from tests.factories import ticket as open_ticket_now
from tests.helpers import at
from tests.web.console_support import PASSWORD_HASH, NOW, find, login

CHAOYANG, HAIDIAN = "110105", "110108"
VICTIM_PHONE = "+8613912345678"


@pytest.fixture
def two_districts(world, db):
    """District supervisors of 朝阳 and 海淀, a 海淀 ticket with an SMS and a handed-off chat, a 朝阳 chat."""
    with db.session() as s:
        for name, district in (("sup_cy", CHAOYANG), ("sup_hd", HAIDIAN)):
            s.add(User(username=name, password_hash=PASSWORD_HASH, display_name=name, role="supervisor",
                       unit_type="district", unit_code=district, active=True, created_at=NOW))
        hd = open_ticket_now(s, db.core, at("2026-03-02 01:00"), text="中关村大街路灯不亮了", location="海淀区中关村街道",
                    phone="13912345678", channel="voice")
        assert hd.district_code == HAIDIAN
        outbox.enqueue(s, key="t-hd", kind="sms", to=VICTIM_PHONE, now=NOW, body="海淀的回复 HD-SMS", purpose="reply",
                       ticket_id=hd.id)
        ta = s.get(Ticket, world.tickets["ta"])
        outbox.enqueue(s, key="t-cy", kind="sms", to="+8613800138000", now=NOW, body="朝阳的回复 CY-SMS",
                       purpose="reply", ticket_id=ta.id)
        chats = {}
        for key, ticket in (("hd", hd), ("cy", ta), ("none", None)):
            conv = Conversation(channel="web", external_id=f"chat-{key}", status="handed_off", state={},
                                ticket_id=ticket.id if ticket else None, created_at=NOW, updated_at=NOW)
            s.add(conv)
            s.flush()
            s.add(Message(conversation_id=conv.id, channel="web", direction="in", sender="citizen",
                          body=f"转人工 {key.upper()}-CHAT", media=[], created_at=NOW))
            chats[key] = conv.id
        return {"hd": hd.id, "hd_ref": hd.reference, "chats": chats}


def test_the_outbox_of_a_district_supervisor_shows_its_district_and_masks_every_number(console_app, two_districts):
    client = console_app.test_client()
    login(client, "sup_cy")
    html = client.get("/console/outbox").get_data(as_text=True)
    assert "CY-SMS" in html and "HD-SMS" not in html
    assert "13800138000" not in html and "*8000" in html
    city = console_app.test_client()
    login(city, "supervisor")
    html = city.get("/console/outbox").get_data(as_text=True)
    assert "HD-SMS" in html and "CY-SMS" in html
    assert "13912345678" not in html  # a delivery log: masked even for the city desk


def test_live_chats_of_other_districts_are_neither_listed_nor_joinable(console_app, db, two_districts):
    client = console_app.test_client()
    token = login(client, "sup_cy")
    listing = client.get("/console/chats").get_data(as_text=True)
    assert "CY-CHAT" in listing and "HD-CHAT" not in listing and "NONE-CHAT" not in listing
    chats = two_districts["chats"]
    for key in ("hd", "none"):
        assert client.get(f"/console/chats/{chats[key]}").status_code == 404
        assert client.post(f"/console/chats/{chats[key]}/join", data={"csrf_token": token}).status_code == 404
        assert client.post(f"/console/chats/{chats[key]}/reply", data={"body": "hi", "csrf_token": token}
                           ).status_code == 404
    with db.session() as s:
        assert s.get(Conversation, chats["hd"]).agent_id is None
    assert client.post(f"/console/chats/{chats['cy']}/join", data={"csrf_token": token}).status_code == 303
    agent = console_app.test_client()
    login(agent, "agent")  # the city desk sees them all
    listing = agent.get("/console/chats").get_data(as_text=True)
    assert "HD-CHAT" in listing and "NONE-CHAT" in listing


def test_a_district_supervisor_cannot_merge_into_another_districts_master(console_app, db, world, two_districts):
    client = console_app.test_client()
    token = login(client, "sup_cy")
    r = client.post(f"/console/tickets/{world.tickets['ta2']}/merge",
                    data={"master": two_districts["hd_ref"], "csrf_token": token}, follow_redirects=True)
    assert f"no ticket {two_districts['hd_ref']}" in r.get_data(as_text=True)
    with db.session() as s:
        assert s.get(Ticket, world.tickets["ta2"]).master_id is None
    r = client.post(f"/console/tickets/{world.tickets['ta2']}/merge",
                    data={"master": world.refs["ta"], "csrf_token": token})
    assert r.status_code == 303
    with db.session() as s:
        assert s.get(Ticket, world.tickets["ta2"]).master_id == world.tickets["ta"]


def test_department_users_see_the_transcript_with_phone_numbers_masked(console_app, db, world):
    with db.session() as s:
        ta = s.get(Ticket, world.tickets["ta"])
        conv = Conversation(channel="sms", external_id=None, status="closed", state={}, created_at=NOW, updated_at=NOW)
        s.add(conv)
        s.flush()
        ta.conversation_id = conv.id
        s.add(Message(conversation_id=conv.id, channel="sms", direction="in", sender="citizen",
                      body="有人私搭乱建，我的电话是13912345678，家里座机010-62751234", media=[], created_at=NOW))
    dept = console_app.test_client()
    login(dept, "dept_d")  # summoned by the whistle on ta
    html = dept.get(f"/console/tickets/{world.tickets['ta']}").get_data(as_text=True)
    [transcript] = find(html, "div", id="transcript")
    assert "13912345678" not in html and "*******5678" in transcript["text"]
    assert "62751234" not in html
    handler = console_app.test_client()
    login(handler, "handler_a")  # must call the citizen: sees the number
    assert "13912345678" in handler.get(f"/console/tickets/{world.tickets['ta']}").get_data(as_text=True)

