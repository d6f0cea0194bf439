"""The one conversation turn: what every text channel gets from the core, whatever renders it."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hotline.contact.turn import Channel, Inbound
from hotline.store.models import Conversation, Message, Ticket, TicketEvent
from callbacks.sweep import sweep_deadlines
from hotline.clocks import followups
from hotline.work import lifecycle as tickets
from tests.helpers import at
from tests.factories import dispatched
from tests.scheduler_helpers import CITIZEN, add_staff, outbound, with_config

NOW = at("2026-11-28 02:00")
SMS = Channel("sms", by_phone=True, thread_hours=24, opt_out=True, surveys=True)
CHAT = Channel("web", live_agent=True)
# A channel the core has never heard of needs nothing but its traits (e.g. WeChat's open id).
WECHAT = Channel("wechat")
PHONE = "+8613800138000"


class Texter:
    """One sender on one channel; every message is one call of Services.converse."""

    def __init__(self, db, channel, sender=PHONE):
        self.db, self.channel, self.sender, self.n = db, channel, sender, 0

    def __call__(self, text, *, minutes=0, key=None):
        self.n += 1
        return self.db.converse(Inbound(channel=self.channel, sender=self.sender, text=text,
                                        message_key=key or f"{self.sender}-{self.n}"), now=NOW + timedelta(minutes=minutes))


def count(db, model):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def text_of(outcome):
    return "\n".join(r.text for r in outcome.replies)


@pytest.mark.parametrize("word", ["status", "查询", "进度", "Status.", "查询进度"])
def test_a_bare_status_word_lists_the_senders_open_requests_and_files_nothing(db, word):
    sms = Texter(db, SMS)
    filed = sms("望京街道小区停水了")
    out = sms(word, minutes=1)
    assert filed.ticket.reference in text_of(out)
    assert count(db, Ticket) == 1


def test_a_bare_status_word_with_nothing_open_says_so(db):
    out = Texter(db, SMS)("status")
    assert "no open tickets" in text_of(out).lower() and count(db, Ticket) == 0


def test_a_reference_gets_its_status_and_an_unknown_one_is_named(db):
    filed = Texter(db, SMS)("望京小区停水了")
    other = Texter(db, SMS, sender="+8613900139000")
    out = other(f"status {filed.ticket.reference}")
    assert filed.ticket.reference in text_of(out) and "dispatched" in text_of(out)
    mine = Texter(db, SMS)(f"查询{filed.ticket.reference}")
    assert "11-29" in text_of(mine)  # the citizen's own ticket: with its due time
    assert "11-29" not in text_of(out) and "水" not in text_of(out)  # a stranger: no due time, no unit
    assert "No ticket" in text_of(other("status 2633299999"))
    assert count(db, Ticket) == 1


@pytest.mark.parametrize("channel", [SMS, CHAT, WECHAT])
@pytest.mark.parametrize("words", ["I want to talk to a person", "can I speak with an agent please", "转人工",
                                   "我要找人工客服", "agent"])
def test_hand_off_words_work_in_both_languages_on_every_channel(db, channel, words):
    out = Texter(db, channel, sender=PHONE if channel.by_phone else "chat-handoff-1")(words)
    assert out.handoff and out.status == "handed_off"
    assert count(db, Ticket) == 0


def test_a_place_alone_right_after_filing_is_offered_as_an_addition_not_a_second_ticket(db):
    sms = Texter(db, SMS)
    filed = sms("小区停水了，已经两天了", minutes=0)
    assert filed.ticket is not None or "哪里" in text_of(filed)
    if filed.ticket is None:
        filed = sms("望京街道", minutes=1)  # the form asked where; now it is filed
    ref = filed.ticket.reference
    offer = sms("朝阳区望京街道", minutes=3)
    assert ref in text_of(offer) and count(db, Ticket) == 1
    added = sms("1", minutes=4)
    assert ref in text_of(added) and count(db, Ticket) == 1
    with db.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert "望京" in ticket.location_text
        assert s.scalar(select(func.count()).select_from(TicketEvent).where(TicketEvent.action == "place_added")) == 1


def test_declining_the_offer_takes_the_place_as_a_new_report(db):
    sms = Texter(db, SMS)
    sms("望京街道小区停水了")
    sms("海淀区中关村街道", minutes=2)
    out = sms("2", minutes=3)
    assert count(db, Ticket) == 1  # a place alone is no complaint: the new report asks what happened
    assert "描述" in text_of(out)


def test_a_retried_message_gets_the_first_reply_and_files_once(db):
    sms = Texter(db, SMS)
    first = sms("望京街道小区停水了", key="SMretry")
    again = sms("望京街道小区停水了", key="SMretry")
    assert again.repeated and text_of(again) == text_of(first)
    assert count(db, Ticket) == 1


def test_chat_message_keys_are_per_conversation(db):
    a = Texter(db, CHAT, sender="conversation-aaaaaaaaaaaaaaaaaaaa-1")
    b = Texter(db, CHAT, sender="conversation-aaaaaaaaaaaaaaaaaaaa-2")
    first = a("望京街道小区停水了", key="m1")
    other = b("海淀区中关村街道路灯坏了", key="m1")
    assert not other.repeated and other.conversation_id != first.conversation_id
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Message).where(Message.direction == "in")) == 2


def test_a_new_channel_needs_no_change_in_the_core(db):
    out = Texter(db, WECHAT, sender="oWx-open-id-1")("望京街道小区停水了，请尽快处理")
    with db.session() as s:
        conv = s.scalars(select(Conversation)).one()
        assert conv.channel == "wechat" and conv.external_id == "oWx-open-id-1"
    assert out.replies


def test_an_sms_survey_answer_through_the_turn_honours_the_configured_window_and_sms_switch(db, session):
    """The turn hands the 回访 answer its config (a mock once hid that it did not): window and SMS switch hold."""
    svc = with_config(db, **{"followup.channel": "sms", "followup.sms_answer_hours": 5, "reminders.sms": False})
    ticket = dispatched(session, db.core, NOW, phone="13800138000")
    add_staff(session, NOW, ticket.unit_code)
    tickets.sign(session, ticket, actor="user:1", now=NOW + timedelta(minutes=30))
    tickets.resolve(session, ticket, resolution="已处理。", actor="user:1", now=NOW + timedelta(hours=24))
    session.commit()
    answered = NOW + timedelta(hours=24)
    sweep_deadlines(svc, answered)
    sms = Texter(svc, SMS, sender=CITIZEN)
    sms("2", minutes=24 * 60 + 60)  # not solved
    session.expire_all()
    clock = followups.followup_clock(session.get(Ticket, ticket.id))
    assert clock.next_action_at == answered + timedelta(hours=1 + 5)
    session.commit()
    sms("3", minutes=24 * 60 + 120)  # not satisfied: reopened
    session.expire_all()
    assert session.get(Ticket, ticket.id).status == "reopened"
    assert outbound(session, purpose="reopened") == []  # reminders.sms is off: the unit is not texted


def test_an_anonymous_chat_emergency_gets_the_safety_line_then_where_and_is_filed_on_the_answer(db):
    chat = Texter(db, CHAT, sender="chat-emergency-1")
    first = chat("我家厨房燃气泄漏了")
    assert "110" in text_of(first) and "哪里" in text_of(first)
    assert count(db, Ticket) == 0  # a script flooding the chat with emergencies files nothing
    filed = chat("朝阳区望京西园三区5号楼")
    with db.session() as s:
        (ticket,) = s.scalars(select(Ticket)).all()
        assert ticket.time_limit_class == "emergency" and "望京西园" in ticket.location_text
    assert filed.ticket.reference == ticket.reference


def test_an_sms_emergency_is_filed_at_once_and_asked_where(db):
    sms = Texter(db, SMS)
    first = sms("我家厨房燃气泄漏了")
    assert first.ticket is not None and "110" in text_of(first) and "地点" in text_of(first)
    added = sms("望京西园三区5号楼", minutes=1)
    assert first.ticket.reference in text_of(added)
    with db.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert ticket.time_limit_class == "emergency" and "望京西园三区5号楼" in ticket.location_text


def test_an_anonymous_chat_emergency_naming_its_place_is_confirmed_once_before_it_is_filed(db):
    chat = Texter(db, CHAT, sender="chat-emergency-2")
    asked = chat("朝阳区望京街道有人被困电梯里了")
    assert "110" in text_of(asked) and [c["payload"] for c in asked.replies[0].choices] == ["1", "2"]
    assert count(db, Ticket) == 0
    filed = chat("1")
    assert filed.ticket is not None and count(db, Ticket) == 1
    other = Texter(db, CHAT, sender="chat-emergency-3")
    other("朝阳区望京街道有人被困电梯里了")
    assert "取消" in text_of(other("2")) and count(db, Ticket) == 1


def test_a_chat_sending_too_fast_is_asked_to_slow_down_and_nothing_is_lost(db):
    svc = with_config(db, **{"chat.max_messages_per_minute": 3})
    chat = Texter(svc, CHAT, sender="chat-fast-1")
    answers = [chat(f"路灯坏了第{i}次") for i in range(5)]
    assert "太快" not in text_of(answers[2]) and "太快" in text_of(answers[3])
    assert count(db, Message) >= 5  # every message stored


def test_anonymous_tickets_beyond_the_global_budget_are_not_filed(db):
    svc = with_config(db, **{"chat.max_tickets_per_minute": 2})
    filed = []
    for i in range(4):
        chat = Texter(svc, CHAT, sender=f"chat-flood-{i}")
        chat("朝阳区望京街道路灯坏了")
        filed.append(chat("13800138000"))
    assert count(db, Ticket) == 2
    assert "12345" in text_of(filed[-1]) and filed[-1].ticket is None
    sms = Texter(svc, SMS)  # a verified phone is outside the anonymous budget
    assert sms("望京街道小区停水了").ticket is not None


def test_reference_look_ups_are_throttled_per_conversation(db):
    sms = Texter(db, SMS, sender="+8613900139000")
    answers = [sms(f"status 26332{i:05d}") for i in range(7)]
    assert "No ticket" in text_of(answers[4]) and "Too many" in text_of(answers[5])


def test_an_ambiguous_place_is_asked_back_and_the_choice_is_what_the_ticket_carries(db):
    sms = Texter(db, SMS)
    sms("路灯坏了好几天了")
    asked = sms("八里庄", minutes=1)
    assert "1 朝阳区八里庄街道" in text_of(asked) and "2 海淀区八里庄街道" in text_of(asked)
    filed = sms("海淀的", minutes=2)
    assert filed.ticket is not None
    with db.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert ticket.township_code == "110108005"
        assert ticket.district_code == "110108" and "八里庄" in ticket.location_text


def test_the_ask_back_takes_a_number_and_chat_shows_buttons(db):
    chat = Texter(db, CHAT, sender="chat-which-1")
    chat("路灯坏了好几天了")
    asked = chat("八里庄")
    assert [c["payload"] for c in asked.replies[0].choices] == ["1", "2"]
    chat("1")
    chat("13800138000")
    with db.session() as s:
        assert s.scalars(select(Ticket)).one().district_code == "110105"  # 朝阳


def test_english_ask_back_carries_no_untranslated_chinese(db):
    sms = Texter(db, SMS)
    sms("The street light is broken")
    asked = sms("Balizhuang", minutes=1)
    assert "Chaoyang" in text_of(asked) and "Haidian" in text_of(asked)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in text_of(asked))


def test_a_question_by_sms_is_answered_from_the_knowledge_base_as_a_closed_consultation(db):
    sms = Texter(db, SMS)
    out = sms("请问居住证怎么办理？需要什么材料")
    assert "1" in text_of(out) and "2" in text_of(out) and len(text_of(out)) <= 134
    with db.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert (ticket.kind, ticket.status, ticket.unit_type) == ("consult", "closed", "city")
        assert not ticket.needs_triage
    thanks = sms("1", minutes=1)
    assert "再见" in text_of(thanks) or "感谢" in text_of(thanks)
    assert count(db, Ticket) == 1


def test_a_chat_question_not_answered_well_goes_to_an_agent(db):
    chat = Texter(db, CHAT, sender="chat-question-1")
    out = chat("垃圾分类怎么分？厨余垃圾是哪些")
    assert [c["payload"] for c in out.replies[0].choices] == ["1", "2"]
    agent = chat("2")
    assert agent.handoff and agent.status == "handed_off"
    with db.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert ticket.kind == "consult" and ticket.needs_triage  # waiting for an agent at the intake desk


def test_a_complaint_is_not_answered_from_the_knowledge_base(db):
    out = Texter(db, SMS)("望京街道小区停水了，已经两天了")
    assert out.ticket is not None and "工单号" in text_of(out)
    with db.session() as s:
        assert s.scalars(select(Ticket)).one().kind != "consult"


class ScriptedBot:
    """A Rasa stand-in that asks where and remembers what it was told."""

    available = True

    def __init__(self):
        self.heard = []

    def post(self, path, body):
        self.heard.append(body["message"])
        return [{"recipient_id": body["sender"], "text": "请问在哪里？"}]


def test_an_ambiguous_place_told_to_the_bot_is_asked_back_and_the_bot_hears_the_chosen_one(db):
    import dataclasses

    from hotline.contact.form import FormDialogue
    from hotline.contact.rasa import RasaDialogue
    bot = ScriptedBot()
    svc = dataclasses.replace(db, dialogue=RasaDialogue(db.core, bot, FormDialogue(db.core)))
    chat = Texter(svc, CHAT, sender="chat-bot-which")
    chat("路灯坏了好几天了")
    asked = chat("八里庄")
    assert [c["payload"] for c in asked.replies[0].choices] == ["1", "2"] and bot.heard == ["路灯坏了好几天了"]
    chat("海淀的")
    assert bot.heard[-1] == "海淀区八里庄街道"


@pytest.mark.parametrize("words", ["我的工单怎么样了", "我反映的问题处理得怎么样了", "how is my request going?"])
def test_asking_after_my_requests_in_a_sentence_lists_them(db, words):
    sms = Texter(db, SMS)
    filed = sms("望京街道小区停水了")
    out = sms(words, minutes=5)
    assert filed.ticket.reference in text_of(out) and count(db, Ticket) == 1


class HostDied(BaseException):
    """The web host was killed while it waited for the bot (nothing after this line of the turn ran)."""


def test_a_message_whose_host_died_waiting_for_the_bot_is_answered_when_it_is_retried(db):
    import dataclasses

    from hotline.contact.form import FormDialogue
    from hotline.contact.rasa import RasaDialogue

    class DiesOnce(ScriptedBot):
        def post(self, path, body):
            answer = super().post(path, body)
            if len(self.heard) == 1:
                raise HostDied()
            return answer

    bot = DiesOnce()
    svc = dataclasses.replace(db, dialogue=RasaDialogue(db.core, bot, FormDialogue(db.core)))
    chat = Texter(svc, CHAT, sender="chat-host-died")
    with pytest.raises(HostDied):
        chat("路灯坏了好几天了", key="m1")
    replayed = chat("路灯坏了好几天了", key="m1")  # nginx replays it on the other host
    assert not replayed.repeated and text_of(replayed) == "请问在哪里？" and len(bot.heard) == 2
    again = chat("路灯坏了好几天了", key="m1")  # answered now: a retry gets that answer, the bot is not asked
    assert again.repeated and text_of(again) == "请问在哪里？" and len(bot.heard) == 2
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Message).where(Message.direction == "in")) == 1
        assert "answering" not in s.scalars(select(Conversation)).one().state


def test_a_retry_that_arrives_while_the_first_try_still_waits_for_the_bot_is_answered_and_both_finish(db):
    import dataclasses

    from hotline.contact.form import FormDialogue
    from hotline.contact.rasa import RasaDialogue

    class SlowFirstAnswer(ScriptedBot):
        """The widget gives up waiting and sends the message again while the bot still thinks about the first."""

        def post(self, path, body):
            answer = super().post(path, body)
            if len(self.heard) == 1:
                self.retry = chat("路灯坏了好几天了", key="m1")
            return answer

    bot = SlowFirstAnswer()
    svc = dataclasses.replace(db, dialogue=RasaDialogue(db.core, bot, FormDialogue(db.core)))
    chat = Texter(svc, CHAT, sender="chat-slow-bot")
    first = chat("路灯坏了好几天了", key="m1")
    assert text_of(bot.retry) == "请问在哪里？" and text_of(first) == "请问在哪里？" and len(bot.heard) == 2
    with db.session() as s:
        replies = s.scalars(select(Message.body).where(Message.direction == "out")).all()
        assert replies == ["请问在哪里？"]  # the answer is stored once, whichever try recorded it first
        assert "answering" not in s.scalars(select(Conversation)).one().state
