"""Simulated citizens for load and fault tests: complaints by SMS, phone, web chat and the JSON API, over HTTP.

Every complaint carries a marker of its own in its text ("12345号楼"), so that afterwards each one can be
found in the database. A request that meets a dead host is retried with the same keys, as Twilio (same
CallSid/MessageSid), the chat widget (same client_message_id) and partners (same external_id) do; a reply
without a reference is not retried with new keys (the citizen was not told a reference, so it is not counted).
"""
from __future__ import annotations

import itertools
import re
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from ivr.signature import sign
from tools.phone import Phone, scripted

REFERENCE = re.compile(r"(?<!\d)(\d{10})(?!\d)")
SPOKEN_REFERENCE = re.compile(r"(?<![\d ])((?:\d ){9}\d)(?![ \d])")
MARKER = re.compile(r"(?<!\d)(\d{5})号楼")
RETRY_STATUS = {500, 502, 503, 504}
HOTLINE = "+8610012345"
ACCOUNT_SID = "AC" + "0" * 32
# (what the citizen says, where) — the marker goes into the first.
PROBLEMS = [("小区{m}号楼垃圾好几天没人清运了，臭得不行", "朝阳区望京街道"),
            ("{m}号楼门口的路灯坏了好几天了", "海淀区中关村街道"),
            ("我家{m}号楼停水了，一直没有水", "东城区东华门街道"),
            ("{m}号楼旁边工地夜里施工太吵了", "昌平区回龙观街道")]


class Unanswered(Exception):
    """Every retry of one request failed."""


@dataclass
class Complaint:
    """One citizen's complaint: its channel, marker, and the reference the citizen was told (if any)."""

    channel: str
    marker: str
    phone: str
    location: str
    text: str
    conversation_id: str = ""
    reference: str | None = None
    error: str | None = None
    turns: int = 0
    started: float = field(default_factory=time.monotonic)


class _FromAddress(HTTPAdapter):
    """Connections from one local address: a web citizen is a client of its own (per-client limits)."""

    def __init__(self, address: str):
        self.address = address  # before super().__init__, which makes the pool
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Http:
    """requests with retries on dead hosts and server errors, keeping the same body (so the same keys)."""

    def __init__(self, deadline_s: float = 15.0):
        self.deadline_s = deadline_s
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        return self._session(None)

    def _session(self, source: str | None) -> requests.Session:
        """This thread's session, from the given local address (None: the system's choice)."""
        held = getattr(self._local, "held", None)
        if held is None or held[0] != source:
            s = requests.Session()
            if source:
                s.mount("http://", _FromAddress(source))
            self._local.held = held = (source, s)
        return held[1]

    def request(self, method: str, url: str, *, source: str | None = None, **kwargs) -> requests.Response:
        start, delay, last = time.monotonic(), 0.3, "nothing"
        while True:
            try:
                resp = self._session(source).request(method, url, timeout=20, **kwargs)
                if resp.status_code not in RETRY_STATUS:
                    return resp
                last = f"HTTP {resp.status_code}"
            except requests.RequestException as exc:
                last = type(exc).__name__
                self._local.held = None  # a connection nginx closed is not reused
            if time.monotonic() - start + delay > self.deadline_s:
                raise Unanswered(f"{method} {url}: {last}")
            time.sleep(delay)
            delay = min(delay * 2, 3.0)


