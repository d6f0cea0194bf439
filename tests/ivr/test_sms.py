"""The SMS channel: a text files a ticket, retries change nothing, opt-out words, status, MMS, malformed forms."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from hotline.clocks import followups
from hotline.delivery import outbox
from hotline.store.models import Citizen, Message, OutboundMessage, Ticket
from hotline.rules import prompts
from tests.fakes.fake_twilio import sms_segments as segments
from tests.ivr.support import NOW, form, twiml

PHONE = "+8613800138000"


def text(tw, body, sid="SM" + "a" * 32, phone=PHONE, **extra):
    """Send one SMS; returns the reply texts."""
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "0" * 32, "From": phone, "To": "+8610012345",
              "Body": body, "NumMedia": "0", **extra}
    root = twiml(tw.post("/twilio/sms", **params))
    return [m.text for m in root.iter("Message")]


def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def all_tickets(db):
    with db.session() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def test_a_complete_text_files_a_ticket_and_the_reply_carries_the_reference_in_two_segments(twilio, db):
    (reply,) = text(twilio, "望京街道小区停水了，一直没有水")
    (ticket,) = all_tickets(db)
    assert ticket.channel == "sms" and ticket.township_code == "110105026" and ticket.citizen_id is not None
    assert ticket.reference in reply and len(reply) <= 134


def test_the_same_message_sid_twice_is_one_message_one_ticket_and_the_same_reply(twilio, db):
    first = text(twilio, "望京街道小区停水了")
    again = text(twilio, "望京街道小区停水了")
    assert first == again and first
    assert count(db, Ticket) == 1
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Message).where(Message.direction == "in")) == 1


def test_a_missing_place_is_asked_for_in_the_same_thread(twilio, db):
    (ask,) = text(twilio, "路灯坏了好几天了", sid="SM1")
    assert "哪里" in ask and count(db, Ticket) == 0
    (done,) = text(twilio, "回龙观", sid="SM2")
    (ticket,) = all_tickets(db)
    assert ticket.reference in done and ticket.township_code == "110114011"


@pytest.mark.parametrize("word", ["STOP", "退订", "TD", "unsubscribe", "Stop."])
def test_opt_out_words_record_the_opt_out_and_nothing_more_is_sent(twilio, db, word):
    (confirm,) = text(twilio, word, sid="SM1")
    assert "START" in confirm
    with db.session() as s:
        assert s.scalars(select(Citizen).where(Citizen.phone == PHONE)).one().sms_opted_out
        msg = outbox.enqueue(s, key="later", kind="sms", to=PHONE, now=NOW, body="x")
        assert msg.status == "suppressed"
    # A complaint is still read and filed, but no reply goes out until START.
    assert text(twilio, "望京街道小区停水了", sid="SM2") == []
    assert count(db, Ticket) == 1


def test_chinese_opt_out_words_are_answered_in_chinese(twilio):
    (confirm,) = text(twilio, "TD")
    assert "退订" in confirm


def test_start_lifts_the_opt_out(twilio, db):
    text(twilio, "STOP", sid="SM1")
    (back,) = text(twilio, "START", sid="SM2")
    assert "back on" in back
    with db.session() as s:
        assert not s.scalars(select(Citizen).where(Citizen.phone == PHONE)).one().sms_opted_out
    assert text(twilio, "望京街道小区停水了", sid="SM3")


@pytest.mark.parametrize("word,expect", [("HELP", "STOP"), ("帮助", "退订")])
def test_help_explains_in_the_language_of_the_word(twilio, db, word, expect):
    (reply,) = text(twilio, word)
    assert expect in reply and "110" in reply and segments(reply) <= 2 and count(db, Ticket) == 0


@pytest.mark.parametrize("query,lang_word", [("查询 {ref}", "已派单"), ("status {ref}", "dispatched")])
def test_status_by_reference_in_either_language(twilio, db, query, lang_word):
    text(twilio, "望京街道小区停水了", sid="SM1")
    (ticket,) = all_tickets(db)
    (reply,) = text(twilio, query.format(ref=ticket.reference), sid="SM2", phone="+8613700137000")
    assert ticket.reference in reply and lang_word in reply
    (missing,) = text(twilio, query.format(ref="2633299999"), sid="SM3", phone="+8613700137000")
    assert "2633299999" in missing and count(db, Ticket) == 1


def test_mms_photos_are_attached_to_the_ticket(twilio, db):
    text(twilio, "望京街道小区门口垃圾堆了好几天没人清运", NumMedia="2",
         MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1",
         MediaContentType0="image/jpeg",
         MediaUrl1="https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME2",
         MediaContentType1="image/png")
    (ticket,) = all_tickets(db)
    assert [m["content_type"] for m in ticket.media] == ["image/jpeg", "image/png"]
    assert ticket.media[0]["url"].endswith("/ME1")


def test_a_follow_up_answer_is_taken_before_the_dialogue(twilio, db, monkeypatch):
    seen = []

    def answer(session, *, phone, body, now, **_):
        seen.append((phone, body, now))
        return "谢谢您的评价。"

    monkeypatch.setattr(followups, "answer_from_sms", answer)
    assert text(twilio, "1") == ["谢谢您的评价。"]
    assert seen == [(PHONE, "1", NOW)] and count(db, Ticket) == 0


def test_an_english_text_gets_english_and_the_citizen_keeps_english(twilio, db):
    (reply,) = text(twilio, "There is no water in my building in Wangjing, Chaoyang")
    assert "reference" in reply.lower()
    with db.session() as s:
        assert s.scalars(select(Citizen)).one().lang == "en"


def test_a_text_without_from_is_stored_but_gets_no_reply(twilio, db):
    root = twiml(twilio.post("/twilio/sms", MessageSid="SM1", Body="望京停水了"))
    assert list(root) == []
    with db.session() as s:
        (msg,) = s.scalars(select(Message)).all()  # stored, and no reply recorded as if sent
        assert msg.body == "望京停水了" and msg.conversation.external_id == "from:unknown"


def test_a_text_from_a_number_the_phone_library_rejects_is_stored_and_answered(twilio, db):
    root = twiml(twilio.post("/twilio/sms", MessageSid="SM1", From="+447700900123", Body="望京街道小区停水了"))
    assert "手机号码" in root.find("Message").text  # no number we can trust: the form asks for one
    root = twiml(twilio.post("/twilio/sms", MessageSid="SM2", From="+447700900123", Body="13800138000"))
    assert "工单号" in root.find("Message").text
    with db.session() as s:
        inbound = s.scalars(select(Message).where(Message.direction == "in").order_by(Message.id)).first()
        assert inbound.body == "望京街道小区停水了"
        assert inbound.conversation.external_id == "from:+447700900123"
        assert s.scalars(select(Ticket)).one().conversation_id == inbound.conversation_id


def test_a_10_kb_body_is_answered_without_a_500(twilio, db):
    replies = text(twilio, "望京街道小区停水了" + "水" * 10_000)
    assert replies and count(db, Message) >= 1


def test_invalid_utf8_is_answered_without_a_500(twilio, db):
    body = b"MessageSid=SM1&From=%2B8613800138000&Body=%FF%FE%E6%B0"
    resp = twilio.raw("/twilio/sms", body, signature="forged")
    assert resp.status_code == 403 and count(db, Message) == 0
    # Signed over what the server decodes, the same bytes are read and answered.
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request
    decoded = Request(EnvironBuilder(method="POST", data=body,
                                     content_type="application/x-www-form-urlencoded").get_environ()).form
    from ivr.signature import sign
    from tests.ivr.support import PUBLIC, TWILIO_TOKEN
    resp = twilio.raw("/twilio/sms", body, signature=sign(TWILIO_TOKEN, PUBLIC + "/twilio/sms", decoded))
    assert resp.status_code == 200 and ET.fromstring(resp.get_data()).tag == "Response"


def test_unknown_parameters_are_accepted(twilio, db):
    assert text(twilio, "望京街道小区停水了", SmsStatus="received", NewTwilioField="x", ToCountry="CN")


def test_the_status_callback_records_delivery_on_the_outbox_row(twilio, db):
    with db.session() as s:
        msg = outbox.enqueue(s, key="k1", kind="sms", to=PHONE, now=NOW, body="x")
        msg.status, msg.provider_sid = "sent", "SM" + "b" * 32
    twiml(twilio.post("/twilio/sms/status", MessageSid="SM" + "b" * 32, MessageStatus="undelivered",
                      ErrorCode="30003"))
    with db.session() as s:
        row = s.scalars(select(OutboundMessage)).one()
    assert row.status == "undelivered" and "30003" in row.last_error


def test_the_sms_fallback_apologises_by_sms(twilio):
    root = twiml(twilio.post("/twilio/fallback", MessageSid="SM1", From=PHONE, Body="x"))
    assert "12345" in root.find("Message").text


def test_a_forged_or_unsigned_sms_gets_403_and_touches_nothing(twilio, db):
    body = form(MessageSid="SM1", From=PHONE, Body="望京街道小区停水了")
    assert twilio.raw("/twilio/sms", body, signature=None).status_code == 403
    assert twilio.raw("/twilio/sms", body, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    assert count(db, Message) == 0 and count(db, Ticket) == 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_sms_text_fits_in_two_segments(lang):
    for key in prompts.names(lang, "sms"):
        filled = prompts.sms(lang, key, ref="2633212345", due="12-31 23:59",
                             url="https://12345.beijing.gov.cn/t/" + "x" * 16)
        assert segments(filled) <= 2, (key, filled)
        if lang == "zh":
            assert len(filled) <= 134
