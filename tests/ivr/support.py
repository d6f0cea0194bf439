"""Sign form posts the way Twilio does, with the test auth token, against the public URL."""
from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

from ivr.signature import sign
from tests.helpers import PUBLIC, at, make_config

TWILIO_TOKEN = "twilio-test-auth-token-0123456789"
NOW = at("2026-11-28 02:00")  # 10:00 in Beijing


def ivr_services(db, **overrides):
    """The test database's services with the Twilio settings a test needs."""
    cfg = make_config(db.config.database.url, **{"twilio.auth_token": TWILIO_TOKEN, **overrides})
    return dataclasses.replace(db, config=cfg, core=dataclasses.replace(db.core, config=cfg))


def app_on(svc, moment=NOW):
    """The app on these services, its clock stopped at `moment`."""
    from app import create_app
    application = create_app(svc.config, services=svc)
    application.testing = True
    application.config["HOTLINE_CLOCK"] = lambda: moment
    return application


def make_ivr_app(db, **overrides):
    """The app on the test database with the Twilio settings a test needs and a fixed clock."""
    return app_on(ivr_services(db, **overrides))


class SignedClient:
    """A Flask test client whose posts carry a valid X-Twilio-Signature."""

    def __init__(self, client, token: str = TWILIO_TOKEN, public: str = PUBLIC):
        self.client, self.token, self.public = client, token, public

    def post(self, path: str, query: str = "", **params):
        url = self.public + path + (f"?{query}" if query else "")
        params = {k: str(v) for k, v in params.items()}
        headers = {"X-Twilio-Signature": sign(self.token, url, params)}
        return self.client.post(path + (f"?{query}" if query else ""), data=params, headers=headers)

    def raw(self, path: str, body: bytes, signature: str | None):
        """A hand-made body (invalid UTF-8, odd encodings) with whatever signature the test wants."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self.client.post(path, data=body, headers=headers)


def form(**params) -> bytes:
    """A url-encoded body."""
    return urlencode(params).encode()


def twiml(response) -> ET.Element:
    """The parsed TwiML of a response (fails on anything that is not TwiML)."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == "Response"
    return root


def spoken(root: ET.Element) -> str:
    """Every <Say> text, in order."""
    return " ".join(s.text or "" for s in root.iter("Say"))


def local_path(url: str) -> str:
    """The path (and query) of one of our public URLs."""
    assert url.startswith(PUBLIC), url
    return url[len(PUBLIC):]


class Call:
    """One phone call driven step by step with signed webhooks, following the actions in the TwiML."""

    def __init__(self, tw: SignedClient, sid: str = "CA" + "1" * 32, caller: str | None = "+8613800138000"):
        self.tw, self.sid, self.caller = tw, sid, caller
        self.last: ET.Element | None = None

    def params(self, **extra) -> dict:
        p = {"CallSid": self.sid, "AccountSid": "AC" + "0" * 32, "To": "+8610012345", "Direction": "inbound",
             "CallStatus": "in-progress", **extra}
        if self.caller is not None:
            p["From"] = self.caller
        return p

    def start(self) -> ET.Element:
        self.last = twiml(self.tw.post("/twilio/voice", **self.params(CallStatus="ringing")))
        return self.last

    def action(self, tag: str = "Gather") -> str:
        el = self.last.find(tag) if tag != "Gather" else self.last.find("Gather")
        assert el is not None, f"no <{tag}> in {ET.tostring(self.last, encoding='unicode')}"
        return local_path(el.get("action"))

    def post(self, path: str, **extra) -> ET.Element:
        self.last = twiml(self.tw.post(path, **self.params(**extra)))
        return self.last

    def press(self, digits: str) -> ET.Element:
        return self.post(self.action(), Digits=digits)

    def say(self, words: str) -> ET.Element:
        return self.post(self.action(), SpeechResult=words, Confidence="0.9")

    def silence(self) -> ET.Element:
        return self.post(self.action())

    def record(self, url: str = "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE1") -> ET.Element:
        return self.post(self.action("Record"), RecordingUrl=url, RecordingSid="RE1", RecordingDuration="14")

    def hang_up(self) -> None:
        twiml(self.tw.post("/twilio/voice/status", **self.params(CallStatus="completed", CallDuration="40")))
