"""The built-in dialogue: asks only for what is missing and files the ticket; status by reference."""
from sqlalchemy import func, select

from hotline.store.conversations import find_or_create_conversation
from hotline.contact.form import FormDialogue
from hotline.store.models import Ticket
from tests.helpers import PUBLIC, at

NOW = at("2026-11-28 02:00")


def talk(db, session, conv, *texts, phone=None):
    dialogue = FormDialogue(db.core)
    out = []
    for t in texts:
        out.append(dialogue.respond(session, conv, t, now=NOW, phone=phone))
        session.commit()
    return out


def test_a_complete_sms_files_a_ticket_at_once(db, session):
    conv, _ = find_or_create_conversation(session, channel="sms", now=NOW, lang="zh")
    (r,) = talk(db, session, conv, "望京街道小区停水了，一直没有水", phone="+8613800138000")
    assert r.ticket is not None and r.ticket.group == "utilities" and r.ticket.township_code == "110105026"
    assert r.ticket.reference in r.replies[0].text and "自来水" in r.replies[0].text
    assert len(r.replies[0].text) <= 134  # two UCS-2 SMS segments
    assert r.replies[0].text.endswith(f" {PUBLIC}/t/{r.ticket.tracking_token}")  # the tracking link comes last


def test_a_missing_place_is_asked_for_and_then_filed(db, session):
    conv, _ = find_or_create_conversation(session, channel="sms", now=NOW, lang="zh")
    first, second = talk(db, session, conv, "路灯坏了好几天了", "回龙观", phone="+8613800138000")
    assert first.ticket is None and "哪里" in first.replies[0].text
    assert second.ticket.township_code == "110114011" and second.ticket.group == "urban"


def test_web_chat_without_a_phone_asks_how_to_call_back(db, session):
    conv, _ = find_or_create_conversation(session, channel="web", external_id="chat-1", now=NOW, lang="en")
    a, b, c = talk(db, session, conv, "There is no water in my building", "Wangjing, Chaoyang", "13800138000")
    assert "Where" in a.replies[0].text and "mobile" in b.replies[0].text
    assert c.ticket.callback_phone == "+8613800138000" and c.ticket.lang == "en"
    assert "Reference" in c.replies[0].text and c.ticket.reference in c.replies[0].text
    assert c.replies[0].text.endswith(f"Track it: {PUBLIC}/t/{c.ticket.tracking_token}")


def test_an_emergency_is_filed_at_once_with_the_110_message(db, session):
    conv, _ = find_or_create_conversation(session, channel="sms", now=NOW, lang="zh")
    (r,) = talk(db, session, conv, "楼道里燃气泄漏了", phone="+8613800138000")
    assert r.ticket.time_limit_class == "emergency"
    assert "110" in r.replies[0].text and r.ticket.reference in r.replies[0].text


def test_a_second_complaint_in_the_same_thread_is_a_new_ticket(db, session):
    conv, _ = find_or_create_conversation(session, channel="sms", now=NOW, lang="zh")
    a, b = talk(db, session, conv, "望京小区停水了", "望京路灯坏了", phone="+8613800138000")
    assert a.ticket.id != b.ticket.id
