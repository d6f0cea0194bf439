"""The Dialogue port: what to say next in a text conversation. FormDialogue is the built-in flow.

RasaDialogue (the bot issue) talks to the Rasa server; when Rasa is slow or down the same conversation
continues here, so nobody's complaint is lost because a service is down.
"""
from __future__ import annotations

import dataclasses
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Protocol

import requests

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from hotline.core import Core
from hotline.errors import InvalidInput, TicketNotFound
from hotline.work.intake import IntakeRequest, open_ticket
from hotline.store.models import Conversation, Ticket
from hotline.rules.taxonomy import Classification, Taxonomy
from hotline.work.lifecycle import get_ticket

log = logging.getLogger(__name__)

REFERENCE_RE = re.compile(r"(?<!\d)(\d{10})(?!\d)")  # 11 digits is a mobile number, not a reference
HUMAN_WORDS = ("人工", "转人工", "真人", "客服", "human", "agent", "operator", "real person")
GREETINGS = ("你好", "您好", "在吗", "hello", "hi", "hey")
CANCEL_WORDS = ("取消", "算了", "cancel")

PROMPTS = {
    "zh": {
        "ask_what": "您好，这里是12345市民热线。请简单描述您遇到的问题。",
        "ask_where": "请问问题发生在哪里？请说区和街道或附近地标，例如“朝阳区望京街道”。",
        "ask_where_again": "没能确认地点。请告诉我区和街道名称，例如“海淀区中关村街道”。",
        "ask_which": "“{place}”有多处，请问是{options}？",
        "ask_contact": "请留一个方便联系您的手机号码。",
        "bad_phone": "这个号码好像不对，请再输入一次手机号码。",
        "emergency": "如有生命危险，请立即拨打110/119/120。我们已按紧急事项登记，工单号{ref}，2小时内处理。",
        "filed": "已受理，工单号{ref}。{unit}将在{due}前答复您。回复“查询{ref}”可查进度。",
        "status": "工单{ref}：{status}，答复时限{due}。",
        "not_found": "没有找到工单{ref}，请核对号码。",
        "handoff": "正在为您转接人工客服，请稍候。",
        "cancelled": "好的，已取消。如需反映问题，请随时描述。",
        "continue": "我们继续。",
    },
    "en": {
        "ask_what": "Hello, this is the 12345 citizen hotline. Please describe the problem briefly.",
        "ask_where": "Where is it? Please give the district and street, or a landmark, e.g. \"Wangjing, Chaoyang\".",
        "ask_where_again": "I could not place that. Please give the district and street, e.g. \"Zhongguancun, Haidian\".",
        "ask_which": "There is more than one \"{place}\": {options}?",
        "ask_contact": "Please leave a mobile number we can call you back on.",
        "bad_phone": "That number does not look right. Please type your mobile number again.",
        "emergency": "If life is in danger, call 110/119/120 now. We have filed an emergency ticket {ref}, "
                     "handled within 2 hours.",
        "filed": "Received. Your reference is {ref}. {unit} will answer by {due}. Text \"status {ref}\" for progress.",
        "status": "Ticket {ref}: {status}, answer due {due}.",
        "not_found": "No ticket {ref} was found. Please check the number.",
        "handoff": "Connecting you to an agent, please wait.",
        "cancelled": "OK, cancelled. Describe a problem any time.",
        "continue": "Let's continue.",
    },
}
STATUS_NAMES = {
    "zh": {"new": "待分派", "dispatched": "已派单", "signed": "已签收", "in_progress": "办理中", "returned": "重新分派中",
           "resolved": "已办结待回访", "followed_up": "已回访", "closed": "已办结", "reopened": "重新办理中",
           "merged": "已合并办理"},
    "en": {"new": "awaiting dispatch", "dispatched": "dispatched", "signed": "accepted", "in_progress": "in progress",
           "returned": "being re-dispatched", "resolved": "answered, follow-up pending", "followed_up": "followed up",
           "closed": "closed", "reopened": "reopened", "merged": "handled with a similar request"},
}


