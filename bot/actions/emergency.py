"""Danger now: say 110/119/120 and file a 2-hour ticket at once, whatever else is missing."""
from __future__ import annotations

import asyncio
import logging
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import app_payload, found_place, lang_of, predicted_group, say
from actions.complaint import reset_form_events, ticket_fields
from actions.hotline_api import ApiRejected, ApiUnavailable, HotlineApi

log = logging.getLogger(__name__)


class FileEmergency(Action):
    """Files the emergency ticket; if the app cannot be reached the app's own fallback files it."""

    def name(self) -> Text:
        return "action_file_emergency"

    def api(self) -> HotlineApi:
        return HotlineApi.from_env()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        earlier = tracker.get_slot("problem")
        if earlier and earlier != text:
            text = f"{earlier}\n{text}"
        _, confidence = predicted_group(tracker)
        location = found_place(tracker) or tracker.get_slot("location")
        fields = ticket_fields(tracker, text=text, location=location, group="emergency",
                               confidence=max(confidence, 0.5))
        try:
            ticket = await asyncio.to_thread(self.api().open_ticket, **fields)
        except (ApiUnavailable, ApiRejected) as exc:
            log.warning("emergency filing failed, handing it to the app: %s", exc)
            dispatcher.utter_message(response="utter_emergency_call_now")
            dispatcher.utter_message(json_message=app_payload(file_failed=True, form={
                "problem": text, "location": location, "contact_phone": tracker.get_slot("contact_phone"),
                "group": "emergency", "asking": None}))
            return reset_form_events()
        if ticket.get("tracking_url"):
            dispatcher.utter_message(text=say(lang_of(tracker), "dialogue.emergency", ref=ticket["reference"],
                                              url=ticket["tracking_url"]))
        else:
            dispatcher.utter_message(response="utter_emergency_filed", reference=ticket["reference"])
        dispatcher.utter_message(json_message=app_payload(ticket=ticket["reference"]))
        return reset_form_events()
