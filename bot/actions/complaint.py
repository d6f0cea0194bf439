"""The complaint form: start it from a description, ask only for what is missing, read back, file."""
from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (MIN_GROUP_CONFIDENCE, app_payload, channel_of, due_text, form_snapshot, found_place,
                            lang_of, metadata, predicted_group, say, unit_text)
from actions.hotline_api import ApiRejected, ApiUnavailable, HotlineApi

log = logging.getLogger(__name__)
MAX_TEXT = 4000
MOBILE_RE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
INTL_RE = re.compile(r"^\+[1-9]\d{7,14}$")
RESET_FORM = ("problem", "location", "confirmed", "group", "group_confidence", "requested_slot")


def meaningful(text: str) -> str:
    """The letters, digits and Chinese characters of a text (emoji and punctuation dropped)."""
    return re.sub(r"[\W_]+", "", text or "")


def reset_form_events() -> List[EventType]:
    """Forget the form's answers (the contact number is kept for the next request)."""
    return [SlotSet(name, None) for name in RESET_FORM]


class StartComplaint(Action):
    """A description arrived outside the form: it is the problem; the form asks for the rest."""

    def name(self) -> Text:
        return "action_start_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        return reset_form_events()[:-1] + [SlotSet("problem", text)]


class ValidateComplaintForm(FormValidationAction):
    """Checks each answer; finds the group and a place in the description; mirrors progress to the app."""

    def name(self) -> Text:
        return "validate_complaint_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        """No callback number is asked for when the channel already has the citizen's phone."""
        if tracker.get_slot("phone"):
            return [s for s in domain_slots if s != "contact_phone"]
        return list(domain_slots)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        values = dict(tracker.slots)
        for e in events:
            if e.get("event") == "slot":
                values[e["name"]] = e["value"]
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        asking = next((s for s in required if values.get(s) in (None, "")), None)
        dispatcher.utter_message(json_message=form_snapshot(values, asking))
        return events

    def validate_problem(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if len(meaningful(text)) < 2:
            dispatcher.utter_message(response="utter_problem_too_short")
            return {"problem": None}
        out: Dict[Text, Any] = {"problem": text[:MAX_TEXT]}
        group, confidence = predicted_group(tracker)
        out.update(group=group, group_confidence=confidence)
        place = found_place(tracker)
        if place and not tracker.get_slot("location"):
            out["location"] = place
        return out

    def validate_location(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if len(meaningful(text)) < 2:
            dispatcher.utter_message(response="utter_location_too_short")
            return {"location": None}
        return {"location": text[:200]}

    def validate_contact_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        raw = re.sub(r"[\s\-()]", "", str(value or ""))
        m = MOBILE_RE.match(raw)
        if m:
            return {"contact_phone": m.group(1)}
        if INTL_RE.match(raw):
            return {"contact_phone": raw}
        dispatcher.utter_message(response="utter_bad_phone")
        return {"contact_phone": None}

    def validate_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> Dict[Text, Any]:
        if value is True:
            return {"confirmed": True}
        if value is False:
            dispatcher.utter_message(response="utter_start_again")
            return {"confirmed": None, "problem": None, "location": None, "group": None, "group_confidence": None}
        dispatcher.utter_message(response="utter_confirm_yes_or_no")
        return {"confirmed": None}


class FileComplaint(Action):
    """Files the ticket through the app's API; the reference is told only after the app committed it."""

    def name(self) -> Text:
        return "action_file_complaint"

    def api(self) -> HotlineApi:
        return HotlineApi.from_env()

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        fields = ticket_fields(tracker, text=tracker.get_slot("problem") or "",
                               location=tracker.get_slot("location"),
                               group=tracker.get_slot("group"), confidence=tracker.get_slot("group_confidence"))
        try:
            ticket = await asyncio.to_thread(self.api().open_ticket, **fields)
        except (ApiUnavailable, ApiRejected) as exc:
            log.warning("filing failed, handing the form to the app: %s", exc)
            dispatcher.utter_message(response="utter_service_busy")
            dispatcher.utter_message(json_message=app_payload(file_failed=True, form=form_values(tracker)))
            return reset_form_events()
        lang = lang_of(tracker)
        if ticket.get("tracking_url"):
            # The app's own sentence, which carries the citizen's tracking link (utter_filed predates it).
            dispatcher.utter_message(text=say(lang, "dialogue.filed", ref=ticket["reference"],
                                              unit=unit_text(ticket, lang), due=due_text(ticket),
                                              url=ticket["tracking_url"]))
        else:
            dispatcher.utter_message(response="utter_filed", reference=ticket["reference"],
                                     unit=unit_text(ticket, lang), due=due_text(ticket))
        dispatcher.utter_message(json_message=app_payload(ticket=ticket["reference"]))
        return reset_form_events()


def form_values(tracker: Tracker) -> Dict[str, Any]:
    """The form's answers as the app's mirror expects them."""
    return {"problem": tracker.get_slot("problem"), "location": tracker.get_slot("location"),
            "contact_phone": tracker.get_slot("contact_phone"), "group": tracker.get_slot("group"), "asking": None}


def filing_key(tracker: Tracker) -> str:
    """The API's external_id for this filing: the same when the turn is replayed, new for the next complaint.

    The app may send the key in the message's metadata (`filing_key`): then the bot and the app's own form,
    which takes over when the bot is slow, file under one key and the API keeps one ticket whoever comes
    second. Without it: with several Rasa servers a turn whose server died is replayed on another (nginx,
    `make cluster`), which reads the same saved events from the SQL tracker store and gives the message a new
    message_id; the conversation, the start of its session and the number of events so far are the same on
    a replay and differ for every later filing.
    """
    given = metadata(tracker).get("filing_key")
    if isinstance(given, str) and 0 < len(given) <= 64:
        return given
    events = tracker.events or []
    started = events[0].get("timestamp") if events else None
    digest = hashlib.sha256(f"{tracker.sender_id}|{started}|{len(events)}".encode()).hexdigest()
    return f"rasa-{digest[:40]}"


def ticket_fields(tracker: Tracker, *, text: str, location: Optional[str], group: Optional[str],
                  confidence: Optional[float]) -> Dict[str, Any]:
    """The API body for a ticket from this conversation."""
    phone = tracker.get_slot("phone")
    conversation = tracker.get_slot("app_conversation")
    sure = group is not None and (confidence or 0.0) >= MIN_GROUP_CONFIDENCE
    return {
        "text": text, "channel": channel_of(tracker), "phone": phone,
        "chat_id": None if phone else (tracker.get_slot("chat_id") or tracker.sender_id),
        # The app's one classifier decides the group; only an emergency the bot heard is passed on (safety first).
        "location": location, "group": group if sure and group == "emergency" else None,
        "group_confidence": round(float(confidence), 3) if sure and group == "emergency" else None,
        "lang": lang_of(tracker), "external_id": filing_key(tracker),
        "callback_phone": tracker.get_slot("contact_phone"),
        "conversation_id": int(conversation) if conversation and str(conversation).isdigit() else None,
    }
