"""The call: greeting, menu, report (what, where, callback number), emergency, status, agent, voicemail, hang-up."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint
from sqlalchemy.orm import Session


from hotline.errors import TicketNotFound
from hotline.store.models import Conversation, Ticket
from hotline.privacy import mask_phone
from hotline.work.lifecycle import get_ticket
from hotline.wiring import Services
from hotline.rules import prompts
from ivr import calls, twiml
from ivr.web import guard, classifier, form, log, now, respond, services, url

bp = guard(Blueprint("ivr_voice", __name__, url_prefix="/twilio"))

MENU = {"1": "report", "2": "status", "3": "emergency", "0": "agent", "9": "en", "8": "zh"}
# Spoken menu choices, checked in this order (a description of a problem is taken as a report).
MENU_WORDS = (
    ("agent", ("人工", "客服", "坐席", "真人", "agent", "operator", "human", "real person")),
    ("status", ("查询", "进度", "工单号", "status", "check", "progress", "reference")),
    ("emergency", ("紧急", "救命", "急救", "emergency", "urgent", "help me")),
    ("report", ("反映", "投诉", "举报", "报告", "问题", "report", "complain", "problem")),
    ("en", ("english", "英语", "英文")),
    ("zh", ("中文", "普通话", "汉语", "mandarin", "chinese")),
)
YES_WORDS = ("1", "是", "对", "确认", "好", "可以", "yes", "yeah", "right", "correct", "ok", "confirm")
NO_WORDS = ("2", "不", "否", "其他", "换", "别的", "no", "another", "other", "different")
CALLBACK_WORDS = ("回电", "回拨", "打回来", "call back", "callback", "call me")
ENDED = ("completed", "busy", "failed", "no-answer", "canceled")
REFERENCE_DIGITS = 10


@dataclass
class Turn:
    """One webhook of a call: the session, the call's conversation and what the caller just said or keyed."""

    session: Session
    svc: Services
    conv: Conversation
    now: datetime
    digits: str
    speech: str

    @property
    def lang(self) -> str:
        return self.conv.lang if self.conv.lang in prompts.LANGS else "zh"

    @property
    def v(self) -> twiml.Voice:
        return twiml.voice_for(self.lang, self.svc.config)

    @property
    def st(self) -> dict:
        return self.conv.state

    @property
    def heard(self) -> str:
        return self.speech or self.digits

    def say(self, key: str, **values) -> str:
        return prompts.voice(self.lang, key, **values)

    def timeout(self) -> int:
        return self.svc.config.ivr.gather_timeout_s


def step(fn):
    """Run one call step in its own unit of work; the step returns TwiML."""

    @functools.wraps(fn)
    def view():
        svc = services()
        call_sid = form("CallSid", 64)
        if not call_sid:
            # Not a call (a misconfigured number or a hand-made request): end politely.
            return respond(twiml.say(twiml.voice_for(svc.config.app.default_lang, svc.config),
                                     [prompts.voice(svc.config.app.default_lang, "goodbye")], hangup=True))
        with svc.session() as session:
            t = now()
            conv = calls.answer_call(session, call_sid=call_sid, from_raw=form("From", 64), now=t, config=svc.config)
            turn = Turn(session, svc, conv, t, digits=re.sub(r"[^0-9*#]", "", form("Digits", 64)),
                        speech=form("SpeechResult", svc.config.api.max_text_chars))
            doc = fn(turn)
            calls.save(conv, t)
        return respond(doc)

    return view


# -- menus ------------------------------------------------------------------------------------


def main_menu(t: Turn, *lead: str):
    """Greeting or menu, with the other language offered in its own voice."""
    other = twiml.other_lang(t.lang)
    t.st["step"] = "menu"
    return twiml.ask(t.v, [*lead, t.say("menu")], action=url("/voice/menu"), timeout=t.timeout(), num_digits=1,
                     aside=(twiml.voice_for(other, t.svc.config), prompts.voice(t.lang, "other_language")))


@bp.post("/voice")
@step
def incoming(t: Turn):
    """A call comes in: greet in the caller's last language (Mandarin for a stranger)."""
    log.info("call %s from %s", t.conv.external_id, mask_phone(t.st.get("phone")))
    return main_menu(t, t.say("greeting"))


