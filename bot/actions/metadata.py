"""Every turn: copy the app's metadata (channel, phone, chat id, conversation, language) into slots."""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.common import CHANNELS, metadata, text_lang


class ValidateSlotMappings(ValidationAction):
    """action_validate_slot_mappings: fills the custom-mapped conversation slots."""

    def extract_lang(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """The language of the text itself, else the app's, else what it was."""
        lang = text_lang((tracker.latest_message or {}).get("text") or "")
        if lang is None:
            meta = metadata(tracker).get("language")
            lang = meta if meta in ("zh", "en") else tracker.get_slot("lang") or "zh"
        return {"lang": lang}

    def extract_channel(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return _from_metadata(tracker, "channel", "channel", allowed=CHANNELS)

    def extract_phone(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return _from_metadata(tracker, "phone", "phone")

    def extract_chat_id(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return _from_metadata(tracker, "chat_id", "chat_id")

    def extract_app_conversation(self, dispatcher, tracker: Tracker, domain) -> Dict[Text, Any]:
        return _from_metadata(tracker, "app_conversation", "conversation_id")


def _from_metadata(tracker: Tracker, slot: str, key: str, allowed: Optional[tuple] = None) -> Dict[Text, Any]:
    """The metadata value when the app sent one; otherwise nothing changes."""
    value = metadata(tracker).get(key)
    if value in (None, "") or (allowed and value not in allowed):
        return {}
    value = str(value)
    return {} if tracker.get_slot(slot) == value else {slot: value}
