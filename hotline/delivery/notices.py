"""The scheduler's notices (reminders, escalations, surveys) from the one prompt catalogue, and their fillers."""
from __future__ import annotations

from datetime import datetime

from hotline.rules import prompts
from hotline.rules.deadlines import local

# Keep citizen SMS short: any Chinese character makes a segment 70 characters (DOMAIN.md section 3).
MAX_RESOLUTION_CHARS = 120


def text(name: str, lang: str = "zh", **values: object) -> str:
    """One sentence of the catalogue, filled in (Mandarin unless English)."""
    return prompts.say(lang, f"notice.{name}", **values)


def clock_name(clock: str, lang: str = "zh") -> str:
    """The clock as people call it."""
    return prompts.names(lang, "clock").get(clock, clock)


def audience_name(audience: str, lang: str = "zh") -> str:
    """Who must act on an escalation."""
    return prompts.names(lang, "audience").get(audience, audience)


def when(moment: datetime, tz: str) -> str:
    """A deadline as staff read it: month-day hour:minute local time."""
    return local(moment, tz).strftime("%m-%d %H:%M")


def short_resolution(resolution: str) -> str:
    """The unit's answer, cut to fit a few SMS segments."""
    resolution = " ".join(resolution.split())
    return resolution if len(resolution) <= MAX_RESOLUTION_CHARS else resolution[:MAX_RESOLUTION_CHARS - 1] + "…"
