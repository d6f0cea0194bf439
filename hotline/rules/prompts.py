"""The one prompt catalogue: every sentence a citizen hears or reads and every staff notice, zh and en.

The files live in hotline/data/prompts/<lang>.yaml, one section per use (voice, sms, dialogue, chat, notice,
status, clock, audience). Pure data like the taxonomy: read once, never written; the bot's actions read the
same files.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "data" / "prompts"
LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
PLACEHOLDER_RE = re.compile(r"{(\w+)}")


@functools.cache
def catalogue(lang: str) -> dict[str, dict[str, str]]:
    """The whole catalogue of one language, section -> key -> sentence."""
    with open(PROMPTS_DIR / f"{lang}.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def lang_of(lang: str | None) -> str:
    """A language the catalogue has (Mandarin for anything else)."""
    return lang if lang in LANGS else DEFAULT_LANG


def say(lang: str | None, key: str, **values: object) -> str:
    """One sentence, "section.key", filled in, in the citizen's language."""
    section, name = key.split(".", 1)
    return catalogue(lang_of(lang))[section][name].format(**values)


def names(lang: str | None, section: str) -> dict[str, str]:
    """A section of names (status, clock, audience) as a mapping."""
    return catalogue(lang_of(lang))[section]


def status_name(lang: str | None, status: str) -> str:
    """A ticket status as citizens read it."""
    return names(lang, "status").get(status, status)


def voice(lang: str | None, key: str, **values: object) -> str:
    """A spoken sentence of the phone line."""
    return say(lang, f"voice.{key}", **values)


def sms(lang: str | None, key: str, **values: object) -> str:
    """An SMS text."""
    return say(lang, f"sms.{key}", **values)


def placeholders(sentence: str) -> set[str]:
    """The {names} a sentence needs."""
    return set(PLACEHOLDER_RE.findall(sentence))
