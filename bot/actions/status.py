"""Ticket status by reference, or the citizen's latest ticket."""
from __future__ import annotations

import asyncio
from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import due_text, lang_of, reference_in, status_name
from actions.hotline_api import ApiRejected, ApiUnavailable, HotlineApi


class CheckStatus(Action):
    """Looks the ticket up through the app's API and says where it stands."""

    def name(self) -> Text:
        return "action_check_status"

    def api(self) -> HotlineApi:
        return HotlineApi.from_env()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        api = self.api()
        reference = reference_in(tracker)
        try:
            if reference:
                ticket = await asyncio.to_thread(api.get_ticket, reference)
                if ticket is None:
                    dispatcher.utter_message(response="utter_ticket_not_found", reference=reference)
                    return [SlotSet("reference", None)]
            else:
                phone = tracker.get_slot("phone")
                chat_id = None if phone else (tracker.get_slot("chat_id") or tracker.sender_id)
                ticket = await asyncio.to_thread(api.latest_ticket, phone=phone, chat_id=chat_id)
                if ticket is None:
                    dispatcher.utter_message(response="utter_no_tickets")
                    return []
        except (ApiUnavailable, ApiRejected):
            dispatcher.utter_message(response="utter_service_busy")
            return [SlotSet("reference", None)]
        lang = lang_of(tracker)
        dispatcher.utter_message(response="utter_ticket_status", reference=ticket["reference"],
                                 status=status_name(ticket["status"], lang), due=due_text(ticket))
        return [SlotSet("reference", None)]
