"""Answers from the knowledge base in a conversation: when to answer, the reply on each channel, the choice after.

The conversation turn asks `answer(core, text, lang)`; with an answer it records the consultation
(`hotline.work.consult.record_answered_consult`) and replies with `voice_reply`, `sms_reply` or `chat_reply`,
which all offer "1 - that answered it, 2 - talk to an agent"; `read_choice` reads the citizen's next message.
Without an answer the question goes to an agent as a consult ticket, as before.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from hotline.core import Core
from hotline.rules import prompts
from hotline.rules.knowledge import KnowledgeAnswer, KnowledgeEntry

ANSWERED, AGENT = "answered", "agent"

# The sentences around an answer. TO MOVE into the prompt catalogue when the lead merges the turn.
# Digits and words that say the answer helped (1) or that the citizen wants a person (2).
_ANSWERED_WORDS = ("1", "解决了", "已解决", "好的", "谢谢", "明白了", "知道了", "yes", "thanks", "thank you", "ok")
_AGENT_WORDS = ("2", "人工", "没解决", "没有解决", "不行", "没用", "agent", "human", "operator", "no")


@dataclass(frozen=True)
class ChatReply:
    """The answer for the web chat: text and two buttons whose payloads are "1" and "2"."""

    text: str
    buttons: tuple[dict, ...]


def _say(lang: str, key: str) -> str:
    return prompts.say(lang, f"knowledge.{key}")


def answer(core: Core, text: str, lang: str, *, foreseen: Foreseen | None = None) -> KnowledgeAnswer | None:
    """The knowledge base's answer to a citizen's message, or None (an agent answers).

    Emergencies stay rule-first: a message with an emergency keyword is never answered from the base,
    whatever it matches (闻到燃气味 is a 2-hour ticket, not the gas-safety entry). `foreseen`: the same
    words weighed before the unit of work began.
    """
    text = (text or "").strip()
    if foreseen is None or foreseen.text != text:
        foreseen = foresee(core, text)
    if foreseen.emergency or foreseen.entry is None:
        return None
    return core.knowledge.answer_with(foreseen.entry, foreseen.score, lang)


@dataclass(frozen=True)
class Foreseen:
    """What the knowledge base makes of some words, worked out once (outside any transaction)."""

    text: str
    emergency: bool
    entry: KnowledgeEntry | None
    score: float


def foresee(core: Core, text: str) -> Foreseen:
    """The base's best entry for the words, unless they name an emergency."""
    text = (text or "").strip()
    if not text or core.taxonomy.classify(text).group == "emergency":
        return Foreseen(text, True, None, 0.0)
    entry, score = core.knowledge.relevance(text)
    return Foreseen(text, False, entry, score)


def voice_reply(found: KnowledgeAnswer) -> str:
    """What the IVR reads: the answer, then the 1/2 offer (gather one digit or speech after it)."""
    return f"{found.text} {_say(found.lang, 'voice_offer')}"


def sms_reply(found: KnowledgeAnswer) -> str:
    """The SMS: the entry's short text with the 1/2 offer, within two segments (the loader checks the room)."""
    return f"{_say(found.lang, 'sms_prefix')}{found.sms}{_say(found.lang, 'sms_offer')}"


def chat_reply(found: KnowledgeAnswer) -> ChatReply:
    """The chat: the answer and the question, with buttons that send "1" and "2"."""
    return ChatReply(text=f"{found.text}\n\n{_say(found.lang, 'chat_offer')}",
                     buttons=({"title": _say(found.lang, "button_answered"), "payload": "1"},
                              {"title": _say(found.lang, "button_agent"), "payload": "2"}))


def _says(said: str, words: tuple[str, ...]) -> bool:
    for w in words:
        if w.isdigit() or w.isascii():
            if re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", said) and (not w.isdigit() or said == w):
                return True
        elif w in said:
            return True
    return False


def read_choice(text: str) -> str | None:
    """ANSWERED, AGENT, or None when the next message is about something else (treat it as a new message)."""
    said = re.sub(r"[\s。.!！,，?？]+", " ", (text or "").strip().lower()).strip()
    if _says(said, _AGENT_WORDS):  # first: 没解决 contains 解决
        return AGENT
    if _says(said, _ANSWERED_WORDS):
        return ANSWERED
    return None


def closing(lang: str, choice: str) -> str:
    """What to say after the choice: thanks, or that an agent is coming."""
    return _say(lang, "thanks" if choice == ANSWERED else "to_agent")
