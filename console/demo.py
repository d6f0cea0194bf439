"""Development-only demo work: a few tickets in every queue and a web chat waiting for an agent."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from hotline.work import lifecycle as tickets
from hotline.store.conversations import find_or_create_conversation
from hotline.store.citizens import find_or_create_citizen
from hotline.core import Core
from hotline.work.intake import IntakeRequest, open_ticket
from hotline.store.models import Message

DEMO_REQUESTS = (
    # (text, location, phone, channel, triage_reason, recording)
    ("三里屯太古里北边有人私搭乱建，在楼顶加盖了两层，存在安全隐患", "朝阳区三里屯街道", "13800138001", "voice", None, None),
    ("三里屯路口每天晚上都有流动摊贩占道经营，行人只能走机动车道", "朝阳区三里屯", "13800138002", "sms", None, None),
    ("我家楼下一直停水，从早上到现在都没有水", "朝阳区三里屯", "13800138003", "voice", None, None),
    ("有个事情想反映一下", None, "13800138004", "voice", None, None),
    ("(voicemail) 留言：小区门口的垃圾好几天没人清运了", None, "13800138005", "voice", "voicemail",
     "https://api.twilio.com/2010-04-01/Accounts/ACdemo/Recordings/REdemo"),
    ("Broken street light near Sanlitun Taikoo Li north gate", "Sanlitun, Chaoyang", "13800138006", "sms", None, None),
)

# Demo accounts for `make run` in development: (username, password, role, unit_type, unit_code, name).
DEMO_TOWNSHIP = "110105004"  # 三里屯街道, 朝阳区
DEMO_DEPARTMENT = "BJ-WATER"  # receives water tickets directly
DEMO_SUMMONED = "BJ-CGZF"  # urban management law enforcement, the department townships summon most
DEMO_USERS = (
    ("agent", "agent-demo-12345", "agent", None, None, "话务员 Demo Agent"),
    ("sanlitun", "sanlitun-demo-12345", "handler", "township", DEMO_TOWNSHIP, "三里屯街道 Handler"),
    ("water", "water-demo-12345", "handler", "department", DEMO_DEPARTMENT, "自来水集团 Handler"),
    ("chengguan", "chengguan-demo-12345", "department", "department", DEMO_SUMMONED, "城管执法 Department"),
    ("supervisor", "supervisor-demo-12345", "supervisor", None, None, "督办 Supervisor"),
    ("admin", "admin-demo-12345", "admin", None, None, "Administrator"),
)


def seed_demo_work(session: Session, core: Core, now: datetime) -> int:
    """Open the demo tickets (one with a whistle blown) and a handed-off chat; returns the number of tickets."""
    made = []
    for i, (text, location, phone, channel, reason, recording) in enumerate(DEMO_REQUESTS):
        opened = now - timedelta(hours=len(DEMO_REQUESTS) - i)
        ticket, _ = open_ticket(session, IntakeRequest(
            text=text, location=location, phone=phone, channel=channel, triage_reason=reason,
            recording_url=recording, external_id=f"demo-{i}"), now=opened, core=core)
        made.append(ticket)
    noise = made[0]
    if noise.unit_type == "township" and noise.unit_code == DEMO_TOWNSHIP and noise.status == "dispatched":
        tickets.sign(session, noise, actor="system:demo", now=now - timedelta(minutes=50))
        tickets.blow_whistle(session, noise, summons=[(DEMO_SUMMONED, "请城管执法到场核查违建，依法处置")],
                             actor="system:demo", now=now - timedelta(minutes=40))
    citizen = find_or_create_citizen(session, now=now, chat_id="demo-chat-1", lang="zh")
    conv, _ = find_or_create_conversation(session, channel="web", external_id="demo-chat-1", citizen=citizen, now=now)
    for minutes, direction, sender, body in ((3, "in", "citizen", "你好，我想投诉小区物业不管电梯"),
                                             (3, "out", "bot", "请问电梯里有人被困吗？"),
                                             (2, "in", "citizen", "没有人被困，转人工")):
        session.add(Message(conversation_id=conv.id, channel="web", direction=direction, sender=sender, body=body,
                            media=[], created_at=now - timedelta(minutes=minutes)))
    conv.status = "handed_off"
    return len(made)
