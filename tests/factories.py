"""The one place tests make tickets: through the real intake and lifecycle, with defaults, at literal times."""
from __future__ import annotations

from datetime import datetime, timedelta

from hotline.store.models import Ticket
from hotline.work import lifecycle as tickets
from hotline.work.intake import IntakeRequest, open_ticket

H = timedelta(hours=1)
HUILONGGUAN, CHANGPING = "110114011", "110114"  # 回龙观街道 in 昌平区
WANGJING, SANLITUN = "110105026", "110105004"  # 望京街道, 三里屯街道 in 朝阳区
PLACES = {HUILONGGUAN: "昌平区回龙观街道", WANGJING: "朝阳区望京街道", SANLITUN: "朝阳区三里屯街道"}
PHONE = "13800138000"
NOISE = "楼上太吵了，天天噪音扰民"


def ticket(session, core, now: datetime, *, text: str = NOISE, location: str | None = PLACES[HUILONGGUAN],
           phone: str | None = PHONE, **request) -> Ticket:
    """A ticket opened at `now` through the real intake; `request` takes any other IntakeRequest field."""
    opened, _ = open_ticket(session, IntakeRequest(text=text, location=location, phone=phone, **request), now=now,
                            core=core)
    return opened


def dispatched(session, core, now: datetime, **fields) -> Ticket:
    """A general-class (7 day) complaint dispatched to 回龙观街道 at `now` (the scheduler tests' ticket)."""
    opened = ticket(session, core, now, **fields)
    assert opened.status == "dispatched" and opened.unit_code, "this factory needs a dispatched township ticket"
    return opened


def walk(session, core, *, opened: datetime, township: str = WANGJING, code: str = "ENV-NOISE",
         text: str = "楼上邻居深夜噪音扰民", sign: timedelta | None = None, contact: timedelta | None = None,
         resolve: timedelta | None = None, followup: timedelta | None = None, solved: bool = True,
         satisfaction: str = "satisfied") -> Ticket:
    """A ticket opened at `opened` and walked through the real lifecycle, each step an offset from opening."""
    t = ticket(session, core, opened, text=text, location=PLACES[township], service_code=code)
    if sign is not None:
        tickets.sign(session, t, actor="user:1", now=opened + sign)
    if contact is not None:
        tickets.contact(session, t, actor="user:1", now=opened + contact)
    if resolve is not None:
        tickets.resolve(session, t, resolution="已处理", actor="user:1", now=opened + resolve)
    if followup is not None:
        tickets.record_followup(session, t, solved=solved, satisfaction=satisfaction, actor="scheduler",
                                now=opened + followup)
    session.flush()
    return t