class Citizens:
    """The four kinds of citizen, each a function that files one complaint and returns it."""

    def __init__(self, base_url: str, twilio_token: str, api_token: str, *, public_url: str | None = None,
                 http: Http | None = None):
        self.base = base_url.rstrip("/")
        # Twilio signs the URL it calls, the hotline's public one, which a proxy may put elsewhere.
        self.public = (public_url or base_url).rstrip("/")
        self.twilio_token = twilio_token
        self.api_token = api_token
        self.http = http or Http()
        # On this machine every web citizen comes from a loopback address of its own (127.0.0.0/8 is all lo).
        self.own_addresses = urlsplit(self.base).hostname in ("127.0.0.1", "localhost")
        self._numbers = itertools.count(10000)
        self._lock = threading.Lock()

    def new(self, channel: str) -> Complaint:
        with self._lock:
            n = next(self._numbers)
        text, where = PROBLEMS[n % len(PROBLEMS)]
        marker = f"{n:05d}"
        return Complaint(channel=channel, marker=marker, phone=f"+86139{n:08d}", location=where,
                         text=text.format(m=marker))

    # -- SMS -------------------------------------------------------------------------------

    def sms(self) -> Complaint:
        """A text naming the problem and the place; then whatever the dialogue asks (confirm: 是的)."""
        return _guarded(self.new("sms"), self._sms)

    def _sms(self, c: Complaint) -> Complaint:
        body = f"{c.location}{c.text}"
        for _ in range(5):
            reply = self._sms_turn(c, body)
            ref = _reference(reply)
            if ref:
                c.reference = ref
                return c
            body = _answer(reply, c, confirm="是的")
            if body is None:
                c.error = f"unexpected reply: {reply[:80]!r}"
                return c
        c.error = "no reference after 5 texts"
        return c

    def _sms_turn(self, c: Complaint, body: str) -> str:
        sid = "SM" + uuid.uuid4().hex
        params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": c.phone, "To": HOTLINE,
                  "Body": body, "NumMedia": "0", "ApiVersion": "2010-04-01"}
        signature = sign(self.twilio_token, self.public + "/twilio/sms", params)
        resp = self.http.request("POST", self.base + "/twilio/sms", data=params,
                                 headers={"X-Twilio-Signature": signature})
        c.turns += 1
        resp.raise_for_status()
        return " ".join(m.group(1) for m in re.finditer(r"<Message>(.*?)</Message>", resp.text, re.S))

    # -- a phone call ----------------------------------------------------------------------

    def call(self) -> Complaint:
        """Key 1 (report), say the problem, say the place, key 1 (call me back on this number)."""
        return _guarded(self.new("voice"), self._call)

    def _call(self, c: Complaint) -> Complaint:
        answers = scripted(["1", f"say: {c.text}", f"say: {c.location}", "1"])

        def transport(url, params, headers):
            resp = self.http.request("POST", url, data=params, headers=headers)
            c.turns += 1
            return resp.status_code, resp.text

        phone = Phone(target=self.base, public_base_url=self.public, auth_token=self.twilio_token, from_=c.phone,
                      to=HOTLINE, answer=answers, transport=transport, echo=None)
        try:
            transcript = phone.call()
        except SystemExit as exc:  # the phone's way of saying the hotline answered an error
            c.error = str(exc)
            return c
        finally:
            c.conversation_id = phone.t.call_sid  # the call's ticket carries it (a voicemail has no marker)
        spoken = [m.group(1).replace(" ", "") for m in SPOKEN_REFERENCE.finditer(transcript.said())]
        twice = [ref for ref in set(spoken) if spoken.count(ref) >= 2]
        c.reference = twice[0] if twice else None
        if not c.reference:
            c.error = "no reference read out"
        return c

    # -- web chat --------------------------------------------------------------------------

    def chat(self, pause: Callable[[Complaint], None] | None = None, pause_after: int = 2) -> Complaint:
        """Problem, then whatever the bot or the built-in form asks (place, which place, mobile number, confirm)."""
        return _guarded(self.new("web"), lambda c: self._chat(c, pause, pause_after))

    def _chat(self, c: Complaint, pause, pause_after: int) -> Complaint:
        text = c.text
        for turn in range(1, 9):
            answer = self.chat_turn(c, text)
            ref = _chat_reference(answer)
            if ref:
                c.reference = ref
                return c
            if pause is not None and turn == pause_after:
                pause(c)
            text = _chat_answer(answer, c)
            if text is None:
                c.error = f"unexpected reply: {_texts(answer)[:80]!r}"
                return c
        c.error = "no reference after 8 turns"
        return c

    def chat_turn(self, c: Complaint, text: str) -> dict:
        """One message, as the widget sends it: the first without an id, then with the signed one it was given."""
        # The widget sends its page's language with every message: a button's payload ("/affirm") has none.
        body = {"text": text, "lang": "zh", "client_message_id": uuid.uuid4().hex[:16]}
        if c.conversation_id:
            body["conversation_id"] = c.conversation_id
        resp = self.http.request("POST", self.base + "/chat/api/messages", json=body, source=self._address(c))
        c.turns += 1
        resp.raise_for_status()
        answer = resp.json()
        c.conversation_id = answer["conversation_id"]
        return answer

    def _address(self, c: Complaint) -> str | None:
        """The citizen's own client address: the chat limits requests per client, as it should."""
        if not self.own_addresses:
            return None
        n = int(c.marker)
        return f"127.{1 + n // 62500 % 250}.{n // 250 % 250}.{n % 250 + 1}"

    # -- the JSON API ----------------------------------------------------------------------

    def api(self) -> Complaint:
        """A partner files a ticket (with its own external_id), then reads it back."""
        return _guarded(self.new("api"), self._api)

    def _api(self, c: Complaint) -> Complaint:
        headers = {"Authorization": f"Bearer {self.api_token}"}
        body = {"text": c.text, "phone": c.phone, "location": c.location,
                "external_id": f"partner-{c.marker}"}
        resp = self.http.request("POST", self.base + "/api/v1/tickets", json=body, headers=headers)
        c.turns += 1
        if resp.status_code not in (200, 201):
            c.error = f"HTTP {resp.status_code}"
            return c
        ref = resp.json()["reference"]
        got = self.http.request("GET", f"{self.base}/api/v1/tickets/{ref}", headers=headers)
        c.turns += 1
        if got.status_code == 200 and got.json().get("reference") == ref:
            c.reference = ref
        else:
            c.error = f"read back: HTTP {got.status_code}"
        return c