@dataclass(frozen=True)
class Reply:
    """One message back to the citizen."""

    text: str
    buttons: tuple[dict, ...] = ()
    custom: dict | None = None


@dataclass
class DialogueResult:
    """What to say, and what happened: a ticket filed, a hand-off to an agent."""

    replies: list[Reply] = field(default_factory=list)
    ticket: Ticket | None = None
    handoff: bool = False
    engine: str = "form"


class Classifier(Protocol):
    """Kind and service code of a text (Rasa's model, or keywords)."""

    def classify(self, text: str) -> Classification: ...


class Dialogue(Protocol):
    """Answers one citizen message in a conversation."""

    def respond(self, session: Session, conversation: Conversation, text: str, *, now: datetime,
                phone: str | None = None, external_id: str | None = None) -> DialogueResult: ...


def prompt(lang: str, key: str, **values) -> str:
    """A sentence from the catalogue in the citizen's language."""
    return PROMPTS.get(lang, PROMPTS["zh"])[key].format(**values)


def status_text(ticket: Ticket, lang: str, tz: str) -> str:
    """Status and due time of a ticket, in words."""
    from hotline.rules.deadlines import local
    due = local(ticket.due_at, tz).strftime("%m-%d %H:%M")
    return prompt(lang, "status", ref=ticket.reference, status=STATUS_NAMES[lang if lang in STATUS_NAMES else "zh"]
                  [ticket.status], due=due)


def detect_lang(text: str, default: str = "zh") -> str:
    """en when the text is Latin letters only, zh when it has Chinese characters."""
    if re.search(r"[\u4e00-\u9fff]", text):
        return "zh"
    if re.search(r"[A-Za-z]{2,}", text):
        return "en"
    return default


