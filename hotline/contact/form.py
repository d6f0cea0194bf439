"""The built-in form flow: what happened, where, how to call back; the classifier; the ticket is filed.

It answers in the caller's transaction and never commits; the Rasa dialogue continues here when the bot is slow
or down, so nobody's complaint is lost because a service is down.
"""
from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from hotline.contact.dialogue import (CANCEL_WORDS, GREETINGS, BotRequest, Classifier, DialogueResult, Reply,
                                      detect_lang, prompt)
from hotline.core import Core
from hotline.errors import InvalidInput
from hotline.rules.askback import choose
from hotline.rules.deadlines import local
from hotline.rules.routing import Place
from hotline.rules.tracking import tracking_url
from hotline.store.citizens import normalize_phone
from hotline.store.models import Conversation, Department, Ticket, Township
from hotline.work.intake import IntakeRequest, open_ticket


class FormDialogue:
    """The built-in flow: what happened, where, how to call back; keywords classify; the ticket is filed."""

    engine = "form"

    def __init__(self, core: Core, classifier: Classifier | None = None):
        self.core = core
        self.classifier = classifier or core.taxonomy
        self._unit_names: dict[str, dict[str, tuple[str, str]]] = {}

    def prepare(self, conversation: Conversation, text: str, *, phone: str | None) -> BotRequest | None:
        """Nothing to ask elsewhere: the form answers in the caller's transaction."""
        return None

    def ask(self, request: BotRequest) -> list[dict] | None:
        """Never called: prepare() asks for nothing."""
        return None

    def respond(self, session: Session, conversation: Conversation, text: str, *, now: datetime,
                phone: str | None = None, external_id: str | None = None,
                bot_messages: list[dict] | None = None) -> DialogueResult:
        """Advance the conversation by one citizen message."""
        text = (text or "").strip()
        state = dict(conversation.state or {})
        lang = conversation.lang or detect_lang(text, self.core.config.app.default_lang)
        lower = text.lower()
        result = self._shortcuts(conversation, lower, lang, state)
        if result is None:
            result = self._form(session, conversation, text, lang, state, now=now, phone=phone,
                                external_id=external_id)
        conversation.state = state
        flag_modified(conversation, "state")
        conversation.updated_at = now
        return result

    def _shortcuts(self, conversation, lower, lang, state) -> DialogueResult | None:
        if any(lower == w or lower.startswith(w + " ") for w in CANCEL_WORDS) and state.get("step"):
            state.clear()
            return DialogueResult([Reply(prompt(lang, "cancelled"))])
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
                return self._emergency(session, conversation, text, state, lang, now=now, phone=phone,
                                       external_id=external_id)
            loc = self.core.gazetteer.locate(text)
            if loc.ambiguous and loc.candidates:
                return self._ask_which(state, text, loc, lang)
            if loc.township_code or loc.district_code:
                state["where"] = text
            else:
                state["step"] = "where"
                return DialogueResult([Reply(prompt(lang, "ask_where"))])
        elif step == "which":
            chosen = choose(places_of(state), text)
            if chosen is None:
                loc = self.core.gazetteer.locate(text)  # another place altogether, said in full
                if loc.township_code and not loc.ambiguous:
                    state.pop("candidates", None)
                    state["where"] = f"{state.get('where', '')} {text}".strip()
                elif not state.get("which_asked_again"):
                    state["which_asked_again"] = True
                    return DialogueResult([Reply(prompt(lang, "which_again", options=options_text(
                        places_of(state), lang)), buttons=option_buttons(places_of(state), lang))])
                # Twice no choice: the district when they share one, else triage places it.
            else:
                state["district_code"], state["township_code"] = chosen.district_code, chosen.township_code
            state.pop("candidates", None)
        elif step == "where":
            loc = self.core.gazetteer.locate(text)
            if loc.ambiguous and loc.candidates:
                return self._ask_which(state, text, loc, lang)
            if not (loc.township_code or loc.district_code):
                tries = state.get("where_tries", 0) + 1
                state["where_tries"] = tries
                if tries < 2:
                    return DialogueResult([Reply(prompt(lang, "ask_where_again"))])
                # Twice not understood: file it anyway, a human will place it.
            state["where"] = text
        elif step == "emergency_confirm":
            if text.strip().lower() in DENY:
                state.clear()
                return DialogueResult([Reply(prompt(lang, "cancelled"))])
            return self._file(session, conversation, state, lang, now=now, phone=phone, external_id=external_id,
                              emergency=True)
        elif step == "emergency_where":
            # The answer confirms the emergency (an anonymous chat files nothing before it) and places it; a
            # place intake cannot find sends the ticket to triage, where a human places it.
            state["where"] = text
            return self._file(session, conversation, state, lang, now=now, phone=phone, external_id=external_id,
                              emergency=True)
        elif step == "contact":
            state["contact"] = text
        if not phone and not state.get("contact"):
            state["step"] = "contact"
            return DialogueResult([Reply(prompt(lang, "ask_contact"))])
        return self._file(session, conversation, state, lang, now=now, phone=phone, external_id=external_id)

    def _ask_which(self, state: dict, text: str, loc, lang: str) -> DialogueResult:
        """An ambiguous place is asked back: numbered choices (buttons in chat); the district is set at once
        when every candidate lies in one."""
        candidates = loc.candidates[:MAX_CHOICES]
        state.update(step="which", where=text, candidates=[dataclasses.asdict(p) for p in candidates])
        if loc.district_code:
            state["district_code"] = loc.district_code
        return DialogueResult([Reply(prompt(lang, "ask_which", place=text, options=options_text(candidates, lang)),
                                     buttons=option_buttons(candidates, lang))])

    def _emergency(self, session, conversation, text, state, lang, *, now, phone, external_id) -> DialogueResult:
        """The safety line first; then where. A known phone is filed at once (the place joins the ticket when it
        comes); an anonymous chat is filed when it answers, which is its one confirmation (no flood of 2-hour
        tickets from a script)."""
        placed = self._placed(text)
        if placed:
            state["where"] = text
        if phone:
            result = self._file(session, conversation, state, lang, now=now, phone=phone, external_id=external_id,
                                emergency=True)
            if not placed and result.ticket is not None:
                state["emergency_place_for"] = result.ticket.id
                result.replies.append(Reply(prompt(lang, "emergency_where_after")))
            return result
        if placed:
            state["step"] = "emergency_confirm"
            return DialogueResult([Reply(prompt(lang, "emergency_confirm"),
                                         buttons=({"title": prompt(lang, "emergency_confirm_yes"), "payload": "1"},
                                                  {"title": prompt(lang, "emergency_confirm_no"), "payload": "2"}))])
        state["step"] = "emergency_where"
        return DialogueResult([Reply(prompt(lang, "emergency_where"))])

    def _placed(self, text: str) -> bool:
        loc = self.core.gazetteer.locate(text)
        return bool(loc.township_code or loc.district_code)

    def _file(self, session, conversation, state, lang, *, now, phone, external_id, emergency=False) -> DialogueResult:
        contact = state.get("contact")
        req = IntakeRequest(
            text=state["what"], channel=conversation.channel, phone=phone, callback_phone=None,
            location=state.get("where"),
            service_code=state.get("service_code") if state.get("confidence", 0) > 0 else None,
            kind=state.get("kind"), lang=lang, conversation_id=conversation.id,
            chosen_district=state.get("district_code"), chosen_township=state.get("township_code"),
            # Fresh unless a bot shares the key (it may have filed it already when it answered too late).
            external_id=filing_key(conversation, state), fresh_key=not state.get("rasa_sender"),
            citizen=conversation.citizen,
            actor="citizen",
            chat_id=None if phone else (conversation.external_id if conversation.channel == "web" else None))
        if contact:
            try:
                req.callback_phone = normalize_phone(contact, self.core.config.phone.default_region)
            except InvalidInput:
                return DialogueResult([Reply(prompt(lang, "bad_phone"))])
        ticket, _ = open_ticket(session, req, now=now, core=self.core)
        conversation.ticket_id = ticket.id
        round_, key = state.get("round", 0) + 1, state["key"]
        state.clear()
        state.update(round=round_, key=key)
        if emergency:
            return DialogueResult([Reply(prompt(lang, "emergency", ref=ticket.reference, url=self._url(ticket)))],
                                  ticket=ticket)
        return DialogueResult([Reply(self.filed_text(session, ticket, lang))], ticket=ticket)

    def filed_text(self, session: Session, ticket: Ticket, lang: str) -> str:
        """Reference, who acts, and by when."""
        unit = self._unit_name(session, ticket.unit_type, ticket.unit_code, lang)
        unit = unit or ("The responsible unit" if lang == "en" else "承办单位")
        due = local(ticket.due_at, self.core.config.app.timezone).strftime("%m-%d %H:%M")
        return prompt(lang, "filed", ref=ticket.reference, unit=unit, due=due, url=self._url(ticket))

    def _url(self, ticket: Ticket) -> str:
        """The citizen's tracking page, told with the reference."""
        return tracking_url(self.core.config.app.public_base_url, ticket)

    def _unit_name(self, session: Session, unit_type: str, code: str | None, lang: str) -> str | None:
        """A unit's name, all of them read once per process: reference data changes only with init-db and a restart."""
        if not code:
            return None
        kind = "township" if unit_type == "township" else "department"
        names = self._unit_names.get(kind)
        if names is None:
            # One statement for the whole table at the first filing, none after: a few hundred short rows.
            if kind == "township":
                rows = session.execute(select(Township.code, Township.name, Township.name))
            else:
                rows = session.execute(select(Department.code, Department.name_zh, Department.name_en))
            names = self._unit_names[kind] = {c: (zh, en) for c, zh, en in rows}
        zh_en = names.get(code)
        return None if zh_en is None else (zh_en[1] if lang == "en" else zh_en[0])


MAX_CHOICES = 4


def places_of(state: dict) -> list[Place]:
    """The candidates the citizen was asked to choose from."""
    return [Place(**p) for p in state.get("candidates") or []]


def options_text(candidates, lang: str) -> str:
    """1 朝阳区八里庄街道；2 海淀区八里庄街道 — English names in English."""
    sep = "；" if lang == "zh" else "; "
    return sep.join(f"{i} {p.label(lang)}" for i, p in enumerate(candidates, 1))


def option_buttons(candidates, lang: str) -> tuple[dict, ...]:
    """The same choices as chat buttons."""
    return tuple({"title": p.label(lang), "payload": str(i)} for i, p in enumerate(candidates, 1))


DENY = ("2", "不", "否", "不是", "不用", "no", "nope", "cancel")


def filing_key(conversation: Conversation, state: dict) -> str:
    """The idempotency key of this conversation's next ticket: unguessable, namespaced by channel, per round.

    A retried message files nothing twice; nobody can plant a ticket under a key a citizen will use next.
    """
    key = state.setdefault("key", secrets.token_urlsafe(12))
    return f"{conversation.channel}:{key}:{state.get('round', 0)}"
