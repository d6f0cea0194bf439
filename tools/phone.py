"""The terminal phone: call or text the running hotline the way Twilio would (signed webhooks, TwiML followed).

    python -m tools.phone call [--url http://127.0.0.1:5000] [--from +8613800138000] [--script steps.txt]
    python -m tools.phone sms [--url ...] [--from ...] [--media URL] [TEXT]

`<Say>` is printed, `<Gather>` is answered by typing (digits are sent as Digits, words as SpeechResult, an
empty line is silence), `<Record>` takes a typed stand-in for the recording, `<Dial>`/`<Enqueue>`/`<Redirect>`/
`<Hangup>` are followed. A script has one answer per line: `-` for silence, `!hangup` to hang up, `!answer`,
`!no-answer` or `!busy` for a `<Dial>`, `keys: 123` or `say: 123` to force keys or speech, `#` for comments.
"""
from __future__ import annotations

import argparse
import sys
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import urljoin, urlsplit

from ivr.signature import sign

DEFAULT_FROM = "+8613800138000"
DEFAULT_TO = "+8610012345"
HANGUP = "!hangup"
# Twilio's test account SID shape; the app never checks it, but real webhooks carry one.
ACCOUNT_SID = "AC" + "0" * 32
MAX_STEPS = 200  # a runaway <Redirect> loop must not spin forever


class HungUp(Exception):
    """The caller (script or person) hung up."""


@dataclass
class Exchange:
    """One webhook the phone sent and what came back."""

    url: str
    params: dict[str, str]
    status: int
    body: str


@dataclass
class Transcript:
    """What happened on the line."""

    lines: list[str] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    call_sid: str = ""

    def said(self) -> str:
        """Everything the hotline said, one line each."""
        return "\n".join(line for line in self.lines if not line.startswith(("> ", "[")))