class FormDialogue:
    """The built-in flow: what happened, where, how to call back; keywords classify; the ticket is filed."""

    engine = "form"

    def __init__(self, core: Core, classifier: Classifier | None = None):
        self.core = core
        self.classifier = classifier or core.taxonomy

    def respond(self, session: Session, conversation: Conversation, text: str, *, now: datetime,
                phone: str | None = None, external_id: str | None = None) -> DialogueResult:
        """Advance the conversation by one citizen message."""
        text = (text or "").strip()
        state = dict(conversation.state or {})
        lang = conversation.lang or detect_lang(text, self.core.config.app.default_lang)
        lower = text.lower()
        result = self._shortcuts(session, conversation, text, lower, lang, state)
        if result is None:
            result = self._form(session, conversation, text, lang, state, now=now, phone=phone,
                                external_id=external_id)
        conversation.state = state
        flag_modified(conversation, "state")
        conversation.updated_at = now
        return result

    def _shortcuts(self, session, conversation, text, lower, lang, state) -> DialogueResult | None:
        if any(w in lower for w in HUMAN_WORDS):
            conversation.status = "handed_off"
            return DialogueResult([Reply(prompt(lang, "handoff"))], handoff=True)
        if any(lower == w or lower.startswith(w + " ") for w in CANCEL_WORDS) and state.get("step"):
            state.clear()
            return DialogueResult([Reply(prompt(lang, "cancelled"))])
        ref = REFERENCE_RE.search(text) if state.get("step") != "contact" else None
        if ref and (not state.get("step") or len(REFERENCE_RE.sub("", text).strip()) <= 12):
            try:
                ticket = get_ticket(session, ref.group(1))
            except TicketNotFound:
                return DialogueResult([Reply(prompt(lang, "not_found", ref=ref.group(1)))])
            return DialogueResult([Reply(status_text(ticket, lang, self.core.config.app.timezone))], ticket=ticket)
        return None

    def _form(self, session, conversation, text, lang, state, *, now, phone, external_id) -> DialogueResult:
        step = state.get("step", "what")
        if step == "what":
            if not text or (len(text) <= 6 and any(g in text.lower() for g in GREETINGS)):
                return DialogueResult([Reply(prompt(lang, "ask_what"))])
            cls = self.classifier.classify(text)
            state.update(what=text, service_code=cls.service_code, kind=cls.kind,
                         confidence=cls.confidence, group=cls.group)
            if cls.group == "emergency":
                # Danger first: file at once with whatever place we have.
                return self._file(session, conversation, state, lang, now=now, phone=phone,
                                  external_id=external_id, emergency=True)
            loc = self.core.gazetteer.locate(text)
            if loc.township_code or loc.district_code:
                state["where"] = text
            else:
                state["step"] = "where"
                return DialogueResult([Reply(prompt(lang, "ask_where"))])
        elif step == "where":
            loc = self.core.gazetteer.locate(text)
            if loc.ambiguous and loc.candidates:
                options = "、" if lang == "zh" else " or "
                names = options.join(f"{p.district_name}{p.township_name}" for p in loc.candidates[:4])
                state["step"] = "where"
                return DialogueResult([Reply(prompt(lang, "ask_which", place=text, options=names))])
            if not (loc.township_code or loc.district_code):
                tries = state.get("where_tries", 0) + 1
                state["where_tries"] = tries
                if tries < 2:
                    return DialogueResult([Reply(prompt(lang, "ask_where_again"))])
                # Twice not understood: file it anyway, a human will place it.
            state["where"] = text
        elif step == "contact":
            state["contact"] = text
        if not phone and not state.get("contact") and conversation.channel == "web":
            state["step"] = "contact"
            return DialogueResult([Reply(prompt(lang, "ask_contact"))])
        return self._file(session, conversation, state, lang, now=now, phone=phone, external_id=external_id)

    def _file(self, session, conversation, state, lang, *, now, phone, external_id, emergency=False) -> DialogueResult:
        contact = state.get("contact")
        req = IntakeRequest(
            text=state["what"], channel=conversation.channel if conversation.channel in ("sms", "web", "voice")
            else "api", phone=phone, callback_phone=None, location=state.get("where"),
            service_code=state.get("service_code") if state.get("confidence", 0) > 0 else None,
            kind=state.get("kind"), lang=lang, conversation_id=conversation.id,
            external_id=f"conv-{conversation.id}-{state.get('round', 0)}", actor="citizen",
            chat_id=None if phone else (conversation.external_id if conversation.channel == "web" else None))
        if contact:
            try:
                from hotline.store.citizens import normalize_phone
                req.callback_phone = normalize_phone(contact, self.core.config.phone.default_region)
            except InvalidInput:
                return DialogueResult([Reply(prompt(lang, "bad_phone"))])
        ticket, _ = open_ticket(session, req, now=now, core=self.core)
        conversation.ticket_id = ticket.id
        round_ = state.get("round", 0) + 1
        state.clear()
        state["round"] = round_
        if emergency:
            return DialogueResult([Reply(prompt(lang, "emergency", ref=ticket.reference))], ticket=ticket)
        return DialogueResult([Reply(self.filed_text(session, ticket, lang))], ticket=ticket)

    def filed_text(self, session: Session, ticket: Ticket, lang: str) -> str:
        """Reference, who acts, and by when."""
        from hotline.rules.deadlines import local
        from hotline.store.models import Department, Township
        unit = None
        if ticket.unit_type == "township" and ticket.unit_code:
            t = session.get(Township, ticket.unit_code)
            unit = t.name if t else None
        elif ticket.unit_code:
            d = session.get(Department, ticket.unit_code)
            unit = (d.name_en if lang == "en" else d.name_zh) if d else None
        unit = unit or ("The responsible unit" if lang == "en" else "承办单位")
        due = local(ticket.due_at, self.core.config.app.timezone).strftime("%m-%d %H:%M")
        return prompt(lang, "filed", ref=ticket.reference, unit=unit, due=due)