@bp.post("/voice/menu")
@step
def menu(t: Turn):
    """Keys or words choose: report, status, emergency, agent, or the other language."""
    choice = MENU.get(t.digits[:1]) if t.digits else None
    if choice is None and t.speech:
        cls = classifier().classify(t.speech)
        if cls.group == "emergency":
            return emergency_heard(t, t.speech, cls)
        low = t.speech.lower()
        choice = next((name for name, words in MENU_WORDS if any(w in low for w in words)), None)
        if choice in (None, "report") and cls.understood and len(t.speech) > 4:
            # The caller went straight to describing the problem: take it as the report.
            return heard_what(t, t.speech, cls)
    if choice == "report":
        return ask_what(t)
    if choice == "status":
        return status_menu(t)
    if choice == "emergency":
        t.st["emergency"] = True
        return twiml.ask(t.v, [t.say("emergency_warning"), t.say("emergency_ask_what")],
                         action=url("/voice/emergency"), timeout=t.timeout(), finish_on_key="#")
    if choice == "agent":
        return agent_offer(t)
    if choice in ("en", "zh"):
        calls.switch_language(t.session, t.conv, choice, now=t.now)
        return main_menu(t, t.say("greeting"))
    tries = calls.bump(t.conv, "menu")
    if tries >= 2:
        return voicemail(t, t.say("not_understood") if t.heard else t.say("not_heard"))
    return main_menu(t, t.say("not_understood") if t.heard else t.say("not_heard"))


# -- report -----------------------------------------------------------------------------------


def ask_what(t: Turn, *lead: str):
    """Ask for the problem in the caller's own words."""
    t.st["step"] = "what"
    return twiml.ask(t.v, [*lead, t.say("ask_what")], action=url("/voice/what"), timeout=t.timeout(),
                     finish_on_key="#")


@bp.post("/voice/what")
@step
def what(t: Turn):
    """The caller described the problem: classify it and read back what we understood."""
    if not t.speech:
        if calls.bump(t.conv, "what") >= 2:
            return voicemail(t, t.say("not_heard"))
        return ask_what(t, t.say("not_heard"))
    cls = classifier().classify(t.speech)
    if cls.group == "emergency":
        return emergency_heard(t, t.speech, cls)
    return heard_what(t, t.speech, cls)


def heard_what(t: Turn, text: str, cls):
    """Keep the words; read back the category, or ask again once, then a voicemail for a human."""
    calls.remember(t.conv, text, cls, max_chars=t.svc.config.api.max_text_chars)
    if not cls.understood:
        if calls.bump(t.conv, "understood") >= 2:
            return voicemail(t, t.say("not_understood"))
        return ask_what(t, t.say("not_understood"))
    code = t.svc.core.taxonomy.get(cls.service_code)
    name = code.name(t.lang) if code else cls.service_code
    if t.st.get("where"):
        return ask_callback(t, t.say("understood", name=name))
    loc = t.svc.core.gazetteer.locate(text)
    if loc.township_code:
        # The place was in the description already.
        t.st["where"] = text
        return ask_callback(t, t.say("understood", name=name))
    return ask_where(t, t.say("understood", name=name))


def ask_where(t: Turn, *lead: str, again: bool = False):
    """Ask where it is."""
    t.st["step"] = "where"
    return twiml.ask(t.v, [*lead, t.say("ask_where_again" if again else "ask_where")], action=url("/voice/where"),
                     timeout=t.timeout(), finish_on_key="#")


@bp.post("/voice/where")
@step
def where(t: Turn):
    """Match the place against the township list; twice not placed, keep the words for a human."""
    text = t.speech
    if text:
        cls = classifier().classify(text)
        if cls.group == "emergency":
            return emergency_heard(t, text, cls)
        loc = t.svc.core.gazetteer.locate(text)
        if (loc.township_code or loc.district_code) and not loc.ambiguous:
            t.st["where"] = text
            return ask_callback(t, t.say("place_heard", place=place_name(t, loc) or text))
    if calls.bump(t.conv, "where") >= 2:
        if text:
            t.st["where"] = text
        return ask_callback(t)
    return ask_where(t, t.say("not_heard") if not text else "", again=bool(text))


def place_name(t: Turn, loc) -> str:
    """The matched place: the gazetteer's Chinese name, or the caller's own pinyin words in English."""
    if t.lang == "en":
        # Pinyin of a name can be ambiguous (朝阳 is Chaoyang, not Zhaoyang): echo what the caller said.
        return ", ".join(m.title() for m in loc.matched)
    g = t.svc.core.gazetteer
    place = g.places.get(loc.township_code) if loc.township_code else None
    if place is not None:
        return f"{place.district_name}{place.township_name}"
    return g.districts.get(loc.district_code or "", "")


