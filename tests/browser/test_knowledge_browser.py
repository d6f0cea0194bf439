"""The knowledge base in a real Chromium: an agent searches from a ticket and sends an answer to the citizen."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.store.models import OutboundMessage, Ticket
from tests.factories import ticket
from tests.web.console_support import NOW, build_world, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def console_app(app):
    app.config["HOTLINE_CLOCK"] = lambda: NOW
    return app


@pytest.fixture
def waiting_consult(console_app, db):
    build_world(db)
    with db.session() as s:
        t = ticket(s, db.core, NOW, text="请问新能源指标要排多久", location=None, phone="13800138009", kind="consult",
                   channel="voice")
        return t.id


def test_an_agent_finds_the_answer_from_the_ticket_page_and_sends_it_by_sms(live_server, page, waiting_consult, db):
    sign_in(page, live_server, "agent")
    page.goto(f"{live_server}/console/tickets/{waiting_consult}")
    page.click("#do-knowledge")  # the box starts with the citizen's own words
    page.wait_for_selector("#kb-results")
    first = page.locator("section.kb-entry").first
    expect(first).to_have_attribute("data-entry", "car-quota-lottery")
    page.fill("#kb-search input[name=q]", "摇号结果怎么查")
    page.click("#kb-search button[type=submit]")
    expect(page.locator("section.kb-entry").first).to_have_attribute("data-entry", "car-quota-lottery")
    page.locator("section.kb-entry").first.locator("button.send-answer").click()
    expect(page.locator("p.flash")).to_contain_text("closed as answered")
    assert page.text_content("#ticket-status") == "closed"
    actions = page.eval_on_selector_all("#events li", "els => els.map(e => e.dataset.action)")
    assert actions[-3:] == ["knowledge_answer", "answer", "close"]
    with db.session() as s:
        [sms] = s.scalars(select(OutboundMessage).where(OutboundMessage.ticket_id == waiting_consult)).all()
        assert sms.body == db.core.knowledge.get("car-quota-lottery").sms["zh"]
        assert s.get(Ticket, waiting_consult).knowledge_entry == "car-quota-lottery"