def _guarded(c: Complaint, flow: Callable[[Complaint], Complaint]) -> Complaint:
    """Run one citizen's flow; a request no retry got through ends it with an error (no reference)."""
    try:
        return flow(c)
    except (Unanswered, requests.HTTPError, ValueError, KeyError, ET.ParseError) as exc:
        c.error = f"{type(exc).__name__}: {exc}"
        return c


def _texts(answer: dict) -> str:
    return "\n".join(r.get("text") or "" for r in answer.get("replies") or [])


def _buttons(answer: dict) -> list[dict]:
    return [b for r in answer.get("replies") or [] for b in r.get("buttons") or []]


def _chat_reference(answer: dict) -> str | None:
    """The reference the chat gave: the widget's ticket, or the one in the filing reply's words."""
    return (answer.get("ticket") or {}).get("reference") or _reference(_texts(answer))


def _chat_answer(answer: dict, c: Complaint) -> str | None:
    """What the citizen says (or which button they press) next in the chat; None when nothing fits."""
    reply, buttons = _texts(answer), _buttons(answer)
    if "有几处" in reply or "哪一处" in reply:
        # Asked back which of several places: the one button naming theirs, or the place said in full.
        district, _, township = c.location.rpartition("区")
        township = township.removesuffix("街道")
        theirs = [b["payload"] for b in buttons if township in b.get("title", "")
                  and (not district or f"{district}区" in b.get("title", ""))]
        return theirs[0] if len(theirs) == 1 else c.location
    if "确认" in reply:
        # The bot's summary (确认提交 / 重新描述) or an emergency's confirmation (确认登记 / 取消): yes.
        yes = [b["payload"] for b in buttons if b.get("payload") == "/affirm" or "确认" in b.get("title", "")]
        return yes[0] if yes else "是的"
    return _answer(reply, c, confirm="是的")


def _reference(text: str) -> str | None:
    """The reference in a reply that files a ticket ("工单号2633500007")."""
    if "工单" not in text and "reference" not in text.lower():
        return None
    m = REFERENCE.search(text)
    return m.group(1) if m else None


def _answer(reply: str, c: Complaint, *, confirm: str) -> str | None:
    """What the citizen says to a question of the bot or the form; None for anything else."""
    if "确认" in reply:
        return confirm
    if "哪里" in reply or "地点" in reply or "区和街道" in reply:
        return c.location
    if "手机" in reply or "号码" in reply:
        return "1" + c.phone[-10:]  # 139xxxxxxxx
    if "继续" in reply and not reply.replace("我们继续。", "").strip():
        return c.location
    return None


class Load:
    """Closed-loop load: `citizens` at once, each filing one complaint after another (a pause between), the kinds
    taken in turn by weight. A slow cluster gets fewer requests instead of an ever longer queue."""

    def __init__(self, citizens: Citizens, mix: dict[str, int], *, at_once: int = 6, pause_s: float = 0.5):
        self.citizens = citizens
        self.kinds = [kind for kind, weight in mix.items() for _ in range(weight)]
        self.at_once = at_once
        self.pause_s = pause_s
        self.done: list[Complaint] = []
        self.crashed: list[str] = []
        self._next = itertools.count()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for i in range(self.at_once):
            t = threading.Thread(target=self._citizen, name=f"citizen-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def _citizen(self) -> None:
        while not self._stop.is_set():
            kind = self.kinds[next(self._next) % len(self.kinds)]
            try:
                c = getattr(self.citizens, kind)()
            except Exception as exc:  # noqa: BLE001 - a driver bug must show in the counts, not end the run
                with self._lock:
                    self.crashed.append(f"{kind}: {type(exc).__name__}: {exc}")
            else:
                with self._lock:
                    self.done.append(c)
            self._stop.wait(self.pause_s)

    def stop(self, wait_s: float) -> tuple[list[Complaint], int]:
        """No new complaints; wait up to wait_s for those on the line. (finished complaints, still on the line)."""
        self._stop.set()
        deadline = time.monotonic() + wait_s
        for t in self._threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))
        with self._lock:
            return list(self.done), sum(1 for t in self._threads if t.is_alive())
