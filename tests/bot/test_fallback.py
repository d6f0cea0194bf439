"""When Rasa stops or hangs, the built-in dialogue carries the same conversation on; nothing is lost."""
import pytest
from sqlalchemy import select

from hotline.store.models import Conversation, Ticket
from tests.bot.support import chat, texts

pytestmark = pytest.mark.rasa


def test_rasa_stopping_mid_conversation_the_form_continues_from_what_the_bot_gathered(
        bot_client, bot_services, dead_url):
    first = chat(bot_client, "小区门口的路灯坏了一个星期了，晚上特别黑")
    cid = first["conversation_id"]
    assert "哪里" in texts(first)
    bot_services.dialogue.client.url = dead_url  # Rasa is gone
    second = chat(bot_client, "朝阳区望京街道", cid)
    assert second["replies"][0]["text"] == "我们继续。" and "手机" in texts(second)
    filed = chat(bot_client, "13800138000", cid)
    reference = filed["ticket"]["reference"]
    with bot_services.session() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        assert ticket.text == "小区门口的路灯坏了一个星期了，晚上特别黑"
        assert (ticket.township_code, ticket.group) == ("110105026", "urban")
        conv = s.scalars(select(Conversation).where(Conversation.external_id == cid)).one()
        assert conv.ticket_id == ticket.id


def test_a_hung_rasa_times_out_into_the_form(bot_client, bot_services, silent_url):
    client = bot_services.dialogue.client
    client.url, client.timeout_s = silent_url, 0.5
    answer = chat(bot_client, "楼下饭馆油烟太大了")
    assert answer["replies"][0]["text"] == "我们继续。" and "哪里" in texts(answer)


def test_when_rasa_is_back_new_conversations_use_it_again(bot_client, bot_services, dead_url, rasa_stack):
    client = bot_services.dialogue.client
    clock = [1000.0]
    client.clock = lambda: clock[0]
    client.url = dead_url
    down = chat(bot_client, "楼上每天半夜装修很吵")
    assert "哪里" in texts(down)
    client.url = rasa_stack.url
    clock[0] += client.retry_after_s + 1
    back = chat(bot_client, "你好")
    with bot_services.session() as s:
        conv = s.scalars(select(Conversation).where(Conversation.external_id == back["conversation_id"])).one()
        assert "rasa_sender" in conv.state and conv.state.get("engine") != "form"
    assert "12345" in texts(back)
    # The conversation that started during the outage stays with the built-in form.
    assert "手机" in texts(chat(bot_client, "朝阳区望京街道", down["conversation_id"]))


def test_a_bot_that_cannot_reach_the_api_has_the_app_file_the_complaint(bot_client, bot_services, bot_gateway):
    first = chat(bot_client, "工地半夜还在施工，吵得睡不着，在海淀区中关村街道")
    cid = first["conversation_id"]
    chat(bot_client, "13800138003", cid)
    app, bot_gateway.app = bot_gateway.app, None  # the action server now gets 503s from the API
    try:
        filed = chat(bot_client, "/affirm", cid)
    finally:
        bot_gateway.app = app
    assert filed["ticket"]["reference"] in texts(filed)
    with bot_services.session() as s:
        ticket = s.scalars(select(Ticket)).one()
        assert ticket.callback_phone == "+8613800138003" and ticket.group == "environment"
