"""A citizen opens the tracking link and anyone opens the monthly ranking, in Chromium, in Chinese and English."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import H, SANLITUN, WANGJING, walk
from tests.helpers import at
from tests.web.public_support import NOW, personal_data, tracked_ticket

pytestmark = pytest.mark.browser
AS_OF = at("2026-12-20 00:00")


@pytest.fixture
def tracked(app, db):
    """The tracking token of a finished ticket carrying a phone, a name and the citizen's own words."""
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    with db.session() as s:
        t = tracked_ticket(s, db.core)
        return t.reference, t.tracking_token


@pytest.fixture
def ranked(app, db):
    """Three tickets in November and the tracked one, seen from December."""
    app.config["HOTLINE_CLOCK"] = lambda: AS_OF
    with db.session() as s:
        walk(s, db.core, opened=at("2026-11-03 10:00"), sign=1 * H, contact=2 * H, resolve=5 * H, followup=30 * H)
        walk(s, db.core, township=SANLITUN, opened=at("2026-11-04 10:00"), sign=3 * H, contact=4 * H)
        tracked_ticket(s, db.core)


def _no_personal_data(page) -> None:
    text = page.locator("body").inner_text()
    for secret in personal_data():
        assert secret not in text, secret
    # Nothing that reads as a mobile number either (masked ones keep only their last four digits).
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", text)


def test_the_tracking_page_in_chinese_shows_the_whistle_record_and_no_personal_data(tracked, live_server, page):
    ref, token = tracked
    response = page.goto(f"{live_server}/t/{token}")
    assert response.status == 200 and response.headers["cache-control"] == "no-store"
    expect(page.locator("h1")).to_have_text(f"工单 {ref}")
    expect(page.locator("#status")).to_have_text("已回访")
    expect(page.locator("#unit")).to_have_text("望京街道")
    expect(page.locator("#whistle-summary")).to_contain_text("事不完，人不走")
    expect(page.locator("#whistles tbody tr")).to_have_count(2)
    expect(page.locator("#whistles tbody tr").nth(1)).to_contain_text("超时")
    expect(page.locator("#answer")).to_contain_text("安装油烟净化器")
    expect(page.locator("#followup")).to_contain_text("基本满意")
    _no_personal_data(page)


def test_the_tracking_page_switches_to_english_and_keeps_the_choice(tracked, live_server, page):
    ref, token = tracked
    page.goto(f"{live_server}/t/{token}")
    page.click("text=English")
    expect(page.locator("h1")).to_have_text(f"Ticket {ref}")
    expect(page.locator("#whistle-summary")).to_contain_text("2 of 2 done")
    expect(page.locator("#followup")).to_contain_text("Basically satisfied")
    _no_personal_data(page)
    page.goto(f"{live_server}/t/{token}")  # the cookie remembers English
    expect(page.locator("#status")).to_have_text("followed up")


def test_a_wrong_token_shows_no_ticket(tracked, live_server, page):
    ref, token = tracked
    for path in (f"/t/{token[::-1]}", f"/t/{ref}"):
        assert page.goto(f"{live_server}{path}").status == 404
        assert ref not in page.content()


def test_the_home_page_leads_to_the_ranking_of_every_township_in_chinese(ranked, live_server, page):
    page.goto(f"{live_server}/")
    page.click("#public-ranking")
    expect(page).to_have_url(re.compile(r"/ranking\?lang=zh$"))
    expect(page.locator("h1")).to_contain_text("2026-11")
    rows = page.locator("#ranking-township tbody tr")
    assert rows.count() >= 343
    expect(page.locator(f"#ranking-township tr[data-unit='{WANGJING}'] td[data-col=unit]")).to_have_text("望京街道")
    expect(page.locator(f"#ranking-township tr[data-unit='{WANGJING}'] td[data-col=rank]")).to_have_text("不排名")
    assert page.locator("#ranking-department tbody tr").count() > 30
    _no_personal_data(page)
    # The open data behind the page, one click away.
    with page.expect_download() as download:
        page.evaluate("document.querySelector('#csv-link').setAttribute('download', '')")
        page.click("#csv-link")
    assert download.value.suggested_filename.endswith(".csv")


def test_the_ranking_in_english(ranked, live_server, page):
    page.goto(f"{live_server}/?lang=en")
    page.click("#public-ranking")
    expect(page.locator("h1")).to_contain_text("Monthly ranking of every street, township and department")
    expect(page.locator("#ranking-township thead")).to_contain_text("Response rate")
    expect(page.locator(f"#ranking-township tr[data-unit='{WANGJING}'] td[data-col=rank]")).to_have_text("unranked")
    expect(page.locator(f"#ranking-township tr[data-unit='{WANGJING}'] td[data-col=unit]")).to_contain_text(
        "wangjingjiedao")
    _no_personal_data(page)
    page.click("text=中文")
    expect(page.locator("#ranking-township thead")).to_contain_text("响应率")


def test_the_chat_widget_makes_the_tracking_link_clickable_only_for_this_hotline(app, live_server, page):
    token = "hw6yniqFLdS1D7dL"
    own, foreign = f"{live_server}/t/{token}", f"https://elsewhere.example/t/{token}"

    def fake_chat(route):
        # The chat API answers the widget with a filed message (the poll that follows gets nothing new).
        if route.request.method != "POST":
            return route.fulfill(json={"messages": [], "status": "open"})
        route.fulfill(json={"conversation_id": "c" * 16, "status": "open", "replies": [
            {"text": f"已受理，工单号2633212345。回复“查询2633212345”或点链接查进度 {own}"},
            {"text": f"假的 {foreign}"}]})

    page.route("**/chat/api/messages*", fake_chat)
    page.goto(f"{live_server}/")
    page.click(".h12345-launcher")
    page.fill(".h12345-input", "小区停水了")
    page.click(".h12345-send")
    link = page.locator(".h12345-log a.h12345-track")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", own)
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(page.locator(".h12345-log")).to_contain_text(f"假的 {foreign}")  # shown, not linked