def ask_callback(t: Turn, *lead: str):
    """Confirm the caller ID as the callback number, or ask for keys."""
    lead = tuple(s for s in lead if s)
    phone = t.st.get("phone")
    if not phone:
        t.st["step"] = "callback_keys"
        return twiml.ask(t.v, [*lead, t.say("ask_callback_keys")], action=url("/voice/callback-number-keys"),
                         timeout=t.timeout() + 4, finish_on_key="#", speech=False)
    t.st["step"] = "callback"
    return twiml.ask(t.v, [*lead, t.say("confirm_callback", last4=calls.last4(phone))],
                     action=url("/voice/callback-number"), timeout=t.timeout(), num_digits=1)


@bp.post("/voice/callback-number")
@step
def callback(t: Turn):
    """1 (or silence) keeps the caller ID; 2 asks for another number."""
    answer = t.heard.lower()
    if answer and not any(w in answer for w in YES_WORDS) and any(w in answer for w in NO_WORDS):
        t.st["step"] = "callback_keys"
        return twiml.ask(t.v, [t.say("ask_callback_keys")], action=url("/voice/callback-number-keys"),
                         timeout=t.timeout() + 4, finish_on_key="#", speech=False)
    return file_and_goodbye(t)


@bp.post("/voice/callback-number-keys")
@step
def callback_keys(t: Turn):
    """A callback number keyed in; twice invalid, the caller ID (if any) is used."""
    number = calls.caller_phone(calls.digits_in(t.heard), t.svc.config.phone.default_region)
    if number:
        t.st["callback_phone"] = number
        return file_and_goodbye(t)
    if calls.bump(t.conv, "callback_keys") >= 2:
        return file_and_goodbye(t)
    return twiml.ask(t.v, [t.say("bad_callback_keys")], action=url("/voice/callback-number-keys"),
                     timeout=t.timeout() + 4, finish_on_key="#", speech=False)


def file_and_goodbye(t: Turn, *, triage_reason: str | None = None, recording_url: str | None = None):
    """File the ticket (committed with this step), read the reference twice, text it, say goodbye."""
    ticket = _file(t, triage_reason=triage_reason, recording_url=recording_url)
    ref = calls.speakable(ticket.reference)
    sent = calls.queue_reference_sms(t.session, ticket, lang=t.lang, now=t.now, config=t.svc.config)
    lines = [t.say("filed_triage" if ticket.needs_triage else "filed", ref=ref)]
    if sent:
        lines.append(t.say("sms_sent"))
    lines.append(t.say("goodbye"))
    return twiml.say(t.v, lines, hangup=True)


def _file(t: Turn, **kwargs) -> Ticket:
    ticket, created = calls.file_call(t.session, t.conv, core=t.svc.core, classifier=classifier(), now=t.now, **kwargs)
    if created:
        log.info("call %s filed ticket %s", t.conv.external_id, ticket.reference)
    return ticket


# -- emergency --------------------------------------------------------------------------------


def emergency_heard(t: Turn, text: str, cls):
    """Danger words at any point: 110/119/120 first, a 2-hour ticket at once, then the duty officer."""
    t.st["emergency"] = True
    calls.remember(t.conv, text, cls, max_chars=t.svc.config.api.max_text_chars)
    return emergency_filed(t)


@bp.post("/voice/emergency")
@step
def emergency(t: Turn):
    """The caller chose emergency and said what is happening (or nothing: it is filed all the same)."""
    t.st["emergency"] = True
    if t.speech:
        calls.remember(t.conv, t.speech, classifier().classify(t.speech),
                       max_chars=t.svc.config.api.max_text_chars)
    return emergency_filed(t, warned=True)


def emergency_filed(t: Turn, *, warned: bool = False):
    ticket = _file(t)
    calls.queue_reference_sms(t.session, ticket, lang=t.lang, now=t.now, config=t.svc.config)
    ref = calls.speakable(ticket.reference)
    lines = [] if warned else [t.say("emergency_warning")]
    lines.append(t.say("emergency_filed", ref=ref))
    if not t.svc.config.twilio.agent_number:
        # Nobody to transfer to: the caller can still leave details for the 2-hour team.
        return record(t, *lines, t.say("voicemail"))
    t.st["step"] = "transfer"
    doc = twiml.ask(t.v, [*lines, t.say("offer_transfer")], action=url("/voice/transfer"), timeout=t.timeout(),
                    num_digits=1)
    return doc


