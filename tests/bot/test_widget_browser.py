"""The widget in Debian's Chromium, on the demo page, against the real bot."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.store.conversations import record_message
from hotline.store.db import utcnow
from hotline.store.models import Conversation, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.rasa]


def say(page, text):
    box = page.locator(".h12345-input")
    box.fill(text)
    box.press("Enter")


def last_bot(page):
    return page.locator(".h12345-bot .h12345-text").last


def open_widget(page, url):
    page.goto(url)
    page.get_by_role("button", name=re.compile("12345")).click()
    expect(page.locator(".h12345-input")).to_be_focused()


def reference_on_page(page) -> str:
    expect(page.locator(".h12345")).to_have_attribute("data-reference", re.compile(r"\d{10}"), timeout=30_000)
    return page.locator(".h12345").get_attribute("data-reference")


def test_a_citizen_files_a_complaint_in_chinese_and_sees_the_reference(page, bot_server, bot_services):
    open_widget(page, bot_server + "/")
    say(page, "我们楼下的路灯坏了一个星期了")
    expect(last_bot(page)).to_contain_text("哪里", timeout=30_000)
    say(page, "朝阳区望京街道")
    expect(last_bot(page)).to_contain_text("手机", timeout=30_000)
    say(page, "13800138000")
    page.get_by_role("button", name="确认提交").click()
    reference = reference_on_page(page)
    expect(last_bot(page)).to_contain_text(reference)
    with bot_services.session() as s:
        ticket = s.scalars(select(Ticket).where(Ticket.reference == reference)).one()
        # The group is the core classifier's: Rasa keeps the dialogue, the core classifies.
        expected = bot_services.classifier.classify("我们楼下的路灯坏了一个星期了").group
        assert (ticket.group, ticket.township_code, ticket.channel) == (expected, "110105026", "web")


def test_a_citizen_files_a_complaint_in_english_with_the_keyboard_only(page, bot_server, bot_services):
    page.goto(bot_server + "/?lang=en")
    launcher = page.get_by_role("button", name="Chat with 12345")
    launcher.focus()
    page.keyboard.press("Enter")
    say(page, "Garbage has not been collected in Wangjing for a week")
    expect(last_bot(page)).to_contain_text("mobile", timeout=30_000)
    say(page, "13800138000")
    expect(last_bot(page)).to_contain_text("Shall I file it", timeout=30_000)
    say(page, "yes")
    reference = reference_on_page(page)
    expect(last_bot(page)).to_contain_text(f"Reference {reference}: ")
    expect(last_bot(page)).to_contain_text("Track it: https://hotline.example.org/t/")
    with bot_services.session() as s:
        assert s.scalars(select(Ticket).where(Ticket.reference == reference)).one().lang == "en"
    page.keyboard.press("Escape")
    expect(page.locator(".h12345-panel")).to_be_hidden()


def test_markup_from_the_citizen_is_shown_as_text_and_never_run(page, bot_server):
    open_widget(page, bot_server + "/")
    attack = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
    say(page, attack)
    expect(page.locator(".h12345-you .h12345-text").last).to_have_text(attack)
    expect(last_bot(page)).not_to_have_text("", timeout=30_000)
    assert page.evaluate("window.__pwned") is None
    assert page.locator(".h12345-log img, .h12345-log script").count() == 0


def test_the_widget_keeps_working_when_rasa_stops_mid_conversation(page, bot_server, bot_services, dead_url):
    open_widget(page, bot_server + "/")
    say(page, "小区里的垃圾好几天没人收了")
    expect(last_bot(page)).to_contain_text("哪里", timeout=30_000)
    bot_services.dialogue.client.url = dead_url
    say(page, "海淀区中关村街道")
    expect(page.locator(".h12345-bot .h12345-text").filter(has_text="我们继续")).to_have_count(1, timeout=15_000)
    expect(last_bot(page)).to_contain_text("手机")
    say(page, "13800138000")
    reference = reference_on_page(page)
    with bot_services.session() as s:
        assert s.scalars(select(Ticket).where(Ticket.reference == reference)).one().township_code == "110108011"


def test_an_agents_reply_appears_in_the_widget_as_text(page, bot_server, bot_services):
    open_widget(page, bot_server + "/")
    say(page, "转人工")
    expect(page.locator(".h12345-status")).to_contain_text("人工", timeout=30_000)
    with bot_services.session() as s:
        conv = s.scalars(select(Conversation).where(Conversation.channel == "web")).one()
        record_message(s, conv, direction="out", body="您好，我是客服小李 <b>请讲</b>", now=utcnow(), sender="agent")
    agent = page.locator(".h12345-agent .h12345-text")
    expect(agent).to_have_text("您好，我是客服小李 <b>请讲</b>")
