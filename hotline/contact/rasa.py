"""The Rasa bot (bot/), reached over HTTP: the client and the Rasa dialogue (the core classifies; Rasa talks).

Its custom payloads under "hotline" are the only Rasa vocabulary that crosses into the app (see bot/domain.yml);
everything else stays in bot/. When the bot is slow or down, the form flow continues the same conversation.
"""
from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime
from typing import Any, Callable

import requests
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from hotline.clocks import callback_requests
from hotline.contact.dialogue import BotRequest, DialogueResult, Reply, detect_lang, prompt
from hotline.contact.form import FormDialogue, filing_key
from hotline.core import Core
from hotline.errors import InvalidInput, TicketNotFound
from hotline.store.citizens import normalize_phone
from hotline.store.models import Conversation
from hotline.work.lifecycle import get_ticket

log = logging.getLogger(__name__)

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


class RasaDialogue:
    """The bot first; when it is slow or down the built-in form continues the same conversation."""

    engine = "rasa"

    def __init__(self, core: Core, client: RasaClient, fallback: FormDialogue):
        self.core = core
        self.client = client
        self.fallback = fallback

    def prepare(self, conversation: Conversation, text: str, *, phone: str | None) -> BotRequest | None:
        """The bot's request (its sender id kept in the conversation), or None when the form carries on."""
        state = dict(conversation.state or {})
        if state.get("engine") == "form" or not self.client.available:
            return None
        lang = conversation.lang or detect_lang(text, self.core.config.app.default_lang)
        sender = state.get("rasa_sender") or f"hotline-{uuid.uuid4().hex}"
        # The bot files with the form's key for this round: if the bot answers after the form took over
        # (a slow Rasa), both files land on one ticket instead of two.
        key = filing_key(conversation, state)
        conversation.state = {**state, "rasa_sender": sender}
        flag_modified(conversation, "state")
        metadata = {"channel": conversation.channel, "conversation_id": conversation.id, "language": lang,
                    "phone": phone or (conversation.citizen.phone if conversation.citizen else None),
                    "chat_id": conversation.external_id if conversation.channel == "web" else None,
                    "filing_key": key}
        return BotRequest(sender=sender, text=text, metadata=metadata)

    def ask(self, request: BotRequest) -> list[dict] | None:
        """The bot's messages, or None when it timed out or failed (the form takes over)."""
        try:
            messages = self.client.post("/webhooks/rest/webhook", {"sender": request.sender, "message": request.text,
                                                                   "metadata": request.metadata})
        except RasaUnavailable:
            return None
        if not isinstance(messages, list):
            log.warning("the bot's REST channel did not answer with a list; the built-in dialogue takes over")
            return None
        return messages

    def respond(self, session: Session, conversation: Conversation, text: str, *, now: datetime,
                phone: str | None = None, external_id: str | None = None,
                bot_messages: list[dict] | None = None) -> DialogueResult:
        """Apply the bot's answer; without one, carry on with the form flow from what the bot had gathered.

        The caller asked the bot (prepare, then ask) outside any transaction: the bot files through the API.
        """
        state = conversation.state or {}
        if bot_messages is None:
            return self._continue_with_form(session, conversation, text, now=now, phone=phone,
                                            external_id=external_id, announce=bool(state.get("rasa_sender")))
        lang = conversation.lang or detect_lang(text, self.core.config.app.default_lang)
        return self._read_replies(session, conversation, bot_messages, lang, now=now, phone=phone,
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
                    state["round"] = state.get("round", 0) + 1  # the next complaint gets a key of its own
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
            cls = self.fallback.classifier.classify(form["problem"])  # the core's one classifier decides
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
                conversation.state = {"engine": "form", **{k: state[k] for k in ("round", "key") if k in state}}
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