# ---------------------------------------------------------------------------------------------------------------
# Rasa: the bot in bot/, reached over HTTP. Its custom payloads under "hotline" are the only Rasa vocabulary that
# crosses into the app (see bot/domain.yml); everything else stays in bot/.

DENY_WORDS = ("不", "否", "不是", "不对", "no", "nope")


class RasaUnavailable(Exception):
    """Rasa did not answer in time, or answered with an error."""


class RasaClient:
    """HTTP to the Rasa server, with a short back-off after a failure so a dead server costs no time."""

    def __init__(self, url: str, timeout_s: float, *, retry_after_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic, http: requests.Session | None = None):
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self.clock = clock
        self.http = http or requests.Session()
        self._down_until = 0.0

    @property
    def available(self) -> bool:
        """False for a while after Rasa failed; then it is tried again."""
        return self.clock() >= self._down_until

    def post(self, path: str, body: dict) -> Any:
        """POST JSON, return the decoded answer; RasaUnavailable on timeout, refusal, 5xx or bad JSON."""
        if not self.available:
            raise RasaUnavailable("backing off after a recent failure")
        try:
            resp = self.http.post(self.url + path, json=body, timeout=self.timeout_s)
            resp.raise_for_status()
            return resp.json()
        except (requests.RequestException, ValueError) as exc:
            self._down_until = self.clock() + self.retry_after_s
            log.warning("Rasa at %s unavailable (%s); the built-in dialogue takes over", self.url, type(exc).__name__)
            raise RasaUnavailable(str(exc)) from exc


class RasaClassifier:
    """Kind, group and service code from the Rasa model (/model/parse); keywords when Rasa is not there.

    The model picks the group (give_details/<group>, faq/<group>__topic, emergency); the keyword index then
    picks the service code inside that group (Taxonomy.classify_in_group).
    """

    MIN_GROUP_CONFIDENCE = 0.5

    def __init__(self, client: RasaClient, taxonomy: Taxonomy):
        self.client = client
        self.taxonomy = taxonomy

    def classify(self, text: str) -> Classification:
        """Same answer shape as Taxonomy.classify."""
        if not (text or "").strip():
            return self.taxonomy.classify(text or "")
        keywords = self.taxonomy.classify(text)
        if keywords.group == "emergency" and keywords.understood:
            return keywords  # danger first: an emergency keyword outranks any model
        try:
            parsed = self.client.post("/model/parse", {"text": text})
        except RasaUnavailable:
            return keywords
        group, confidence, consult = model_group(parsed)
        # An unsure model still beats no keyword at all; its low confidence sends the ticket to triage.
        if group is None or (confidence < self.MIN_GROUP_CONFIDENCE and keywords.understood):
            return keywords
        cls = self.taxonomy.classify_in_group(text, group, confidence)
        return dataclasses.replace(cls, kind="consult") if consult else cls


def model_group(parsed: dict) -> tuple[str | None, float, bool]:
    """(group, confidence, is a consultation) from a /model/parse answer."""
    intent = (parsed or {}).get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    if name == "emergency":
        return "emergency", confidence, False
    if name not in ("give_details", "faq"):
        return None, 0.0, False
    selected = (((parsed.get("response_selector") or {}).get(name) or {}).get("response") or {})
    key = selected.get("intent_response_key") or ""
    if "/" not in key:
        return None, 0.0, False
    sub = key.split("/", 1)[1]
    group = sub.split("__", 1)[0]
    return group, min(confidence, float(selected.get("confidence") or 0.0)), name == "faq"


