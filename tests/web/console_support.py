"""Helpers for console tests: a small world of units, users and tickets, sign-in, and HTML parsing."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from werkzeug.security import generate_password_hash

from hotline.work import lifecycle as tickets
from hotline.store.models import Conversation, Message, Notification, User
from tests.factories import ticket
from tests.helpers import at

PASSWORD = "correct-horse-battery"
# Cheap to check, so hundreds of sign-ins stay fast; the console itself uses werkzeug's default (scrypt).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
NOW = at("2026-03-02 02:00")  # 10:00 in Beijing
CALLED = at("2026-03-02 01:00")  # when the world's citizens called in
TOWN_A, TOWN_B = "110105004", "110105001"  # 三里屯街道, 建外街道 (朝阳区)
SUMMONED, SUMMONED_2, WATER = "BJ-CGZF", "BJ-ZJW", "BJ-WATER"
# role name in the tests -> (role, unit_type, unit_code)
ROLES = {
    "agent": ("agent", None, None),
    "handler_a": ("handler", "township", TOWN_A),
    "handler_b": ("handler", "township", TOWN_B),
    "dept_d": ("department", "department", SUMMONED),
    "dept_d2": ("department", "department", SUMMONED_2),
    "water": ("handler", "department", WATER),
    "supervisor": ("supervisor", None, None),
    "admin": ("admin", None, None),
}


@dataclass
class World:
    """Ids of what the tests act on."""

    users: dict[str, int] = field(default_factory=dict)
    tickets: dict[str, int] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    whistle_id: int = 0
    conversation_id: int = 0
    notification_id: int = 0


def make_users(s, names=ROLES) -> dict[str, int]:
    """One active user per test role."""
    ids = {}
    for name in names:
        role, unit_type, unit_code = ROLES[name]
        u = User(username=name, password_hash=PASSWORD_HASH, display_name=name, role=role, unit_type=unit_type,
                 unit_code=unit_code, active=True, created_at=NOW)
        s.add(u)
        s.flush()
        ids[name] = u.id
    return ids


def build_world(svc) -> World:
    """Townships A and B, a whistled ticket, a dispatched one, a resolved one, a triage one, a chat, a notice."""
    w = World()
    with svc.session() as s:
        w.users = make_users(s)
        core = svc.core

        def called(text: str, location: str | None, phone: str = "13800138000"):
            return ticket(s, core, CALLED, text=text, location=location, phone=phone, channel="voice")

        ta = called("三里屯太古里北边有人私搭乱建，楼顶加盖两层", "朝阳区三里屯街道")
        assert (ta.unit_type, ta.unit_code) == ("township", TOWN_A)
        tickets.sign(s, ta, actor="test", now=at("2026-03-02 01:10"))
        [wh] = tickets.blow_whistle(s, ta, summons=[(SUMMONED, "核查违建")], actor="test", now=at("2026-03-02 01:20"))
        ta2 = called("三里屯路口有流动摊贩占道经营", "朝阳区三里屯街道", "13800138001")
        tr = called("三里屯北小街有人私自搭建彩钢房", "朝阳区三里屯街道", "13800138002")
        tickets.sign(s, tr, actor="test", now=at("2026-03-02 01:05"))
        tickets.resolve(s, tr, resolution="已拆除", actor="test", now=at("2026-03-02 01:30"))
        tb = called("建外街道小区里有人私搭乱建", "朝阳区建外街道", "13800138003")
        assert (tb.unit_type, tb.unit_code) == ("township", TOWN_B)
        tt = called("有个事情想反映一下", None, "13800138004")
        assert tt.needs_triage
        conv = Conversation(channel="web", external_id="chat-1", status="handed_off", state={},
                            agent_id=w.users["agent"], created_at=NOW, updated_at=NOW)
        s.add(conv)
        s.flush()
        s.add(Message(conversation_id=conv.id, channel="web", direction="in", sender="citizen", body="转人工",
                      media=[], created_at=NOW))
        n = Notification(audience_type="unit", audience_code=TOWN_A, kind="reminder", ticket_id=ta.id,
                         message="sign-for due soon", created_at=NOW)
        s.add(n)
        s.flush()
        w.tickets = {"ta": ta.id, "ta2": ta2.id, "tr": tr.id, "tb": tb.id, "tt": tt.id}
        w.refs = {k: t.reference for k, t in (("ta", ta), ("ta2", ta2), ("tr", tr), ("tb", tb), ("tt", tt))}
        w.whistle_id, w.conversation_id, w.notification_id = wh.id, conv.id, n.id
    return w


class _Doc(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._stack: list[dict] = []

    def handle_starttag(self, tag, attrs):
        el = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(el)
        if tag not in ("input", "meta", "link", "br", "img", "hr", "source"):
            self._stack.append(el)

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i]["tag"] == tag:
                del self._stack[i:]
                break

    def handle_data(self, data):
        for el in self._stack:
            el["text"] += data


def parse(html: str) -> list[dict]:
    """Every element of the page with its attributes and text content."""
    doc = _Doc()
    doc.feed(html)
    return doc.elements


def find(html: str, tag: str, **attrs) -> list[dict]:
    """Elements of a tag whose attributes equal the given ones (class_ for class)."""
    want = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
    return [e for e in parse(html) if e["tag"] == tag and all(e["attrs"].get(k) == v for k, v in want.items())]


def csrf_token(html: str) -> str:
    """The CSRF token from the page's meta tag."""
    [meta] = find(html, "meta", name="csrf-token")
    return meta["attrs"]["content"]


def flashes(html: str) -> list[str]:
    """The flash messages shown on a page."""
    return [e["text"].strip() for e in parse(html) if e["tag"] == "p" and "flash" in e["attrs"].get("class", "")]


def speak(client, lang: str = "en"):
    """Ask the console for pages in one language, as its switch does (the `lang` cookie, webapp/i18n.py).

    The console speaks Chinese by default; tests that read its English words say so.
    """
    client.set_cookie("lang", lang)
    return client


def login(client, username: str, password: str = PASSWORD, lang: str | None = "en") -> str:
    """Sign in through the form (pages in `lang`, English unless told); returns the CSRF token for later posts."""
    if lang:
        speak(client, lang)
    token = csrf_token(client.get("/console/login").get_data(as_text=True))
    r = client.post("/console/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    return token


def sign_in(page, base, username, lang: str = "en"):
    """Sign in through the real login page in the browser, pages in `lang` (?lang= sets the cookie)."""
    page.goto(f"{base}/console/login?lang={lang}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("header .who")
