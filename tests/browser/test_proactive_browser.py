"""A supervisor turns a hotspot into a proactive case (未诉先办) in Chromium and finds it in the list of cases."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.store.models import MERGED, Ticket
from tests.factories import PLACES, WANGJING, ticket
from tests.helpers import at
from tests.web.console_support import make_users, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def noisy_november(app, db):
    app.config["HOTLINE_CLOCK"] = lambda: at("2026-12-01 02:00")
    with db.session() as s:
        make_users(s, ["supervisor"])
        for day, phone in ((3, "13800138010"), (4, "13800138011"), (5, "13800138012")):
            ticket(s, db.core, at(f"2026-11-{day:02d} 12:00"), text=f"望京西园烧烤店深夜噪音扰民，第{day}天",
                   location=PLACES[WANGJING], phone=phone, service_code="ENV-NOISE")


def test_a_supervisor_opens_a_case_from_a_hotspot_and_sees_it_listed(noisy_november, db, live_server, page):
    sign_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/console/assessment/hotspots?month=2026-11")
    page.locator("#hotspots a.open-case").first.click()
    expect(page.locator("#hotspot-waiting")).to_have_text("3")
    page.fill("input[name=title]", "望京西园烧烤噪音整治（每月一题）")
    page.check("input[name=department][value=BJ-ZJW]")
    page.click("#open-case button[type=submit]")
    expect(page.locator("p.flash")).to_contain_text("3")
    row = page.locator("#proactive-cases tbody tr").first
    expect(row.locator("td.merged")).to_have_text("3")
    expect(row.locator("td.whistles")).to_have_text("0 / 0 / 2")
    expect(row).to_contain_text("望京西园烧烤噪音整治")
    with db.session() as s:
        [case] = s.scalars(select(Ticket).where(Ticket.proactive.is_(True))).all()
        assert {t.status for t in s.scalars(select(Ticket).where(Ticket.master_id == case.id))} == {MERGED}
    # The reference links to the case, an ordinary ticket page.
    row.locator("a").first.click()
    expect(page.locator("h1")).to_contain_text(case.reference)