@bp.post("/voice/transfer")
@step
def transfer(t: Turn):
    """1 rings the on-duty agent (timeout, then voicemail); anything else ends the call."""
    answer = t.heard.lower()
    if answer and any(w in answer for w in YES_WORDS + ("转接", "transfer", "connect")):
        return dial_agent(t, purpose="emergency")
    return twiml.say(t.v, [t.say("goodbye")], hangup=True)


def dial_agent(t: Turn, *, purpose: str):
    number = t.svc.config.twilio.agent_number
    if not number:
        return record(t, t.say("agent_unavailable"), t.say("voicemail"))
    t.st["step"] = "dial"
    t.st["dial_purpose"] = purpose
    return twiml.dial(t.v, [t.say("transferring")], number=number, timeout=t.svc.config.ivr.dial_timeout_s,
                      action=url("/voice/dial-result"))


@bp.post("/voice/dial-result")
@step
def dial_result(t: Turn):
    """The transfer ended: answered means done; otherwise a callback for agent calls, and a voicemail."""
    status = form("DialCallStatus", 32)
    if status in ("completed", "answered"):
        return twiml.say(t.v, [], hangup=True)
    lines = [t.say("agent_unavailable")]
    if t.st.get("dial_purpose") == "agent":
        cb = calls.request_callback(t.session, t.conv, now=t.now, config=t.svc.config, reason="agent did not answer")
        if cb is not None:
            lines.append(t.say("callback_booked", last4=calls.last4(cb.phone)))
    return record(t, *lines, t.say("voicemail"))


# -- voicemail --------------------------------------------------------------------------------


def voicemail(t: Turn, *lead: str):
    """Not understood or silent twice: a voicemail for a human."""
    return record(t, *lead, t.say("voicemail"))


def record(t: Turn, *lines: str):
    t.st["step"] = "voicemail"
    return twiml.record(t.v, lines, action=url("/voice/voicemail"), max_length=t.svc.config.ivr.voicemail_max_s,
                        after=url("/voice/voicemail"))


@bp.post("/voice/voicemail")
@step
def voicemail_left(t: Turn):
    """The recording (or its absence): file it for a human, or add it to the ticket already filed."""
    recording = form("RecordingUrl", 1000)
    if t.conv.ticket_id is not None:
        ticket = t.session.get(Ticket, t.conv.ticket_id)
        if recording and ticket is not None:
            calls.attach_recording(t.session, ticket, recording_url=recording, now=t.now)
        return twiml.say(t.v, [t.say("voicemail_saved" if recording else "no_recording"), t.say("goodbye")],
                         hangup=True)
    if recording:
        return file_and_goodbye(t, triage_reason="voicemail", recording_url=recording)
    if calls.captured(t.conv):
        return file_and_goodbye(t, triage_reason="incomplete")
    return twiml.say(t.v, [t.say("no_recording"), t.say("goodbye")], hangup=True)


# -- agent and callback -----------------------------------------------------------------------


def agent_offer(t: Turn):
    t.st["step"] = "agent"
    return twiml.ask(t.v, [t.say("agent_offer")], action=url("/voice/agent"), timeout=t.timeout(), num_digits=1)


@bp.post("/voice/agent")
@step
def agent(t: Turn):
    """1 (or silence) connects: <Dial> the on-duty agent, or <Enqueue> without one; 2 books a callback."""
    answer = t.heard.lower()
    if t.digits == "2" or any(w in answer for w in CALLBACK_WORDS):
        return book_callback(t)
    number = t.svc.config.twilio.agent_number
    if number:
        return dial_agent(t, purpose="agent")
    t.st["step"] = "queue"
    return twiml.enqueue(t.v, [t.say("transferring")], queue=t.svc.config.ivr.agent_queue,
                         wait_url=url("/voice/hold"), action=url("/voice/queue-result"))


def book_callback(t: Turn):
    cb = calls.request_callback(t.session, t.conv, now=t.now, config=t.svc.config, reason="asked for a callback")
    if cb is None:
        return agent_unreachable(t)
    return twiml.say(t.v, [t.say("callback_booked", last4=calls.last4(cb.phone)), t.say("goodbye")], hangup=True)


def agent_unreachable(t: Turn):
    return record(t, t.say("callback_no_number"), t.say("voicemail"))


