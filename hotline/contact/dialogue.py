"""The Dialogue port: what to say next in a text conversation, and the words every dialogue shares.

FormDialogue (contact/form.py) is the built-in flow; RasaDialogue (contact/rasa.py) asks the bot first. A
dialogue that talks to another process says so with prepare(): the turn then asks it outside any
transaction (the bot files through the API in a request of its own) and hands the answer to respond().
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from hotline.rules import prompts
from hotline.rules.deadlines import local
from hotline.rules.taxonomy import Classification
from hotline.store.models import Conversation, Ticket

REFERENCE_RE = re.compile(r"(?<!\d)(\d{10})(?!\d)")  # 11 digits is a mobile number, not a reference
GREETINGS = ("你好", "您好", "在吗", "hello", "hi", "hey")
CANCEL_WORDS = ("取消", "算了", "cancel")


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


@dataclass(frozen=True)
class BotRequest:
    """One message for a dialogue in another process, asked outside any transaction."""

    sender: str
    text: str
    metadata: dict[str, Any]


class Classifier(Protocol):
    """Kind and service code of a text."""

    def classify(self, text: str) -> Classification: ...


class Dialogue(Protocol):
    """Answers one citizen message in a conversation."""

    engine: str

    def prepare(self, conversation: Conversation, text: str, *, phone: str | None) -> BotRequest | None:
        """The request for another process, or None when the answer is made here."""

    def ask(self, request: BotRequest) -> list[dict] | None:
        """The other process's answer (None when it did not answer); never inside a transaction."""

    def respond(self, session: Session, conversation: Conversation, text: str, *, now: datetime,
                phone: str | None = None, external_id: str | None = None,
                bot_messages: list[dict] | None = None) -> DialogueResult: ...


def prompt(lang: str, key: str, **values) -> str:
    """A sentence of the dialogue from the catalogue."""
    return prompts.say(lang, f"dialogue.{key}", **values)


def status_text(ticket: Ticket, lang: str, tz: str) -> str:
    """Status and due time of a ticket, in words."""
    due = local(ticket.due_at, tz).strftime("%m-%d %H:%M")
    return prompt(lang, "status", ref=ticket.reference, status=prompts.status_name(lang, ticket.status), due=due)


def detect_lang(text: str, default: str = "zh") -> str:
    """en when the text is Latin letters only, zh when it has Chinese characters."""
    if re.search(r"[\u4e00-\u9fff]", text):
        return "zh"
    if re.search(r"[A-Za-z]{2,}", text):
        return "en"
    return default
