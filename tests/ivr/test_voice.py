"""The call, step by step, with signed webhooks and parsed TwiML, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from hotline.store.models import CallbackRequest, Citizen, Conversation, OutboundMessage, Ticket
from tests.ivr.support import NOW, PUBLIC, Call, spoken

CALLER = "+8613800138000"
REPORT_ZH = ("我家小区停水了，一直没有水", "朝阳区望京街道")


def tickets(db) -> list[Ticket]:
    with db.session() as s:
        return list(s.scalars(select(Ticket).order_by(Ticket.id)))


def count(db, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def says(root, tag="Say"):
    return [el for el in root.iter(tag)]


def test_the_greeting_speaks_mandarin_and_offers_english_in_an_english_voice(twilio):
    root = Call(twilio).start()
    gather = root.find("Gather")
    assert gather.get("input") == "speech dtmf"
    assert gather.get("language") == "cmn-Hans-CN" and gather.get("numDigits") == "1"
    assert gather.get("action") == f"{PUBLIC}/twilio/voice/menu" and gather.get("actionOnEmptyResult") == "true"
    first, *_, last = gather.findall("Say")
    assert (first.get("voice"), first.get("language")) == ("Polly.Zhiyu", "cmn-CN")
    assert "12345" in first.text
    assert (last.get("voice"), last.get("language")) == ("Polly.Joanna", "en-US") and "press 9" in last.text
    # Should Twilio fall through without posting, the same step still hears the silence.
    assert root.find("Redirect").text == f"{PUBLIC}/twilio/voice/menu"


def test_a_whole_mandarin_report_files_one_ticket_reads_the_reference_twice_and_queues_it_by_sms(twilio, db):
    call = Call(twilio)
    call.start()
    asked = call.press("1")
    assert asked.find("Gather").get("input") == "speech dtmf" and "描述" in spoken(asked)
    where = call.say(REPORT_ZH[0])
    assert "停水" in spoken(where) and "哪里" in spoken(where)
    assert where.find("Gather").get("language") == "cmn-Hans-CN"
    confirm = call.say(REPORT_ZH[1])
    assert "朝阳区望京街道" in spoken(confirm) and "8 0 0 0" in spoken(confirm)
    done = call.press("1")

    (ticket,) = tickets(db)
    assert ticket.channel == "voice" and ticket.external_id == call.sid
    assert ticket.service_code == "UTL-NOWATER" and ticket.township_code == "110105026"
    assert ticket.callback_phone == CALLER and ticket.lang == "zh" and not ticket.needs_triage
    text = spoken(done)
    assert text.count(" ".join(ticket.reference)) == 2
    due = ticket.due_at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{due.month}月{due.day}日{due.hour}点" in text  # the deadline, as the SMS gives it
    assert "稍后" in text and "已通过短信发送" not in text  # the SMS is queued, not yet sent
    assert done.find("Hangup") is not None
    assert all(s.get("voice") == "Polly.Zhiyu" for s in says(done))
    with db.session() as s:
        (sms,) = s.scalars(select(OutboundMessage))
    assert sms.to == CALLER and sms.kind == "sms" and sms.purpose == "reference" and sms.status == "queued"
    assert ticket.reference in sms.body and len(sms.body) <= 134
    assert sms.body.endswith(f"/t/{ticket.tracking_token}")  # the citizen's tracking page
    assert sms.idempotency_key == f"ticket-{ticket.id}-reference-sms"


def test_the_status_callback_after_a_filed_call_files_nothing_more(twilio, db):
    call = Call(twilio)
    call.start(), call.press("1"), call.say(REPORT_ZH[0]), call.say(REPORT_ZH[1]), call.press("1")
    call.hang_up()
    call.hang_up()  # Twilio retries status callbacks too
    assert len(tickets(db)) == 1
    with db.session() as s:
        assert s.scalars(select(Conversation)).one().status == "closed"


def test_a_retried_filing_webhook_gives_the_same_ticket_and_the_same_words(twilio, db):
    call = Call(twilio)
    call.start(), call.press("1"), call.say(REPORT_ZH[0]), call.say(REPORT_ZH[1])
    path = call.action()
    first = spoken(call.post(path, Digits="1"))
    again = spoken(call.post(path, Digits="1"))
    assert first == again
    assert len(tickets(db)) == 1 and count(db, OutboundMessage) == 1


def test_an_english_caller_hears_english_voices_and_is_greeted_in_english_next_time(twilio, db):
    call = Call(twilio)
    call.start()
    menu = call.press("9")
    gather = menu.find("Gather")
    assert gather.get("language") == "en-US"
    assert {(s.get("voice"), s.get("language")) for s in gather.findall("Say")[:-1]} == {("Polly.Joanna", "en-US")}
    call.press("1")
    where = call.say("There is no water in my building")
    assert "Water outage" in spoken(where)
    call.say("Wangjing, Chaoyang")
    done = call.press("1")
    assert "reference" in spoken(done)
    (ticket,) = tickets(db)
    assert ticket.lang == "en" and ticket.township_code == "110105026"
    with db.session() as s:
        assert s.scalars(select(Citizen).where(Citizen.phone == CALLER)).one().lang == "en"
        assert "12345" in s.scalars(select(OutboundMessage)).one().body
    second = Call(twilio, sid="CA" + "2" * 32).start()
    assert second.find("Gather").get("language") == "en-US"
    assert "citizen hotline" in second.find("Gather").find("Say").text


def test_describing_the_problem_at_the_menu_skips_the_menu(twilio, db):
    call = Call(twilio)
    call.start()
    reply = call.say("望京街道的路灯坏了好几天了")
    assert "路灯" in spoken(reply) and call.action() == "/twilio/voice/callback-number"
    call.press("1")
    assert tickets(db)[0].service_code.startswith("URB")


def test_another_callback_number_can_be_keyed_in(twilio, db):
    call = Call(twilio)
    call.start(), call.press("1"), call.say(REPORT_ZH[0]), call.say(REPORT_ZH[1])
    keys = call.press("2")
    gather = keys.find("Gather")
    assert gather.get("input") == "dtmf" and gather.get("finishOnKey") == "#"
    again = call.press("12345")
    assert "无效" in spoken(again) and not tickets(db)
    call.press("13900139001")
    assert tickets(db)[0].callback_phone == "+8613900139001"


def test_a_caller_without_caller_id_is_asked_for_a_number(twilio, db):
    call = Call(twilio, caller=None)
    call.start(), call.press("1"), call.say(REPORT_ZH[0])
    keys = call.say(REPORT_ZH[1])
    assert keys.find("Gather").get("input") == "dtmf" and "输入" in spoken(keys)
    call.press("13900139001")
    assert tickets(db)[0].callback_phone == "+8613900139001"


def test_emergency_words_at_any_point_give_110_119_120_and_a_two_hour_ticket(agent_twilio, db):
    call = Call(agent_twilio)
    call.start(), call.press("1"), call.say("小区停水了")
    reply = call.say("等等，楼道里燃气泄漏了，味道很大")  # said when asked where
    text = spoken(reply)
    assert "110" in text and "119" in text and "120" in text
    (ticket,) = tickets(db)
    assert ticket.time_limit_class == "emergency" and ticket.service_code == "EMG-GAS"
    assert ticket.due_at - ticket.opened_at == timedelta(hours=2)
    assert "燃气泄漏" in ticket.text and "停水" in ticket.text
    assert text.count(" ".join(ticket.reference)) == 2
    # Right after the safety line, one short question: where?
    assert call.action() == "/twilio/voice/emergency-where" and "地点" in text
    assert int(reply.find("Gather").get("timeout")) <= 10
    offer = call.say("望京西园三区五号楼")
    assert call.action() == "/twilio/voice/transfer" and "望京西园三区五号楼" in spoken(offer)
    (ticket,) = tickets(db)
    assert "望京西园三区五号楼" in ticket.location_text
    with db.session() as s:
        assert s.scalars(select(OutboundMessage)).one().urgent


def test_the_emergency_transfer_dials_the_agent_with_a_timeout_and_falls_back_to_voicemail(agent_twilio, db):
    call = Call(agent_twilio)
    call.start()
    warned = call.press("3")
    assert "110" in spoken(warned)
    call.say("有人被困在电梯里了")
    call.say("三号楼二单元")
    dial = call.press("1").find("Dial")
    assert dial.find("Number").text == "+8613900139000" and dial.get("timeout") == "20"
    assert dial.get("action") == f"{PUBLIC}/twilio/voice/dial-result"
    missed = call.post("/twilio/voice/dial-result", DialCallStatus="no-answer")
    record = missed.find("Record")
    assert record.get("maxLength") == "120" and record.get("action") == f"{PUBLIC}/twilio/voice/voicemail"
    call.record("https://api.twilio.com/rec/RE9")
    (ticket,) = tickets(db)
    assert ticket.service_code == "EMG-LIFT" and ticket.recording_url == "https://api.twilio.com/rec/RE9"
    assert [e.action for e in _events(db, ticket)][-1] == "voicemail"


def _events(db, ticket):
    with db.session() as s:
        return list(s.get(Ticket, ticket.id).events)


def test_choosing_emergency_without_words_still_files_a_two_hour_ticket_for_a_human(twilio, db):
    call = Call(twilio)
    call.start(), call.press("3")
    where = call.silence()
    assert "地点" in spoken(where) and where.find("Gather") is not None
    (ticket,) = tickets(db)
    assert ticket.time_limit_class == "emergency" and ticket.needs_triage and ticket.triage_reason == "unclassified"
    # Nor can the caller say where: filed all the same, marked for a human to call back.
    reply = call.silence()
    assert "needs_callback" in [e.action for e in _events(db, ticket)]
    # No agent number configured: the caller can leave details as a voicemail on the same ticket.
    assert reply.find("Record") is not None


def test_speech_not_understood_twice_takes_a_voicemail_filed_for_a_human(twilio, db):
    call = Call(twilio)
    call.start(), call.press("1")
    again = call.say("嗯嗯啊啊")
    assert "没有听清楚" in spoken(again) and again.find("Gather") is not None
    record = call.say("那个那个")
    assert record.find("Record").get("maxLength") == "120"
    assert not tickets(db)
    done = call.record("https://api.twilio.com/rec/RE1")
    (ticket,) = tickets(db)
    assert ticket.triage_reason == "voicemail" and ticket.recording_url == "https://api.twilio.com/rec/RE1"
    assert "嗯嗯啊啊" in ticket.text and "那个那个" in ticket.text
    assert " ".join(ticket.reference) in spoken(done)


def test_silence_is_asked_again_once_then_goes_to_voicemail(twilio, db):
    call = Call(twilio)
    call.start(), call.press("1")
    again = call.silence()
    assert "没有听到" in spoken(again) and again.find("Gather") is not None
    assert call.silence().find("Record") is not None
    # Nothing said and nothing recorded: no ticket, a polite goodbye.
    bye = call.post("/twilio/voice/voicemail")
    assert bye.find("Hangup") is not None and not tickets(db)


def test_hanging_up_half_way_files_what_was_said_as_an_incomplete_ticket(twilio, db):
    call = Call(twilio)
    call.start(), call.press("1"), call.say("路灯坏了一个星期了")
    call.hang_up()
    (ticket,) = tickets(db)
    assert ticket.triage_reason == "incomplete" and ticket.needs_triage and "路灯坏了一个星期了" in ticket.text
    assert ticket.external_id == call.sid and ticket.callback_phone == CALLER
    with db.session() as s:
        assert s.scalars(select(OutboundMessage)).one().ticket_id == ticket.id
    call.hang_up()
    assert len(tickets(db)) == 1


def test_hanging_up_at_the_greeting_files_nothing(twilio, db):
    call = Call(twilio)
    call.start()
    call.hang_up()
    assert not tickets(db) and count(db, Conversation) == 1


def test_status_by_the_callers_own_phone_and_by_a_keyed_reference(twilio, db):
    first = Call(twilio)
    first.start(), first.press("1"), first.say(REPORT_ZH[0]), first.say(REPORT_ZH[1]), first.press("1")
    (ticket,) = tickets(db)
    call = Call(twilio, sid="CA" + "3" * 32)
    call.start()
    mine = call.press("2")
    text = spoken(mine)
    assert "1个未办结" in text and "停水" in text and "已派单" in text
    # Caller ID can be spoofed: the listing names no reference and no due time.
    assert " ".join(ticket.reference) not in text and "11月29日" not in text
    ask = call.press("1")
    assert ask.find("Gather").get("numDigits") == "10"
    found = call.press(ticket.reference)
    assert "已派单" in spoken(found) and "11月29日10点00分" in spoken(found)  # 24 hours from 10:00 Beijing
    missing = call.post("/twilio/voice/status-ref", Digits="2633299999")
    assert "没有找到" in spoken(missing)


def test_a_stranger_checking_status_is_asked_for_a_reference_in_english(twilio, db):
    call = Call(twilio, caller="+8613700137000")
    call.start(), call.press("9")
    reply = call.press("2")
    assert "no open tickets" in spoken(reply) and reply.find("Gather").get("language") == "en-US"


def test_an_agent_call_queues_and_the_caller_can_leave_the_queue_for_a_callback(twilio, db):
    call = Call(twilio)
    call.start(), call.press("0")
    enqueue = call.press("1").find("Enqueue")
    assert enqueue.text == "hotline" and enqueue.get("waitUrl") == f"{PUBLIC}/twilio/voice/hold"
    hold = call.post("/twilio/voice/hold", QueuePosition="3")
    assert hold.find("Gather").get("action") == f"{PUBLIC}/twilio/voice/hold-choice"
    assert call.press("1").find("Leave") is not None
    result = call.post("/twilio/voice/queue-result", QueueResult="leave")
    assert "回电" in spoken(result) and result.find("Hangup") is not None
    with db.session() as s:
        (cb,) = s.scalars(select(CallbackRequest))
    assert cb.phone == CALLER and cb.source == "ivr" and cb.status == "pending" and cb.next_attempt_at == NOW
    assert cb.idempotency_key == f"ivr-callback-{call.sid}"


def test_asking_for_a_callback_instead_of_waiting_books_one_once(twilio, db):
    call = Call(twilio)
    call.start(), call.press("0")
    path = call.action()
    booked = call.press("2")
    assert "8 0 0 0" in spoken(booked)
    call.post(path, Digits="2")
    assert count(db, CallbackRequest) == 1


def test_with_an_agent_number_the_agent_is_dialled_and_a_missed_transfer_books_a_callback(agent_twilio, db):
    call = Call(agent_twilio)
    call.start(), call.press("0")
    dial = call.press("1").find("Dial")
    assert dial.find("Number").text == "+8613900139000"
    missed = call.post("/twilio/voice/dial-result", DialCallStatus="busy")
    assert missed.find("Record") is not None and "回电" in spoken(missed)
    assert count(db, CallbackRequest) == 1


def test_a_webhook_without_a_call_sid_ends_politely(twilio, db):
    root = Call(twilio).post("/twilio/voice/menu", CallSid="", Digits="1")
    assert root.find("Hangup") is not None and count(db, Conversation) == 0


def test_the_fallback_apologises_in_both_languages_and_still_takes_a_voicemail(twilio):
    root = Call(twilio).post("/twilio/fallback", ErrorCode="11200")
    voices = {s.get("voice") for s in root.iter("Say")}
    assert voices == {"Polly.Zhiyu", "Polly.Joanna"}
    assert root.find("Record").get("action") == f"{PUBLIC}/twilio/voice/voicemail"


def test_unknown_parameters_are_accepted(twilio):
    root = Call(twilio).post("/twilio/voice", StirVerstat="TN-Validation-Passed-A", CallerCountry="CN",
                             SomethingNew="x")
    assert root.find("Gather") is not None


def test_an_ambiguous_place_is_asked_back_by_numbers_and_the_keyed_choice_is_filed(twilio, db):
    call = Call(twilio)
    call.start(), call.press("1"), call.say("路灯坏了好几天了")
    asked = call.say("八里庄")
    text = spoken(asked)
    assert "朝阳区八里庄街道请按1" in text and "海淀区八里庄街道请按2" in text
    assert call.action() == "/twilio/voice/which" and asked.find("Gather").get("numDigits") == "1"
    confirm = call.press("2")
    assert "海淀区八里庄街道" in spoken(confirm)
    call.press("1")
    (ticket,) = tickets(db)
    assert (ticket.district_code, ticket.township_code) == ("110108", "110108005")


def test_the_ask_back_understands_a_spoken_district(twilio, db):
    call = Call(twilio)
    call.start(), call.press("1"), call.say("路灯坏了好几天了"), call.say("八里庄")
    call.say("朝阳区的")
    call.press("1")
    (ticket,) = tickets(db)
    assert ticket.township_code == "110105015"


def test_a_spoken_question_is_answered_from_the_knowledge_base_and_2_reaches_an_agent(twilio, db):
    call = Call(twilio)
    call.start()
    answered = call.say("请问居住证怎么办理，需要准备什么材料")
    assert "按1" in spoken(answered) and "按2" in spoken(answered)
    assert call.action() == "/twilio/voice/consult"
    (ticket,) = tickets(db)
    assert ticket.kind == "consult" and ticket.status == "closed"
    offer = call.press("2")
    assert call.action() == "/twilio/voice/agent" and offer.find("Gather") is not None
    (ticket,) = tickets(db)
    assert ticket.needs_triage  # the consultation now waits for an agent


def test_a_caller_whose_question_was_answered_presses_1_and_the_call_ends(twilio, db):
    call = Call(twilio)
    call.start()
    call.say("垃圾分类怎么分，厨余垃圾包括哪些")
    bye = call.press("1")
    assert bye.find("Hangup") is not None
