"""Helpers for assessment tests: tickets walked through the real lifecycle at literal times."""
from __future__ import annotations

from datetime import datetime, timedelta

from hotline.work import lifecycle as tickets
from hotline.work.intake import IntakeRequest, open_ticket

WANGJING, SANLITUN = "110105026", "110105004"
PLACES = {WANGJING: "朝阳区望京街道", SANLITUN: "朝阳区三里屯街道"}
H = timedelta(hours=1)


def walk(session, core, *, township: str = WANGJING, opened: datetime, code: str = "ENV-NOISE",
         text: str = "楼上邻居深夜噪音扰民", sign: timedelta | None = None, contact: timedelta | None = None,
         resolve: timedelta | None = None, followup: timedelta | None = None, solved: bool = True,
         satisfaction: str = "satisfied"):
    """Open a ticket at `opened` and apply each step given as an offset from opening; returns the ticket."""
    ticket, _ = open_ticket(session, IntakeRequest(text=text, location=PLACES[township], service_code=code,
                                                   phone="13800138000"), now=opened, core=core)
    if sign is not None:
        tickets.sign(session, ticket, actor="user:1", now=opened + sign)
    if contact is not None:
        tickets.contact(session, ticket, actor="user:1", now=opened + contact)
    if resolve is not None:
        tickets.resolve(session, ticket, resolution="已处理", actor="user:1", now=opened + resolve)
    if followup is not None:
        tickets.record_followup(session, ticket, solved=solved, satisfaction=satisfaction, actor="scheduler",
                                now=opened + followup)
    session.flush()
    return ticket
