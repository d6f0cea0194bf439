"""The console in a real Chromium: sign in, work a ticket to resolved, live chat, live inbox, XSS shown as text."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.store.models import Conversation, Message, Notification, Ticket
from tests.factories import ticket
from tests.web.console_support import CALLED, NOW, build_world, sign_in

pytestmark = pytest.mark.browser
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>"\'><svg onload=window.__xss=1>'


@pytest.fixture
def console_world(console_app, db):
    return build_world(db)


@pytest.fixture
def console_app(app):
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    return app


# What the ticket page says, in each of the console's languages (its catalogue: console/translations).
SAYS = {"en": {"signed": "signed", "in_progress": "in_progress", "resolved": "resolved", "queue": "Tickets",
               "flash": "Signed for.", "sign_out": "Sign out"},
        "zh": {"signed": "已签收", "in_progress": "办理中", "resolved": "已办结", "queue": "工单",
               "flash": "已签收。", "sign_out": "退出登录"}}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_handler_signs_in_and_works_a_ticket_from_the_queue_to_resolved(live_server, page, console_world, db,
                                                                          lang):
    says = SAYS[lang]
    sign_in(page, live_server, "handler_a", lang=lang)
    ref = console_world.refs["ta2"]
    page.goto(f"{live_server}/console/tickets")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN" if lang == "zh" else "en")
    expect(page.locator("h1")).to_contain_text(says["queue"])
    page.click(f"tr[data-reference='{ref}'] a")
    page.click("#do-sign")
    status = page.locator("#ticket-status")
    expect(status).to_have_attribute("data-status", "signed")  # the code stays; the word is the language's
    expect(status).to_have_text(says["signed"])
    expect(page.locator(".flash-ok")).to_have_text(says["flash"])
    page.fill("form:has(#do-contact) textarea", "已电话联系市民，约定今天下午到场")
    page.click("#do-contact")
    expect(status).to_have_text(says["in_progress"])
    page.fill("form:has(#do-resolve) textarea", "摊贩已劝离，城管每日巡查")
    page.click("#do-resolve")
    expect(status).to_have_text(says["resolved"])
    actions = page.eval_on_selector_all("#events li", "els => els.map(e => e.dataset.action)")
    assert actions[-3:] == ["sign", "contact", "resolve"]
    with db.session() as s:
        assert s.get(Ticket, console_world.tickets["ta2"]).resolution == "摊贩已劝离，城管每日巡查"
    page.click(f"text={says['sign_out']}")
    page.wait_for_selector("#login-form")
    page.goto(f"{live_server}/console/tickets")
    assert "/console/login" in page.url


def test_the_language_switch_turns_a_chinese_ticket_page_english_and_the_choice_sticks(live_server, page,
                                                                                         console_world):
    page.goto(f"{live_server}/console/login")  # a first visit: Chinese, the console's default
    expect(page.locator("#login-form button[type=submit]")).to_have_text("登录")
    page.fill("input[name=username]", "handler_a")
    page.fill("input[name=password]", "wrong-password-x")
    page.click("#login-form button[type=submit]")
    expect(page.locator(".flash-error")).to_have_text("用户名或密码错误。")
    sign_in(page, live_server, "handler_a", lang="zh")
    page.goto(f"{live_server}/console/tickets/{console_world.tickets['ta2']}")
    expect(page.locator("#do-sign")).to_have_text("签收")
    expect(page.locator("nav.nav")).to_contain_text("吹哨报到")
    page.click(".lang-switch a")  # "English", the rest of the URL kept
    expect(page.locator("#do-sign")).to_have_text("Sign for")
    expect(page.locator("nav.nav")).to_contain_text("Whistles")
    assert f"/console/tickets/{console_world.tickets['ta2']}" in page.url
    page.goto(f"{live_server}/console/tickets")  # no ?lang= any more: the cookie remembers
    expect(page.locator("h1")).to_contain_text("Tickets")
    page.click(".lang-switch a")  # "中文"
    expect(page.locator("h1")).to_contain_text("工单")


def test_an_agent_takes_over_a_handed_off_chat_and_both_sides_see_each_other_live(live_server, page, console_world, db):
    # The web-chat widget (issue 4) reads the same Message rows; here the citizen side is the database itself.
    with db.session() as s:
        conv = Conversation(channel="web", external_id="live-1", status="handed_off", state={}, lang="zh",
                            created_at=NOW, updated_at=NOW)
        s.add(conv)
        s.flush()
        s.add(Message(conversation_id=conv.id, channel="web", direction="in", sender="citizen",
                      body="电梯坏了三天了，转人工", media=[], created_at=NOW))
        conv_id = conv.id
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/console/chats")
    page.click(f"tr[data-conversation='{conv_id}'] button")
    page.wait_for_selector("#reply-form")
    page.fill("#reply-body", "您好，我是12345话务员，请问具体地址？")
    page.press("#reply-body", "Enter")
    page.wait_for_selector(".msg[data-sender=agent]")
    with db.session() as s:
        sent = s.scalars(select(Message).where(Message.conversation_id == conv_id, Message.sender == "agent")).all()
        assert [(m.body, m.direction, m.channel) for m in sent] == [("您好，我是12345话务员，请问具体地址？", "out", "web")]
        assert s.get(Conversation, conv_id).agent_id == console_world.users["agent"]
        s.add(Message(conversation_id=conv_id, channel="web", direction="in", sender="citizen",
                      body="朝阳区三里屯北小街5号楼", media=[], created_at=NOW))
    page.wait_for_selector("text=朝阳区三里屯北小街5号楼", timeout=3000)  # polled, no reload
    page.fill("#chat-ticket-form textarea[name=text]", "三里屯北小街5号楼电梯坏了三天")
    page.fill("#chat-ticket-form input[name=location]", "朝阳区三里屯北小街")
    page.click("#open-ticket")
    page.wait_for_selector("#ticket-status")
    with db.session() as s:
        conv = s.get(Conversation, conv_id)
        t = s.get(Ticket, conv.ticket_id)
        assert t.channel == "web" and t.conversation_id == conv_id
        told = s.scalars(select(Message).where(Message.conversation_id == conv_id, Message.sender == "agent")
                         .order_by(Message.id.desc())).first()
        assert t.reference in told.body
    expect(page.locator("#transcript")).to_contain_text("电梯坏了三天了，转人工")


def test_the_inbox_shows_a_new_escalation_without_a_reload_and_counts_it_in_the_tab_title(
        live_server, page, console_world, db):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/console/inbox")
    page.wait_for_selector("#inbox-empty", state="visible")
    with db.session() as s:
        s.add(Notification(audience_type="city", audience_code=None, kind="escalation",
                           ticket_id=console_world.tickets["tb"], message="建外街道超时未签收，升级督办", created_at=NOW))
    page.wait_for_selector("text=建外街道超时未签收，升级督办", timeout=5000)
    expect(page).to_have_title(re.compile(r"^\(1\) Inbox"))
    page.click("#inbox-list button")
    expect(page).to_have_title(re.compile(r"^Inbox"))


def test_script_in_a_citizen_complaint_or_chat_is_shown_as_text_and_never_runs(live_server, page, console_world, db):
    with db.session() as s:
        t = ticket(s, db.core, CALLED, text=f"三里屯有人私搭乱建 {XSS}", location=f"朝阳区三里屯街道 {XSS}",
                   phone="13800138099", channel="voice")
        conv = Conversation(channel="web", external_id="xss", status="handed_off", state={}, created_at=NOW,
                            updated_at=NOW)
        s.add(conv)
        s.flush()
        t.conversation_id = conv.id
        s.add(Message(conversation_id=conv.id, channel="web", direction="in", sender="citizen", body=XSS, media=[],
                      created_at=NOW))
        ticket_id, conv_id = t.id, conv.id
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/console/tickets")
    page.goto(f"{live_server}/console/tickets/{ticket_id}")
    expect(page.locator("#ticket-text")).to_contain_text(XSS)
    expect(page.locator("#transcript")).to_contain_text(XSS)
    page.goto(f"{live_server}/console/chats")
    page.click(f"tr[data-conversation='{conv_id}'] button")
    page.wait_for_selector("#chatbox .msg")
    with db.session() as s:
        s.add(Message(conversation_id=conv_id, channel="web", direction="in", sender="citizen", body=XSS + " 2",
                      media=[], created_at=NOW))
    page.wait_for_selector("text=<svg onload=window.__xss=1> 2", timeout=3000)  # arrived through the JSON poll
    assert page.evaluate("window.__xss") is None
    assert page.locator("#chatbox img, #chatbox script, #chatbox svg, #ticket-text img").count() == 0
    assert dialogs == []


def test_an_agent_takes_over_a_chat_from_the_real_widget_and_the_reply_reaches_it_within_3_seconds(
        live_server, page, browser, console_world, db):
    citizen = browser.new_context(locale="zh-CN").new_page()
    citizen.set_default_timeout(10_000)
    try:
        citizen.goto(f"{live_server}/")
        citizen.click(".h12345-launcher")
        citizen.fill(".h12345-input", "小区电梯坏了，转人工")
        citizen.click(".h12345-send")
        citizen.wait_for_selector(".h12345-log >> text=人工客服")  # the bot hands the chat off
        sign_in(page, live_server, "agent")
        page.goto(f"{live_server}/console/chats")
        # The world's other chat is already this agent's (an "Open" link); the new one waits for a takeover.
        page.locator("#chat-list tr:has(button) button").click()
        page.wait_for_selector("#reply-form")
        page.fill("#reply-body", "您好，我是人工客服小王")
        page.press("#reply-body", "Enter")
        citizen.wait_for_selector(".h12345-log >> text=您好，我是人工客服小王", timeout=3000)
        citizen.fill(".h12345-input", "在朝阳区三里屯北小街5号楼")
        citizen.click(".h12345-send")
        page.wait_for_selector("#chatbox >> text=在朝阳区三里屯北小街5号楼", timeout=3000)
    finally:
        citizen.context.close()
