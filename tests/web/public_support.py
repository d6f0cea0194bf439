"""A ticket worth tracking, with personal data the public pages must never show."""
from __future__ import annotations

from hotline.store.models import Ticket
from hotline.work import lifecycle
from tests.factories import H, PLACES, WANGJING, ticket
from tests.helpers import at

OPENED = at("2026-11-03 02:00")
NOW = at("2026-11-20 04:00")
# Personal data put on the ticket: none of it may appear on a public page.
CITIZEN_PHONE = "13912345678"
CALLBACK_PHONE = "+8613700001111"
REPORTER = "王小明"
REPORTER_EMAIL = "xiaoming@example.cn"
OWN_WORDS = "楼下烧烤店油烟熏得我家没法开窗"
ANSWER = "已联系商户整改，安装油烟净化器。如有疑问请致电 138 0013 8000 或 13511112222。"
DEPARTMENTS = ("BJ-STHJ", "BJ-CGZF")


def tracked_ticket(session, core, *, finish: bool = True) -> Ticket:
    """A 望京 ticket with two whistles; finished: both parts done, answered and followed up."""
    t = ticket(session, core, OPENED, text=OWN_WORDS, location=PLACES[WANGJING], phone=CITIZEN_PHONE,
               callback_phone=CALLBACK_PHONE, reporter_name=REPORTER, reporter_email=REPORTER_EMAIL,
               service_code="ENV-NOISE")
    lifecycle.sign(session, t, actor="user:1", now=OPENED + H)
    lifecycle.contact(session, t, actor="user:1", now=OPENED + 2 * H)
    whistles = lifecycle.blow_whistle(session, t, summons=[(d, f"请{REPORTER}协助") for d in DEPARTMENTS],
                                      actor="user:1", now=OPENED + 3 * H, report_within_hours=2)
    lifecycle.report_in(session, whistles[0], actor="user:2", now=OPENED + 4 * H)
    lifecycle.report_in(session, whistles[1], actor="user:3", now=OPENED + 6 * H)  # an hour late
    lifecycle.report_done(session, whistles[0], note=f"已联系{REPORTER} {CITIZEN_PHONE}", actor="user:2",
                          now=OPENED + 30 * H)
    if finish:
        lifecycle.report_done(session, whistles[1], note="已处罚", actor="user:3", now=OPENED + 40 * H)
        lifecycle.resolve(session, t, resolution=ANSWER, actor="user:1", now=OPENED + 48 * H)
        lifecycle.record_followup(session, t, solved=True, satisfaction="basically", actor="scheduler",
                                  now=OPENED + 72 * H)
    session.flush()
    return t


def personal_data() -> list[str]:
    """What must not appear on a public page (the phones also as their bare national digits)."""
    return [CITIZEN_PHONE, CALLBACK_PHONE, CALLBACK_PHONE.removeprefix("+86"), REPORTER, REPORTER_EMAIL,
            OWN_WORDS, "13800138000", "13511112222", "138 0013 8000"]
