"""A supervisor opens the assessment dashboard and the monthly report in Chromium; the report prints to a PDF."""
from __future__ import annotations

import io
import re
import unicodedata

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.helpers import at
from tests.factories import H, SANLITUN, WANGJING, walk
from tests.web.console_support import PASSWORD, make_users

pytestmark = pytest.mark.browser
AS_OF = at("2026-12-20 00:00")


@pytest.fixture
def supervisor_world(app, db):
    app.config["HOTLINE_CLOCK"] = lambda: AS_OF
    with db.session() as s:
        make_users(s, ["supervisor"])
        walk(s, db.core, opened=at("2026-11-03 10:00"), sign=1 * H, contact=2 * H, resolve=5 * H, followup=30 * H)
        walk(s, db.core, opened=at("2026-11-04 10:00"), text="夜里广场舞音响太吵")
        walk(s, db.core, township=SANLITUN, opened=at("2026-11-04 10:00"), sign=3 * H, contact=4 * H)


def _sign_in(page, base: str, lang: str) -> None:
    page.goto(f"{base}/console/login?lang={lang}")  # the page's language, remembered in a cookie
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_load_state()


# The words each test reads, in both of the console's languages.
WORDS = {"en": {"unit": "Unit", "orders": "2 orders", "townships": "Townships", "response": "Response",
                "sign_out": "Sign out"},
         "zh": {"unit": "单位", "orders": "2 件工单", "townships": "街道乡镇", "response": "响应率",
                "sign_out": "退出登录"}}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_dashboard_opens_sorts_and_links_a_figure_to_its_orders(supervisor_world, live_server, page, lang):
    words = WORDS[lang]
    _sign_in(page, live_server, lang)
    page.goto(f"{live_server}/console/assessment/?month=2026-11")
    first = page.locator("table.ranking tbody tr").first
    expect(first).to_have_attribute("data-unit", WANGJING)
    expect(first.locator("td[data-col=response_rate]")).to_have_text("50.0%")
    # Sort by name through the column heading, then open the orders behind Wangjing's "due".
    page.click(f"th >> text={words['unit']}")
    expect(page).to_have_url(re.compile(r"[?&]sort=unit_name"))
    page.goto(f"{live_server}/console/assessment/?month=2026-11")
    page.locator(f"tr[data-unit='{WANGJING}'] td[data-col=due] a").click()
    expect(page.locator("#orders tbody tr")).to_have_count(2)
    expect(page.locator("h1")).to_contain_text(words["orders"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_monthly_report_renders_and_prints_to_a_pdf_with_the_ranking(supervisor_world, live_server, page, lang):
    words = WORDS[lang]
    _sign_in(page, live_server, lang)
    page.goto(f"{live_server}/console/assessment/report?month=2026-11")
    expect(page.locator("#ranking-township table.ranking tbody tr")).to_have_count(349)
    assert page.locator("svg.chart").count() >= 6
    pdf = page.pdf(format="A4", print_background=True)
    # The PDF's fonts map some characters to Kangxi radicals (⾥ for 里): NFKC folds them back.
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert words["townships"] in text and words["response"] in text
    # The first two rows of the township ranking (code, name, score computed by hand: 10×½ + 45 + 45 and 0),
    # compared without white space because a long name wraps inside its cell. With fewer orders due than
    # assessment.min_orders_ranked they are listed unranked, still in score order.
    squeezed = re.sub(r"\s+", "", text)
    first, second = squeezed.find(f"{WANGJING}望京街道95.0050.0%"), squeezed.find(f"{SANLITUN}三里屯街道0.000.0%")
    assert 0 <= first < second
    assert words["sign_out"] not in text  # the console's navigation does not print
