"""The phone call, step by step: greeting, menu, report (what, where, callback number), emergency, status,
agent, voicemail, hang-up. Each Twilio webhook is one step of this script, answered with a CallAction that
ivr/ renders as TwiML; the step names are the webhooks' path tails (ivr/voice.py maps them to URLs).
"""
from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Union

from sqlalchemy.orm import Session

from hotline.config import Config
from hotline.contact import calls, knowledge
from hotline.contact.dialogue import Classifier
from hotline.core import Core
from hotline.errors import TicketNotFound
from hotline.privacy import mask_phone
from hotline.rules import prompts
from hotline.rules.askback import choose
from hotline.rules.routing import Place
from hotline.store.models import Conversation, Ticket
from hotline.work import consult
from hotline.work.lifecycle import get_ticket

log = logging.getLogger(__name__)

MENU = {"1": "report", "2": "status", "3": "emergency", "0": "agent", "9": "en", "8": "zh"}
# Spoken menu choices, checked in this order (a description of a problem is taken as a report).
MENU_WORDS = (
    ("agent", ("人工", "客服", "坐席", "真人", "agent", "operator", "human", "real person", "a person")),
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
MAX_CHOICES = 4
# Listening for an emergency's place: one short question, never a long wait.
EMERGENCY_WHERE_S = 10


# -- what a step answers: ivr/twiml.py renders each ---------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """Speak, then listen for speech or keys; the answer goes to `step` (also when nothing was said)."""

    lines: tuple[str, ...] | list[str]
    step: str
    timeout: int
    num_digits: int | None = None
    finish_on_key: str | None = None
    speech: bool = True
    aside: tuple[str, str] | None = None  # (language, sentence) said in the other language's voice


@dataclass(frozen=True)
class Speak:
    """Speak, then hang up or let the call end."""

    lines: tuple[str, ...] | list[str]
    hangup: bool = False


@dataclass(frozen=True)
class Record:
    """A voicemail: the prompt, a beep, the recording to `step`."""

    lines: tuple[str, ...] | list[str]
    step: str
    max_length: int


@dataclass(frozen=True)
class Dial:
    """Ring a number; `step` hears how it ended."""

    lines: tuple[str, ...] | list[str]
    number: str
    timeout: int
    step: str


@dataclass(frozen=True)
class Enqueue:
    """Wait for an agent in a queue, `wait_step` playing meanwhile; `step` hears how the wait ended."""

    lines: tuple[str, ...] | list[str]
    queue: str
    wait_step: str
    step: str


@dataclass(frozen=True)
class Leave:
    """Take the caller out of the queue."""


@dataclass(frozen=True)
class Nothing:
    """Nothing to do (a wait loop that continues)."""


CallAction = Union[Ask, Speak, Record, Dial, Enqueue, Leave, Nothing]


@dataclass(frozen=True)
class CallInbound:
    """One webhook of a call, parsed: which step, the caller, what they said or keyed."""

    step: str
    call_sid: str
    from_raw: str | None = None
    digits: str = ""
    speech: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # dial_status, recording_url, queue_result


@dataclass(frozen=True)
class CallReply:
    """The step's answer and the language to speak it in."""

    action: CallAction
    lang: str


@dataclass
class Turn:
    """One step of a call: the session, the call's conversation and what the caller just said or keyed."""

    session: Session
    core: Core
    classifier: Classifier
    conv: Conversation
    now: datetime
    digits: str
    speech: str
    extra: dict[str, str]

    @property
    def config(self) -> Config:
        return self.core.config

    @property
    def lang(self) -> str:
        return self.conv.lang if self.conv.lang in prompts.LANGS else "zh"

    @property
    def st(self) -> dict:
        return self.conv.state

    @property
    def heard(self) -> str:
        return self.speech or self.digits

    def say(self, key: str, **values) -> str:
        return prompts.voice(self.lang, key, **values)

    def timeout(self) -> int:
        return self.config.ivr.gather_timeout_s


STEPS: dict[str, Callable[[Turn], CallAction]] = {}


def step(name: str):
    """Register a function as the answer to one webhook of the call."""

    def register(fn):
        STEPS[name] = fn
        return fn

    return register


class CallFlow:
    """The call script, with the core's parts and the classifier it uses."""

    def __init__(self, core: Core, classifier: Classifier):
        self.core = core
        self.classifier = classifier

    def step(self, session: Session, call: CallInbound, *, now: datetime) -> CallReply:
        """Answer one webhook of a call in the caller's transaction."""
        config = self.core.config
        conv = calls.answer_call(session, call_sid=call.call_sid, from_raw=call.from_raw, now=now, config=config)
        turn = Turn(session, self.core, self.classifier, conv, now, digits=re.sub(r"[^0-9*#]", "", call.digits),
                    speech=call.speech[:config.api.max_text_chars], extra=call.extra)
        action = STEPS[call.step](turn)
        calls.save(conv, now)
        return CallReply(action, turn.lang)

    def hang_up(self, session: Session, *, call_sid: str, status: str, now: datetime) -> Ticket | None:
        """The call ended: what was captured half way is filed (nothing said is lost)."""
        if status not in ENDED:
            return None
        return calls.capture_hangup(session, call_sid=call_sid, now=now, core=self.core, classifier=self.classifier)


# -- menus ------------------------------------------------------------------------------------


def main_menu(t: Turn, *lead: str):
    """Greeting or menu, with the other language offered in its own voice."""
    other = "zh" if t.lang == "en" else "en"
    t.st["step"] = "menu"
    return Ask([*lead, t.say("menu")], step="menu", timeout=t.timeout(), num_digits=1,
               aside=(other, prompts.voice(t.lang, "other_language")))


@step("incoming")
def incoming(t: Turn):
    """A call comes in: greet in the caller's last language (Mandarin for a stranger)."""
    log.info("call %s from %s", t.conv.external_id, mask_phone(t.st.get("phone")))
    return main_menu(t, t.say("greeting"))


@step("menu")
def menu(t: Turn):
    """Keys or words choose: report, status, emergency, agent, or the other language."""
    choice = MENU.get(t.digits[:1]) if t.digits else None
    if choice is None and t.speech:
        cls = t.classifier.classify(t.speech)
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
        return Ask([t.say("emergency_warning"), t.say("emergency_ask_what")],
                   step="emergency", timeout=t.timeout(), finish_on_key="#")
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
    return Ask([*lead, t.say("ask_what")], step="what", timeout=t.timeout(),
               finish_on_key="#")


@step("what")
def what(t: Turn):
    """The caller described the problem: classify it and read back what we understood."""
    if not t.speech:
        if calls.bump(t.conv, "what") >= 2:
            return voicemail(t, t.say("not_heard"))
        return ask_what(t, t.say("not_heard"))
    cls = t.classifier.classify(t.speech)
    if cls.group == "emergency":
        return emergency_heard(t, t.speech, cls)
    return heard_what(t, t.speech, cls)


def heard_what(t: Turn, text: str, cls):
    """A question the knowledge base answers is answered; otherwise keep the words and read back the category."""
    if not t.st.get("what"):
        found = knowledge.answer(t.core, text, t.lang)
        if found is not None:
            return answer_question(t, text, found)
    calls.remember(t.conv, text, cls, max_chars=t.config.api.max_text_chars)
    if not cls.understood:
        if calls.bump(t.conv, "understood") >= 2:
            return voicemail(t, t.say("not_understood"))
        return ask_what(t, t.say("not_understood"))
    code = t.core.taxonomy.get(cls.service_code)
    name = code.name(t.lang) if code else cls.service_code
    if t.st.get("where"):
        return ask_callback(t, t.say("understood", name=name))
    loc = t.core.gazetteer.locate(text)
    if loc.township_code:
        # The place was in the description already.
        t.st["where"] = text
        return ask_callback(t, t.say("understood", name=name))
    return ask_where(t, t.say("understood", name=name))


def answer_question(t: Turn, text: str, found):
    """Read the answer, recorded as a closed consultation; then 1 - that answered it, 2 - an agent."""
    ticket = consult.record_answered_consult(
        t.session, question=text, answer=found, channel="voice", now=t.now, core=t.core, phone=t.st.get("phone"),
        conversation_id=t.conv.id, external_id=f"{t.conv.external_id}-kb")  # the call may still file a complaint
    t.st.update(step="consult", consult_ticket=ticket.id)
    return Ask([knowledge.voice_reply(found)], step="consult", timeout=t.timeout(), num_digits=1)


@step("consult")
def consult_choice(t: Turn):
    """1 (or thanks) ends the call; 2 hands the consultation to an agent; anything else starts a report."""
    choice = knowledge.read_choice(t.heard)
    ticket = t.session.get(Ticket, t.st.pop("consult_ticket", 0) or 0)
    if choice == knowledge.ANSWERED:
        return Speak([knowledge.closing(t.lang, choice)], hangup=True)
    if choice == knowledge.AGENT:
        if ticket is not None:
            consult.hand_consult_to_agent(t.session, ticket, now=t.now)
        return agent_offer(t)
    return ask_what(t)


def ask_where(t: Turn, *lead: str, again: bool = False):
    """Ask where it is."""
    t.st["step"] = "where"
    return Ask([*lead, t.say("ask_where_again" if again else "ask_where")], step="where",
               timeout=t.timeout(), finish_on_key="#")


@step("where")
def where(t: Turn):
    """Match the place against the gazetteer; an ambiguous one is asked back; twice not placed, a human places it."""
    text = t.speech
    if text:
        cls = t.classifier.classify(text)
        if cls.group == "emergency":
            return emergency_heard(t, text, cls)
        loc = t.core.gazetteer.locate(text)
        if loc.ambiguous and loc.candidates:
            return ask_which(t, text, loc)
        if loc.township_code or loc.district_code:
            t.st["where"] = text
            return ask_callback(t, t.say("place_heard", place=place_name(t, loc) or text))
    if calls.bump(t.conv, "where") >= 2:
        if text:
            t.st["where"] = text
        return ask_callback(t)
    return ask_where(t, t.say("not_heard") if not text else "", again=bool(text))


def ask_which(t: Turn, text: str, loc):
    """朝阳区的八里庄请按1，海淀区的八里庄请按2 — keys or the name said."""
    candidates = loc.candidates[:MAX_CHOICES]
    t.st.update(step="which", where=text, candidates=[dataclasses.asdict(p) for p in candidates])
    if loc.district_code:
        t.st["place"] = {"district_code": loc.district_code, "township_code": None}  # one district: set at once
    sep = "，" if t.lang == "zh" else ". "
    options = sep.join(t.say("which_option", label=p.label(t.lang), n=i) for i, p in enumerate(candidates, 1))
    return Ask([t.say("which", place=text, options=options)], step="which", timeout=t.timeout(), num_digits=1)


@step("which")
def which(t: Turn):
    """The caller's choice of an ambiguous place; not understood twice, a human places it."""
    candidates = [Place(**p) for p in t.st.get("candidates") or []]
    chosen = choose(candidates, t.heard)
    if chosen is not None:
        t.st["place"] = {"district_code": chosen.district_code, "township_code": chosen.township_code or None}
        t.st.pop("candidates", None)
        return ask_callback(t, t.say("place_heard", place=chosen.label(t.lang)))
    if calls.bump(t.conv, "which") >= 2:
        t.st.pop("candidates", None)
        return ask_callback(t)
    loc = t.core.gazetteer.locate(t.st.get("where"))
    return ask_which(t, t.st.get("where") or "", loc)


def place_name(t: Turn, loc) -> str:
    """The matched place in the caller's language (English names in English, never bare Chinese)."""
    label = loc.label(t.lang)
    if label:
        return label
    g = t.core.gazetteer
    place = g.places.get(loc.township_code) if loc.township_code else None
    if place is not None:
        return place.label(t.lang)
    if t.lang == "en":
        return ", ".join(m.title() for m in loc.matched)
    return g.districts.get(loc.district_code or "", "")


def ask_callback(t: Turn, *lead: str):
    """Confirm the caller ID as the callback number, or ask for keys."""
    lead = tuple(s for s in lead if s)
    phone = t.st.get("phone")
    if not phone:
        t.st["step"] = "callback_keys"
        return Ask([*lead, t.say("ask_callback_keys")], step="callback-number-keys",
                   timeout=t.timeout() + 4, finish_on_key="#", speech=False)
    t.st["step"] = "callback"
    return Ask([*lead, t.say("confirm_callback", last4=calls.last4(phone))],
               step="callback-number", timeout=t.timeout(), num_digits=1)


@step("callback-number")
def callback(t: Turn):
    """1 (or silence) keeps the caller ID; 2 asks for another number."""
    answer = t.heard.lower()
    if answer and not any(w in answer for w in YES_WORDS) and any(w in answer for w in NO_WORDS):
        t.st["step"] = "callback_keys"
        return Ask([t.say("ask_callback_keys")], step="callback-number-keys",
                   timeout=t.timeout() + 4, finish_on_key="#", speech=False)
    return file_and_goodbye(t)


@step("callback-number-keys")
def callback_keys(t: Turn):
    """A callback number keyed in; twice invalid, the caller ID (if any) is used."""
    number = calls.caller_phone(calls.digits_in(t.heard), t.config.phone.default_region)
    if number:
        t.st["callback_phone"] = number
        return file_and_goodbye(t)
    if calls.bump(t.conv, "callback_keys") >= 2:
        return file_and_goodbye(t)
    return Ask([t.say("bad_callback_keys")], step="callback-number-keys",
               timeout=t.timeout() + 4, finish_on_key="#", speech=False)


def file_and_goodbye(t: Turn, *, triage_reason: str | None = None, recording_url: str | None = None):
    """File the ticket (committed with this step), read the reference twice, text it, say goodbye."""
    ticket = _file(t, triage_reason=triage_reason, recording_url=recording_url)
    ref = calls.speakable(ticket.reference)
    sent = calls.queue_reference_sms(t.session, ticket, lang=t.lang, now=t.now, config=t.config)
    due = calls.spoken_due(ticket, t.lang, t.config.app.timezone)
    lines = [t.say("filed_triage" if ticket.needs_triage else "filed", ref=ref, due=due)]
    if sent:
        lines.append(t.say("sms_queued"))  # queued, not yet sent: the scheduler sends it
    lines.append(t.say("goodbye"))
    return Speak(lines, hangup=True)


def _file(t: Turn, **kwargs) -> Ticket:
    ticket, created = calls.file_call(t.session, t.conv, core=t.core, classifier=t.classifier, now=t.now, **kwargs)
    if created:
        log.info("call %s filed ticket %s", t.conv.external_id, ticket.reference)
    return ticket


# -- emergency --------------------------------------------------------------------------------


def emergency_heard(t: Turn, text: str, cls):
    """Danger words at any point: 110/119/120 first, a 2-hour ticket at once, then the duty officer."""
    t.st["emergency"] = True
    calls.remember(t.conv, text, cls, max_chars=t.config.api.max_text_chars)
    return emergency_filed(t)


@step("emergency")
def emergency(t: Turn):
    """The caller chose emergency and said what is happening (or nothing: it is filed all the same)."""
    t.st["emergency"] = True
    if t.speech:
        calls.remember(t.conv, t.speech, t.classifier.classify(t.speech),
                       max_chars=t.config.api.max_text_chars)
    return emergency_filed(t, warned=True)


def emergency_filed(t: Turn, *, warned: bool = False):
    """File at once (2 hours), then one short question: where? A caller who cannot say is filed all the same."""
    ticket = _file(t)
    calls.queue_reference_sms(t.session, ticket, lang=t.lang, now=t.now, config=t.config)
    ref = calls.speakable(ticket.reference)
    lines = [] if warned else [t.say("emergency_warning")]
    lines.append(t.say("emergency_filed", ref=ref))
    if t.st.get("where"):
        return emergency_next(t, *lines)
    t.st["step"] = "emergency-where"
    return Ask([*lines, t.say("emergency_ask_where")], step="emergency-where",
               timeout=min(t.timeout(), EMERGENCY_WHERE_S), finish_on_key="#")


@step("emergency-where")
def emergency_where(t: Turn):
    """The place of an emergency joins its ticket; silence leaves it for the duty officer to ask."""
    ticket = t.session.get(Ticket, t.conv.ticket_id) if t.conv.ticket_id else None
    if t.speech and ticket is not None:
        t.st["where"] = t.speech
        calls.add_place(t.session, ticket, t.speech, now=t.now)
        return emergency_next(t, t.say("place_heard", place=t.speech))
    if ticket is not None:
        calls.mark_for_callback(t.session, ticket, now=t.now)
    return emergency_next(t)


def emergency_next(t: Turn, *lines: str):
    """The on-duty transfer whenever a number is configured; a voicemail only without one."""
    if not t.config.twilio.agent_number:
        # Nobody to transfer to: the caller can still leave details for the 2-hour team.
        return record(t, *lines, t.say("voicemail"))
    t.st["step"] = "transfer"
    return Ask([*lines, t.say("offer_transfer")], step="transfer", timeout=t.timeout(), num_digits=1)


@step("transfer")
def transfer(t: Turn):
    """1 rings the on-duty agent (timeout, then voicemail); anything else ends the call."""
    answer = t.heard.lower()
    if answer and any(w in answer for w in YES_WORDS + ("转接", "transfer", "connect")):
        return dial_agent(t, purpose="emergency")
    return Speak([t.say("goodbye")], hangup=True)


def dial_agent(t: Turn, *, purpose: str):
    number = t.config.twilio.agent_number
    if not number:
        return record(t, t.say("agent_unavailable"), t.say("voicemail"))
    t.st["step"] = "dial"
    t.st["dial_purpose"] = purpose
    return Dial([t.say("transferring")], number=number, timeout=t.config.ivr.dial_timeout_s,
                step="dial-result")


@step("dial-result")
def dial_result(t: Turn):
    """The transfer ended: answered means done; otherwise a callback for agent calls, and a voicemail."""
    status = t.extra.get("dial_status", "")
    if status in ("completed", "answered"):
        return Speak([], hangup=True)
    lines = [t.say("agent_unavailable")]
    if t.st.get("dial_purpose") == "agent":
        cb = calls.request_callback(t.session, t.conv, now=t.now, config=t.config, reason="agent did not answer")
        if cb is not None:
            lines.append(t.say("callback_booked", last4=calls.last4(cb.phone)))
    return record(t, *lines, t.say("voicemail"))


# -- voicemail --------------------------------------------------------------------------------


def voicemail(t: Turn, *lead: str):
    """Not understood or silent twice: a voicemail for a human."""
    return record(t, *lead, t.say("voicemail"))


def record(t: Turn, *lines: str):
    t.st["step"] = "voicemail"
    return Record(lines, step="voicemail", max_length=t.config.ivr.voicemail_max_s)


@step("voicemail")
def voicemail_left(t: Turn):
    """The recording (or its absence): file it for a human, or add it to the ticket already filed."""
    recording = t.extra.get("recording_url", "")
    if t.conv.ticket_id is not None:
        ticket = t.session.get(Ticket, t.conv.ticket_id)
        if recording and ticket is not None:
            calls.attach_recording(t.session, ticket, recording_url=recording, now=t.now)
        return Speak([t.say("voicemail_saved" if recording else "no_recording"), t.say("goodbye")],
                     hangup=True)
    if recording:
        return file_and_goodbye(t, triage_reason="voicemail", recording_url=recording)
    if calls.captured(t.conv):
        return file_and_goodbye(t, triage_reason="incomplete")
    return Speak([t.say("no_recording"), t.say("goodbye")], hangup=True)


# -- agent and callback -----------------------------------------------------------------------


def agent_offer(t: Turn):
    t.st["step"] = "agent"
    return Ask([t.say("agent_offer")], step="agent", timeout=t.timeout(), num_digits=1)


@step("agent")
def agent(t: Turn):
    """1 (or silence) connects: <Dial> the on-duty agent, or <Enqueue> without one; 2 books a callback."""
    answer = t.heard.lower()
    if t.digits == "2" or any(w in answer for w in CALLBACK_WORDS):
        return book_callback(t)
    number = t.config.twilio.agent_number
    if number:
        return dial_agent(t, purpose="agent")
    t.st["step"] = "queue"
    return Enqueue([t.say("transferring")], queue=t.config.ivr.agent_queue,
                   wait_step="hold", step="queue-result")


def book_callback(t: Turn):
    cb = calls.request_callback(t.session, t.conv, now=t.now, config=t.config, reason="asked for a callback")
    if cb is None:
        return agent_unreachable(t)
    return Speak([t.say("callback_booked", last4=calls.last4(cb.phone)), t.say("goodbye")], hangup=True)


def agent_unreachable(t: Turn):
    return record(t, t.say("callback_no_number"), t.say("voicemail"))


@step("hold")
def hold(t: Turn):
    """While queued (Enqueue waitUrl, played in a loop): press 1 to leave the queue for a callback."""
    return Ask([t.say("hold")], step="hold-choice", timeout=t.timeout() + 4,
               num_digits=1, speech=False)


@step("hold-choice")
def hold_choice(t: Turn):
    if t.digits == "1":
        if calls.request_callback(t.session, t.conv, now=t.now, config=t.config,
                                  reason="left the queue for a callback") is not None:
            return Leave()
    return Nothing()  # back to the wait loop


@step("queue-result")
def queue_result(t: Turn):
    """How the wait ended: bridged or hung up ends; left for a callback confirms; errors take a voicemail."""
    result = t.extra.get("queue_result", "")
    if result == "leave" and t.st.get("callback_id"):
        return Speak([t.say("callback_booked", last4=calls.last4(t.st.get("callback_phone")
                     or t.st.get("phone"))),
                     t.say("goodbye")], hangup=True)
    if result in ("bridged", "hangup", "redirected"):
        return Speak([], hangup=True)
    return record(t, t.say("agent_unavailable"), t.say("voicemail"))


# -- status -----------------------------------------------------------------------------------


def status_menu(t: Turn):
    """The caller's own open tickets, then a reference can be keyed in."""
    tickets = calls.open_tickets_of(t.session, t.st.get("phone"))
    if not tickets:
        return ask_reference(t, t.say("status_none"))
    # Caller ID can be spoofed: the listing names what and how far, never a reference or a due time.
    lines = [t.say("status_yours", count=len(tickets))] + [
        t.say("status_item_unverified", n=i, name=service_name(t, tk), status=prompts.status_name(t.lang, tk.status))
        for i, tk in enumerate(tickets, 1)]
    t.st["step"] = "status_more"
    return Ask([*lines, t.say("status_more")], step="status-more", timeout=t.timeout(),
               num_digits=1)


def service_name(t: Turn, ticket: Ticket) -> str:
    code = t.core.taxonomy.get(ticket.service_code)
    return code.name(t.lang) if code else ticket.service_code


def status_line(t: Turn, ticket: Ticket) -> str:
    return t.say("status_item", ref=calls.speakable(ticket.reference),
                 status=prompts.status_name(t.lang, ticket.status),
                 due=calls.spoken_due(ticket, t.lang, t.config.app.timezone))


def ask_reference(t: Turn, *lead: str):
    t.st["step"] = "status_ref"
    return Ask([*lead, t.say("status_ask_ref")], step="status-ref", timeout=t.timeout() + 4,
               num_digits=REFERENCE_DIGITS, finish_on_key="#")


@step("status-more")
def status_more(t: Turn):
    if t.digits == "1" or any(w in t.speech.lower() for w in ("其他", "another", "other")):
        return ask_reference(t)
    if t.digits == "0":
        return main_menu(t)
    return Speak([t.say("goodbye")], hangup=True)


@step("status-ref")
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
            return Ask([status_line(t, ticket), t.say("status_more")], step="status-more",
                       timeout=t.timeout(), num_digits=1)
    if calls.bump(t.conv, "status_ref") >= 3:
        return Speak([t.say("goodbye")], hangup=True)
    if not digits:
        return ask_reference(t, t.say("not_heard"))
    return ask_reference(t, t.say("status_not_found", ref=calls.speakable(digits)))