def http_transport(url: str, params: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
    """POST a form over real HTTP."""
    import requests
    resp = requests.post(url, data=params, headers=headers, timeout=20)
    return resp.status_code, resp.text


def scripted(lines: list[str]) -> Callable[[str], str]:
    """Answers from a script; hang up when it runs out."""
    it: Iterator[str] = iter([ln.rstrip("\n") for ln in lines if not ln.lstrip().startswith("#")])

    def answer(_prompt: str) -> str:
        try:
            return next(it).strip()
        except StopIteration:
            return HANGUP

    return answer


def interactive(prompt: str) -> str:
    """Answers typed by a person; Ctrl-D hangs up."""
    try:
        return input(prompt).strip()
    except EOFError:
        return HANGUP


class Phone:
    """A Twilio stand-in that signs its webhooks with the auth token and follows the TwiML it gets back."""

    def __init__(self, *, target: str, public_base_url: str, auth_token: str, from_: str = DEFAULT_FROM,
                 to: str = DEFAULT_TO, answer: Callable[[str], str] = interactive,
                 transport=http_transport, echo: Callable[[str], None] | None = print):
        self.target = target.rstrip("/")
        self.public = public_base_url.rstrip("/")
        self.auth_token = auth_token
        self.from_, self.to = from_, to
        self.answer = answer
        self.transport = transport
        self.echo = echo
        self.t = Transcript()

    # -- plumbing -------------------------------------------------------------------------

    def _out(self, line: str) -> None:
        self.t.lines.append(line)
        if self.echo:
            self.echo(line)

    def _ask(self, prompt: str) -> str:
        reply = self.answer(prompt)
        self._out(f"> {reply or '(silence)'}")
        return reply

    def post(self, url: str, params: dict[str, str]) -> str:
        """Sign and send one webhook to the public URL (delivered to the target); returns the body."""
        public = urljoin(self.public + "/", url)
        parts = urlsplit(public)
        if not public.startswith(self.public):
            raise SystemExit(f"TwiML points outside the hotline ({parts.netloc}); the terminal phone stays local")
        real = self.target + public[len(self.public):]
        headers = {"X-Twilio-Signature": sign(self.auth_token, public, params)}
        status, body = self.transport(real, params, headers)
        self.t.exchanges.append(Exchange(public, dict(params), status, body))
        if status == 403:
            raise SystemExit("403: the hotline refused the signature. Use the same TWILIO_AUTH_TOKEN and "
                             "PUBLIC_BASE_URL as the running app (make phone reads instance/dev.env).")
        if status >= 400:
            raise SystemExit(f"HTTP {status} from {public}")
        return body

    def _call_params(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.t.call_sid, "AccountSid": ACCOUNT_SID, "From": self.from_, "To": self.to,
                "Direction": "inbound", "ApiVersion": "2010-04-01", "CallStatus": "in-progress", **extra}

    # -- a call ---------------------------------------------------------------------------

    def call(self) -> Transcript:
        """Place one call, follow it to the end, then send the completed status callback."""
        self.t.call_sid = "CA" + uuid.uuid4().hex
        self._out(f"[calling {self.to} from {self.from_}: {self.t.call_sid}]")
        url = "/twilio/voice"
        doc = self.post(url, self._call_params(CallStatus="ringing"))
        try:
            for _ in range(MAX_STEPS):
                nxt = self._run(doc, url)
                if nxt is None:
                    break
                url, doc = nxt
            self._out("[the hotline hung up]")
        except HungUp:
            self._out("[you hung up]")
        self.post("/twilio/voice/status", self._call_params(CallStatus="completed", CallDuration="60"))
        return self.t

    def _run(self, doc: str, url: str) -> tuple[str, str] | None:
        """Execute one TwiML document; returns the next (url, document) or None when the call ends."""
        root = ET.fromstring(doc)
        for verb in root:
            tag = verb.tag
            if tag == "Say":
                self._out(verb.text or "")
            elif tag in ("Play", "Pause"):
                self._out(f"[{tag.lower()}]")
            elif tag == "Gather":
                nxt = self._gather(verb, url)
                if nxt is not None:
                    return nxt
            elif tag == "Record":
                nxt = self._record(verb, url)
                if nxt is not None:
                    return nxt
            elif tag == "Redirect":
                target = urljoin(url, (verb.text or "").strip())
                return target, self.post(target, self._call_params())
            elif tag == "Dial":
                nxt = self._dial(verb, url)
                if nxt is not None:
                    return nxt
            elif tag == "Enqueue":
                return self._enqueue(verb, url)
            elif tag in ("Hangup", "Reject"):
                return None
            else:
                self._out(f"[{tag} ignored]")
        return None

    def _gather(self, verb: ET.Element, url: str) -> tuple[str, str] | None:
        for child in verb:
            if child.tag == "Say":
                self._out(child.text or "")
        reply = self._ask("> ")
        if reply == HANGUP:
            raise HungUp
        action = urljoin(url, verb.get("action") or url)
        inputs = (verb.get("input") or "dtmf").split()
        params = self._call_params()
        if reply in ("", "-"):
            if verb.get("actionOnEmptyResult") != "true":
                return None  # Twilio falls through to the next verb
        elif reply.startswith("keys:") or (not reply.startswith("say:") and set(reply) <= set("0123456789*#")
                                           and "dtmf" in inputs):
            digits = reply.removeprefix("keys:").strip()
            finish = verb.get("finishOnKey", "#")
            params["Digits"] = digits[:-1] if finish and digits.endswith(finish) else digits
        else:
            params["SpeechResult"] = reply.removeprefix("say:").strip()
            params["Confidence"] = "0.92"
        return action, self.post(action, params)

    def _record(self, verb: ET.Element, url: str) -> tuple[str, str] | None:
        self._out(f"[beep: recording, up to {verb.get('maxLength', '3600')} s]")
        reply = self._ask("> ")
        action = urljoin(url, verb.get("action") or url)
        if reply in ("", "-"):
            return None  # nothing recorded: Twilio moves to the next verb
        hung_up = reply == HANGUP
        rec = "RE" + uuid.uuid4().hex
        params = self._call_params(
            RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{rec}",
            RecordingSid=rec, RecordingDuration="12", Digits="hangup" if hung_up else "#")
        body = self.post(action, params)
        if hung_up:
            raise HungUp  # Twilio posts the recording, then the call is over
        return action, body

    def _dial(self, verb: ET.Element, url: str) -> tuple[str, str] | None:
        number = "".join(verb.itertext()).strip()
        self._out(f"[dialling {number}, ringing up to {verb.get('timeout', '30')} s]")
        reply = self._ask("> ")
        if reply == HANGUP:
            raise HungUp
        status = {"!answer": "completed", "!busy": "busy"}.get(reply, "no-answer")
        self._out(f"[dial: {status}]")
        action = verb.get("action")
        if not action:
            return None  # without an action Twilio goes on to the next verb (or ends the call)
        action = urljoin(url, action)
        return action, self.post(action, self._call_params(DialCallStatus=status))

    def _enqueue(self, verb: ET.Element, url: str) -> tuple[str, str] | None:
        queue = (verb.text or "").strip()
        self._out(f"[waiting in queue {queue}]")
        result = "hangup"
        wait = verb.get("waitUrl")
        if wait:
            wait = urljoin(url, wait)
            doc = self.post(wait, self._call_params(QueueSid="QU" + "0" * 32, QueuePosition="1", QueueTime="0"))
            nxt = self._run(doc, wait)
            while nxt is not None:
                u, d = nxt
                if "<Leave" in d:
                    result = "leave"
                    break
                nxt = self._run(d, u)
        action = verb.get("action")
        if not action:
            return None
        action = urljoin(url, action)
        return action, self.post(action, self._call_params(QueueResult=result, QueueTime="30"))

    # -- a text ---------------------------------------------------------------------------

    def text(self, body: str, media: list[str] = ()) -> list[str]:
        """Send one SMS/MMS; returns (and prints) the replies."""
        sid = ("MM" if media else "SM") + uuid.uuid4().hex
        params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": ACCOUNT_SID, "From": self.from_, "To": self.to,
                  "Body": body, "NumMedia": str(len(media)), "ApiVersion": "2010-04-01"}
        for i, link in enumerate(media):
            params[f"MediaUrl{i}"] = link
            params[f"MediaContentType{i}"] = "image/jpeg"
        self._out(f"> {body}")
        doc = self.post("/twilio/sms", params)
        replies = [m.text or "" for m in ET.fromstring(doc).iter("Message")]
        for r in replies:
            self._out(r)
        return replies