class RasaDialogue:
    """The bot first; when it is slow or down the built-in form continues the same conversation."""

    engine = "rasa"

    def __init__(self, core: Core, client: RasaClient, fallback: FormDialogue):
        self.core = core
        self.client = client
        self.fallback = fallback

    def respond(self, session: Session, conversation: Conversation, text: str, *, now: datetime,
                phone: str | None = None, external_id: str | None = None) -> DialogueResult:
        """Ask Rasa; on a timeout or an error, carry on with the form flow from what Rasa had gathered."""
        state = dict(conversation.state or {})
        if state.get("engine") == "form" or not self.client.available:
            return self._continue_with_form(session, conversation, text, now=now, phone=phone,
                                            external_id=external_id, announce=bool(state.get("rasa_sender")))
        lang = conversation.lang or detect_lang(text, self.core.config.app.default_lang)
        sender = state.get("rasa_sender") or f"hotline-{uuid.uuid4().hex}"
        state["rasa_sender"] = sender
        conversation.state = state
        flag_modified(conversation, "state")
        # The bot files tickets through the API in another transaction: nothing may hold a write lock meanwhile.
        session.commit()
        metadata = {"channel": conversation.channel, "conversation_id": conversation.id, "language": lang,
                    "phone": phone or (conversation.citizen.phone if conversation.citizen else None),
                    "chat_id": conversation.external_id if conversation.channel == "web" else None}
        try:
            messages = self.client.post("/webhooks/rest/webhook",
                                        {"sender": sender, "message": text, "metadata": metadata})
            if not isinstance(messages, list):
                raise RasaUnavailable("the REST channel did not answer with a list")
        except RasaUnavailable:
            return self._continue_with_form(session, conversation, text, now=now, phone=phone,
                                            external_id=external_id, announce=True)
        return self._read_replies(session, conversation, messages, lang, now=now, phone=phone,
                                  external_id=external_id)

    def _read_replies(self, session, conversation, messages, lang, *, now, phone, external_id) -> DialogueResult:
        result = DialogueResult(engine="rasa")
        state = dict(conversation.state or {})
        failed_form = None
        for m in messages:
            custom = m.get("custom")
            control = custom.get("hotline") if isinstance(custom, dict) else None
            if control:
                if "form" in control and not control.get("file_failed"):
                    state["rasa_form"] = control["form"]
                if control.get("ticket"):
                    try:
                        result.ticket = get_ticket(session, str(control["ticket"]))
                        conversation.ticket_id = result.ticket.id
                    except TicketNotFound:
                        log.error("the bot reported ticket %s, which does not exist", control["ticket"])
                    state.pop("rasa_form", None)
                if control.get("handoff"):
                    conversation.status = "handed_off"
                    result.handoff = True
                if control.get("callback"):
                    self._request_callback(session, conversation, str(control["callback"]), lang, now=now)
                if control.get("file_failed"):
                    failed_form = control.get("form") or state.get("rasa_form") or {}
                continue
            if m.get("text") or m.get("buttons") or custom or m.get("image"):
                result.replies.append(Reply(text=m.get("text") or "", buttons=tuple(m.get("buttons") or ()),
                                            custom=custom if isinstance(custom, dict) else
                                            ({"image": m["image"]} if m.get("image") else None)))
        conversation.state = state
        flag_modified(conversation, "state")
        conversation.updated_at = now
        if failed_form is not None:
            # The bot could not reach the API: file what it gathered here, in this transaction.
            filed = self._file_gathered(session, conversation, failed_form, lang, now=now, phone=phone,
                                        external_id=external_id)
            filed.engine = "rasa"
            return filed
        return result

    def _request_callback(self, session, conversation: Conversation, raw_phone: str, lang: str, *,
                          now: datetime) -> None:
        """The bot promised a call back: one request per conversation and number, served by the scheduler."""
        from hotline.clocks import callback_requests
        from hotline.store.citizens import normalize_phone
        try:
            phone = normalize_phone(raw_phone, self.core.config.phone.default_region)
        except InvalidInput:
            log.warning("the bot asked for a callback to a number that is not valid; the agent will ask")
            return
        callback_requests.request_callback(
            session, phone=phone, source="bot", now=now, lang=lang, citizen_id=conversation.citizen_id,
            ticket_id=conversation.ticket_id, conversation_id=conversation.id, reason="asked in chat",
            idempotency_key=f"bot-callback-{conversation.id}-{phone}")

    def _form_state(self, conversation: Conversation) -> dict:
        """The built-in form's state, taken over from what the bot had gathered."""
        state = dict(conversation.state or {})
        form = state.pop("rasa_form", None) or {}
        if form.get("problem"):
            state["what"] = form["problem"]
            cls = (self.core.taxonomy.classify_in_group(form["problem"], form["group"], 0.6)
                   if form.get("group") in self.core.taxonomy.groups else self.core.taxonomy.classify(form["problem"]))
            state.update(service_code=cls.service_code, kind=cls.kind, confidence=cls.confidence, group=cls.group)
        if form.get("location"):
            state["where"] = form["location"]
        if form.get("contact_phone"):
            state["contact"] = form["contact_phone"]
        asking = form.get("asking")
        state["step"] = {"location": "where", "contact_phone": "contact", "confirmed": "confirm"}.get(asking) \
            if form.get("problem") else None
        if state["step"] is None:
            state.pop("step")
        return state

    def _continue_with_form(self, session, conversation, text, *, now, phone, external_id, announce) -> DialogueResult:
        if conversation.state.get("engine") != "form":
            conversation.state = {**self._form_state(conversation), "engine": "form"}
            flag_modified(conversation, "state")
        else:
            announce = False
        lang = conversation.lang or detect_lang(text, self.core.config.app.default_lang)
        state = conversation.state
        if state.get("step") == "confirm":
            # The bot had read the summary back; a yes files it, a no starts again.
            lower = (text or "").strip().lower()
            if lower in DENY_WORDS:
                conversation.state = {"engine": "form", "round": state.get("round", 0)}
                result = DialogueResult([Reply(prompt(lang, "cancelled"))])
            else:
                result = self._file_gathered(session, conversation, None, lang, now=now, phone=phone,
                                             external_id=external_id)
        else:
            result = self.fallback.respond(session, conversation, text, now=now, phone=phone, external_id=external_id)
            conversation.state = {**(conversation.state or {}), "engine": "form"}
            flag_modified(conversation, "state")
        if announce:
            result.replies.insert(0, Reply(prompt(lang, "continue")))
        result.engine = "form"
        return result

    def _file_gathered(self, session, conversation, form, lang, *, now, phone, external_id) -> DialogueResult:
        """File the complaint from the bot's form mirror (or the form state already taken over)."""
        if form is not None:
            conversation.state = {**(conversation.state or {}), "rasa_form": form}
            conversation.state = self._form_state(conversation)
        state = dict(conversation.state)
        if not state.get("what"):
            return DialogueResult([Reply(prompt(lang, "ask_what"))])
        keep = {k: state[k] for k in ("engine", "rasa_sender") if k in state}
        result = self.fallback._file(session, conversation, state, lang, now=now, phone=phone,
                                     external_id=external_id, emergency=state.get("group") == "emergency")
        conversation.state = {**state, **keep}  # _file cleared the form; the engine and Rasa sender stay
        flag_modified(conversation, "state")
        return result


def make_rasa_client(core: Core) -> RasaClient | None:
    """The Rasa client when rasa.url is set."""
    cfg = core.config.rasa
    return RasaClient(cfg.url, cfg.timeout_s) if cfg.url else None


def make_classifier(core: Core, client: RasaClient | None = None) -> Classifier:
    """Rasa's model with keywords behind it when Rasa is configured; keywords alone otherwise."""
    client = client or make_rasa_client(core)
    return RasaClassifier(client, core.taxonomy) if client else core.taxonomy


def make_dialogue(core: Core, client: RasaClient | None = None) -> Dialogue:
    """The dialogue the channels use: Rasa in front of the built-in form flow when rasa.url is set."""
    client = client or make_rasa_client(core)
    if client is None:
        return FormDialogue(core)
    return RasaDialogue(core, client, FormDialogue(core))