@bp.post("/voice/hold")
@step
def hold(t: Turn):
    """While queued (Enqueue waitUrl, played in a loop): press 1 to leave the queue for a callback."""
    return twiml.ask(t.v, [t.say("hold")], action=url("/voice/hold-choice"), timeout=t.timeout() + 4,
                     num_digits=1, speech=False)


@bp.post("/voice/hold-choice")
@step
def hold_choice(t: Turn):
    if t.digits == "1":
        if calls.request_callback(t.session, t.conv, now=t.now, config=t.svc.config,
                                  reason="left the queue for a callback") is not None:
            return twiml.leave()
    return twiml.empty()  # back to the wait loop


@bp.post("/voice/queue-result")
@step
def queue_result(t: Turn):
    """How the wait ended: bridged or hung up ends; left for a callback confirms; errors take a voicemail."""
    result = form("QueueResult", 32)
    if result == "leave" and t.st.get("callback_id"):
        return twiml.say(t.v, [t.say("callback_booked", last4=calls.last4(t.st.get("callback_phone")
                                                                          or t.st.get("phone"))),
                               t.say("goodbye")], hangup=True)
    if result in ("bridged", "hangup", "redirected"):
        return twiml.say(t.v, [], hangup=True)
    return record(t, t.say("agent_unavailable"), t.say("voicemail"))


# -- status -----------------------------------------------------------------------------------


def status_menu(t: Turn):
    """The caller's own open tickets, then a reference can be keyed in."""
    tickets = calls.open_tickets_of(t.session, t.st.get("phone"))
    if not tickets:
        return ask_reference(t, t.say("status_none"))
    lines = [t.say("status_yours", count=len(tickets))] + [status_line(t, tk) for tk in tickets]
    t.st["step"] = "status_more"
    return twiml.ask(t.v, [*lines, t.say("status_more")], action=url("/voice/status-more"), timeout=t.timeout(),
                     num_digits=1)


def status_line(t: Turn, ticket: Ticket) -> str:
    return t.say("status_item", ref=calls.speakable(ticket.reference), status=prompts.status_name(t.lang, ticket.status),
                 due=calls.spoken_due(ticket, t.lang, t.svc.config.app.timezone))


def ask_reference(t: Turn, *lead: str):
    t.st["step"] = "status_ref"
    return twiml.ask(t.v, [*lead, t.say("status_ask_ref")], action=url("/voice/status-ref"), timeout=t.timeout() + 4,
                     num_digits=REFERENCE_DIGITS, finish_on_key="#")


@bp.post("/voice/status-more")
@step
def status_more(t: Turn):
    if t.digits == "1" or any(w in t.speech.lower() for w in ("其他", "another", "other")):
        return ask_reference(t)
    if t.digits == "0":
        return main_menu(t)
    return twiml.say(t.v, [t.say("goodbye")], hangup=True)


@bp.post("/voice/status-ref")
@step
def status_ref(t: Turn):
    """A reference keyed or spoken: its status and due time in the caller's language."""
    digits = calls.digits_in(t.heard)
    if digits == "0":
        return main_menu(t)
    if len(digits) == REFERENCE_DIGITS:
        try:
            ticket = get_ticket(t.session, digits)
        except TicketNotFound:
            pass
        else:
            t.st["step"] = "status_more"
            return twiml.ask(t.v, [status_line(t, ticket), t.say("status_more")], action=url("/voice/status-more"),
                             timeout=t.timeout(), num_digits=1)
    if calls.bump(t.conv, "status_ref") >= 3:
        return twiml.say(t.v, [t.say("goodbye")], hangup=True)
    if not digits:
        return ask_reference(t, t.say("not_heard"))
    return ask_reference(t, t.say("status_not_found", ref=calls.speakable(digits)))


# -- call status ------------------------------------------------------------------------------


@bp.post("/voice/status")
def call_status():
    """Twilio's status callback: a call that ended half way files what was captured (nothing said is lost)."""
    svc = services()
    call_sid, status = form("CallSid", 64), form("CallStatus", 32)
    if call_sid and status in ENDED:
        with svc.session() as session:
            ticket = calls.capture_hangup(session, call_sid=call_sid, now=now(), core=svc.core,
                                          classifier=classifier())
            if ticket is not None:
                log.info("call %s ended (%s): captured as ticket %s", call_sid, status, ticket.reference)
    return respond(twiml.empty())