def main(argv: list[str] | None = None) -> int:
    """The command line behind `make phone` and `make sms`."""
    from hotline.config import load_config

    parser = argparse.ArgumentParser(prog="python -m tools.phone", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name in ("call", "sms"):
        p = sub.add_parser(name)
        p.add_argument("--url", default="http://127.0.0.1:5000", help="where the app listens")
        p.add_argument("--from", dest="from_", default=DEFAULT_FROM, help="your number (caller ID)")
        p.add_argument("--to", default=None, help="the hotline number (TWILIO_PHONE_NUMBER by default)")
        if name == "call":
            p.add_argument("--script", help="answers, one per line, instead of typing")
        else:
            p.add_argument("--media", action="append", default=[], help="attach a photo URL (MMS)")
            p.add_argument("text", nargs="*", help="the message; without it, type one message per line")
    args = parser.parse_args(argv)
    config = load_config()
    token = config.twilio.auth_token
    if not token:
        print("TWILIO_AUTH_TOKEN is not set: the hotline refuses unsigned webhooks, and so the phone cannot sign. "
              "`make phone` / `make sms` set a development token in instance/dev.env.", file=sys.stderr)
        return 2
    answer = interactive
    if getattr(args, "script", None):
        with open(args.script, encoding="utf-8") as fh:
            answer = scripted(fh.readlines())
    phone = Phone(target=args.url, public_base_url=config.app.public_base_url, auth_token=token, from_=args.from_,
                  to=args.to or config.twilio.phone_number or DEFAULT_TO, answer=answer)
    try:
        if args.cmd == "call":
            phone.call()
        elif args.text:
            phone.text(" ".join(args.text), args.media)
        else:
            print("Type a message and press Enter; Ctrl-D ends.")
            while (line := interactive("")) != HANGUP:
                if line:
                    phone.text(line, args.media)
    except OSError as exc:
        print(f"cannot reach the hotline at {args.url}: {exc}. Is it running (make run)?", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
