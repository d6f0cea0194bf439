"""Helpers shared by the actions: the citizen's language, what the model predicted, the app's custom payloads."""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import yaml
from rasa_sdk import Tracker

REFERENCE_RE = re.compile(r"(?<!\d)(\d{10})(?!\d)")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")
LATIN_RE = re.compile(r"[A-Za-z]{2,}")
# Below this the model's group is not worth telling the app; it classifies by keywords instead.
MIN_GROUP_CONFIDENCE = 0.5
FORM_SLOTS = ("problem", "location", "contact_phone")
CHANNELS = ("web", "sms", "voice")

# The app's one prompt catalogue (hotline/data/prompts): the bot's actions read the same sentences.
PROMPTS_DIR = Path(__file__).resolve().parents[2] / "hotline" / "data" / "prompts"


@functools.lru_cache(maxsize=None)
def catalogue(lang: str) -> Dict[str, Dict[str, str]]:
    """One language's catalogue (Mandarin for anything else)."""
    with open(PROMPTS_DIR / f"{lang if lang in ('zh', 'en') else 'zh'}.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def say(lang: str, key: str, **values: Any) -> str:
    """One sentence of the catalogue, "section.key", filled in."""
    section, name = key.split(".", 1)
    return catalogue(lang)[section][name].format(**values)


def metadata(tracker: Tracker) -> Dict[str, Any]:
    """What the app sent with the latest message (channel, phone, conversation id, language)."""
    return (tracker.latest_message or {}).get("metadata") or {}


def text_lang(text: str) -> Optional[str]:
    """zh for Chinese text, en for Latin letters, None when the text does not say (digits, emoji)."""
    if CJK_RE.search(text or ""):
        return "zh"
    if LATIN_RE.search(text or "") and not (text or "").startswith("/"):
        return "en"
    return None


def lang_of(tracker: Tracker) -> str:
    """The language to answer in."""
    return tracker.get_slot("lang") or "zh"


def predicted_group(tracker: Tracker) -> Tuple[Optional[str], float]:
    """The taxonomy group the model sees in the latest message, and its confidence."""
    msg = tracker.latest_message or {}
    intent = (msg.get("intent") or {})
    if intent.get("name") == "emergency":
        return "emergency", float(intent.get("confidence") or 0.0)
    selected = ((msg.get("response_selector") or {}).get("give_details") or {}).get("response") or {}
    key = selected.get("intent_response_key") or ""
    if not key.startswith("give_details/"):
        return None, 0.0
    return key.split("/", 1)[1], float(selected.get("confidence") or 0.0)


def found_place(tracker: Tracker) -> Optional[str]:
    """A place name the lookup table found in the latest message."""
    for ent in (tracker.latest_message or {}).get("entities") or []:
        if ent.get("entity") == "place" and ent.get("value"):
            return str(ent["value"])
    return None


def app_payload(**values: Any) -> Dict[str, Any]:
    """A custom payload for the app (never shown to the citizen)."""
    return {"hotline": values}


def form_snapshot(slots: Dict[str, Any], asking: Optional[str]) -> Dict[str, Any]:
    """What the form has gathered, so the app can finish it if the bot goes away."""
    snap = {name: slots.get(name) for name in FORM_SLOTS}
    snap.update(group=slots.get("group"), asking=asking)
    return app_payload(form=snap)


def channel_of(tracker: Tracker) -> str:
    """The app's channel name for this conversation."""
    channel = tracker.get_slot("channel")
    return channel if channel in CHANNELS else "web"


def due_text(ticket: Dict[str, Any]) -> str:
    """The answer deadline as MM-DD HH:MM in the hotline's time zone (the API gives local ISO times)."""
    due = ticket.get("due_at") or ""
    return f"{due[5:10]} {due[11:16]}" if len(due) >= 16 else due


def unit_text(ticket: Dict[str, Any], lang: str) -> str:
    """Who acts on the ticket, in words."""
    if lang == "en":
        return "The responsible unit"
    if ticket.get("unit_type") == "township" and ticket.get("township_name"):
        return ticket["township_name"]
    return ticket.get("department_name") or "承办单位"


def status_name(status: str, lang: str) -> str:
    """A ticket status in the citizen's words."""
    return catalogue(lang)["status"].get(status, status)


def reference_in(tracker: Tracker) -> Optional[str]:
    """A 10-digit reference from the entity, or from the text itself."""
    for ent in (tracker.latest_message or {}).get("entities") or []:
        if ent.get("entity") == "reference" and ent.get("value"):
            return str(ent["value"])
    m = REFERENCE_RE.search((tracker.latest_message or {}).get("text") or "")
    return m.group(1) if m else None
