"""Hand the conversation to a person: now (talk to a human) or by a call back."""
from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import app_payload
from actions.complaint import reset_form_events


def mask(phone: str) -> str:
    """All but the last four digits hidden."""
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


class Handoff(Action):
    """Tells the citizen an agent is coming and tells the app to route the conversation to one."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff")
        dispatcher.utter_message(json_message=app_payload(handoff=True))
        return reset_form_events()


class RequestCallback(Action):
    """A call back on the number we know; without one, an agent takes the chat and asks."""

    def name(self) -> Text:
        return "action_request_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        phone = tracker.get_slot("contact_phone") or tracker.get_slot("phone")
        if phone:
            dispatcher.utter_message(response="utter_callback", phone=mask(phone))
            dispatcher.utter_message(json_message=app_payload(handoff=True, callback=phone))
        else:
            dispatcher.utter_message(response="utter_handoff")
            dispatcher.utter_message(json_message=app_payload(handoff=True))
        return reset_form_events()
