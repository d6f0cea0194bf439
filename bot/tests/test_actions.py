"""Action classes against trackers recorded from the real bot, and a local stand-in for the app's API.

Run with the bot's own interpreter: .venv-rasa/bin/python -m unittest discover -s bot/tests -t bot
(tests/bot/test_bot_project.py does that in `make test`).
"""
from __future__ import annotations

import asyncio
import json
import os
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.complaint import FileComplaint, StartComplaint, ValidateComplaintForm
from actions.emergency import FileEmergency
from actions.handoff import Handoff, RequestCallback
from actions.hotline_api import ApiUnavailable, HotlineApi
from actions.metadata import ValidateSlotMappings
from actions.status import CheckStatus

TRACKERS = Path(__file__).resolve().parent / "trackers"
BOT_DOMAIN = yaml.safe_load((TRACKERS.parents[1] / "domain.yml").read_text(encoding="utf-8"))
DOMAIN = {"slots": {}, "forms": {"complaint_form": {"required_slots": ["problem", "location", "contact_phone",
                                                                      "confirmed"]}}}


def recorded(name: str, **slots) -> Tracker:
    """A tracker recorded from the running bot (GET /conversations/<id>/tracker), slots optionally changed."""
    data = json.loads((TRACKERS / f"{name}.json").read_text(encoding="utf-8"))
    data["slots"].update(slots)
    return Tracker.from_dict(data)


def run(action, tracker: Tracker, domain=None):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or DOMAIN))
    return dispatcher.messages, events


def slot_events(events) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


class FakeApp:
    """The app's /api/v1 on a local port: records requests, answers with canned tickets."""

    def __init__(self):
        self.requests = []
        self.tickets = {}
        self.status_code = 201
        self.extra = {}  # more fields on the filed ticket (an app that gives the tracking link)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append(("POST", self.path, body, self.headers.get("Authorization")))
                if fake.status_code >= 500:
                    return self._reply(fake.status_code, {"error": {"code": "internal", "message": "boom"}})
                ticket = {"reference": "2611280001", "status": "dispatched", "due_at": "2026-12-05T10:00:00+08:00",
                          "unit_type": "township", "township_name": "望京街道", "department_name": None,
                          **fake.extra}
                self._reply(fake.status_code, ticket)

            def do_GET(self):
                fake.requests.append(("GET", self.path, None, self.headers.get("Authorization")))
                if self.path.startswith("/api/v1/tickets/"):
                    ref = self.path.rsplit("/", 1)[1]
                    if ref in fake.tickets:
                        return self._reply(200, fake.tickets[ref])
                    return self._reply(404, {"error": {"code": "ticket_not_found", "message": "no such ticket"}})
                return self._reply(200, {"tickets": list(fake.tickets.values())[:1]})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class ActionTestCase(unittest.TestCase):
    def setUp(self):
        self.app = FakeApp()
        env = {"HOTLINE_API_URL": self.app.url, "HOTLINE_API_TOKEN": "tok-1", "HOTLINE_API_TIMEOUT_S": "2"}
        patcher = mock.patch.dict(os.environ, env)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(self.app.close)


class FileComplaintTest(ActionTestCase):
    def test_the_ticket_is_filed_with_what_the_form_gathered_and_the_reference_is_told(self):
        messages, events = run(FileComplaint(), recorded("file_complaint_web"))
        method, path, body, auth = self.app.requests[0]
        self.assertEqual((method, path, auth), ("POST", "/api/v1/tickets", "Bearer tok-1"))
        self.assertEqual(body["text"], "我们小区垃圾好几天没人清运了，臭得不行")
        self.assertEqual(body["location"], "朝阳区望京街道")
        self.assertNotIn("group", body)  # the app's one classifier decides (only an emergency is passed on)
        self.assertEqual((body["channel"], body["chat_id"], body["callback_phone"], body["conversation_id"]),
                         ("web", "chat-rec-1", "13800138000", 41))
        self.assertTrue(body["external_id"].startswith("rasa-"))
        self.assertNotIn("phone", body)
        filed = messages[0]
        self.assertEqual(filed["response"], "utter_filed")
        self.assertEqual((filed["reference"], filed["unit"], filed["due"]), ("2611280001", "望京街道", "12-05 10:00"))
        self.assertEqual(messages[1]["custom"], {"hotline": {"ticket": "2611280001"}})
        self.assertEqual(slot_events(events)["problem"], None)

    def test_the_tracking_link_the_app_gives_is_told_with_the_reference(self):
        self.app.extra = {"tracking_url": "https://12345.beijing.gov.cn/t/hw6yniqFLdS1D7dL"}
        messages, _ = run(FileComplaint(), recorded("file_complaint_web"))
        text = messages[0]["text"]
        self.assertIn("2611280001", text)
        self.assertIn("望京街道", text)
        self.assertTrue(text.endswith(" https://12345.beijing.gov.cn/t/hw6yniqFLdS1D7dL"), text)
        self.assertLessEqual(len(text), 134)
        emergency, _ = run(FileEmergency(), recorded("emergency_en"))
        self.assertTrue(emergency[0]["text"].endswith("Progress: https://12345.beijing.gov.cn/t/hw6yniqFLdS1D7dL"))

    def test_a_low_confidence_group_is_not_passed_on(self):
        run(FileComplaint(), recorded("file_complaint_web", group_confidence=0.2))
        body = self.app.requests[0][2]
        self.assertNotIn("group", body)

    def test_when_the_app_fails_the_form_is_handed_to_the_app_instead_of_lost(self):
        self.app.status_code = 503
        messages, _ = run(FileComplaint(), recorded("file_complaint_web"))
        payload = messages[-1]["custom"]["hotline"]
        self.assertTrue(payload["file_failed"])
        self.assertEqual(payload["form"]["problem"], "我们小区垃圾好几天没人清运了，臭得不行")
        self.assertEqual(payload["form"]["contact_phone"], "13800138000")

    def test_the_same_confirmation_is_filed_with_the_same_external_id(self):
        tracker = recorded("file_complaint_web")
        run(FileComplaint(), tracker)
        run(FileComplaint(), tracker)
        first, second = (r[2]["external_id"] for r in self.app.requests)
        self.assertEqual(first, second)

    def test_a_turn_replayed_on_another_rasa_server_files_with_the_same_external_id(self):
        first, replayed = recorded("file_complaint_web"), recorded("file_complaint_web")
        # The other server reads the same saved events but gives the message a new id.
        replayed.latest_message = {**(replayed.latest_message or {}), "message_id": "another-server-uuid"}
        first.latest_message = {**(first.latest_message or {}), "message_id": "first-server-uuid"}
        run(FileComplaint(), first)
        run(FileComplaint(), replayed)
        a, b = (r[2]["external_id"] for r in self.app.requests)
        self.assertEqual(a, b)
        self.assertLessEqual(len(a), 64)

    def test_a_filing_key_the_app_sends_is_the_external_id(self):
        tracker = recorded("file_complaint_web")
        tracker.latest_message = {**(tracker.latest_message or {}),
                                  "metadata": {**((tracker.latest_message or {}).get("metadata") or {}),
                                               "filing_key": "conv-41-0"}}
        run(FileComplaint(), tracker)
        self.assertEqual(self.app.requests[0][2]["external_id"], "conv-41-0")

    def test_the_next_complaint_in_the_same_conversation_gets_a_new_external_id(self):
        first, later = recorded("file_complaint_web"), recorded("file_complaint_web")
        later.events = list(later.events) + [{"event": "action", "name": "action_listen", "timestamp": 1.0},
                                             {"event": "user", "text": "还有一件事", "timestamp": 2.0}]
        run(FileComplaint(), first)
        run(FileComplaint(), later)
        a, b = (r[2]["external_id"] for r in self.app.requests)
        self.assertNotEqual(a, b)


class ComplaintFormTest(ActionTestCase):
    def test_an_sms_conversation_is_not_asked_for_a_callback_number(self):
        tracker = recorded("sms_description_with_place")
        slots = asyncio.run(ValidateComplaintForm().required_slots(
            ["problem", "location", "contact_phone", "confirmed"], CollectingDispatcher(), tracker, DOMAIN))
        self.assertEqual(slots, ["problem", "location", "confirmed"])

    def test_a_description_brings_its_group_and_place(self):
        tracker = recorded("sms_description_with_place", location=None)
        out = ValidateComplaintForm().validate_problem("望京街道的路灯坏了好几天了", CollectingDispatcher(), tracker,
                                                      DOMAIN)
        self.assertEqual(out["group"], "urban")
        self.assertGreater(out["group_confidence"], 0.5)
        self.assertTrue(out["location"].startswith("望京"))

    def test_emoji_alone_is_not_a_description(self):
        dispatcher = CollectingDispatcher()
        out = ValidateComplaintForm().validate_problem("😡😡!!", dispatcher, recorded("sms_description_with_place"),
                                                      DOMAIN)
        self.assertEqual(out, {"problem": None})
        self.assertEqual(dispatcher.messages[0]["response"], "utter_problem_too_short")

    def test_phone_numbers_are_checked(self):
        form, tracker = ValidateComplaintForm(), recorded("file_complaint_web")
        self.assertEqual(form.validate_contact_phone("138 0013 8000", CollectingDispatcher(), tracker, DOMAIN),
                         {"contact_phone": "13800138000"})
        self.assertEqual(form.validate_contact_phone("+86 138-0013-8000", CollectingDispatcher(), tracker, DOMAIN),
                         {"contact_phone": "13800138000"})
        self.assertEqual(form.validate_contact_phone("12345", CollectingDispatcher(), tracker, DOMAIN),
                         {"contact_phone": None})

    def test_no_at_the_read_back_starts_again(self):
        dispatcher = CollectingDispatcher()
        out = ValidateComplaintForm().validate_confirmed(False, dispatcher, recorded("file_complaint_web"), DOMAIN)
        self.assertEqual((out["confirmed"], out["problem"], out["location"]), (None, None, None))
        self.assertEqual(dispatcher.messages[0]["response"], "utter_start_again")

    def test_the_form_mirror_names_the_next_question(self):
        tracker = recorded("sms_description_with_place", confirmed=None)
        dispatcher = CollectingDispatcher()
        asyncio.run(ValidateComplaintForm().run(dispatcher, tracker, BOT_DOMAIN))
        mirror = dispatcher.messages[-1]["custom"]["hotline"]["form"]
        self.assertEqual((mirror["problem"], mirror["group"], mirror["asking"]),
                         ("望京街道的路灯坏了好几天了", "urban", "confirmed"))

    def test_a_new_description_forgets_the_last_form(self):
        _, events = run(StartComplaint(), recorded("sms_description_with_place"))
        slots = slot_events(events)
        self.assertEqual(slots["problem"], "望京街道的路灯坏了好几天了")
        self.assertIsNone(slots["location"])


class EmergencyTest(ActionTestCase):
    def test_an_emergency_is_filed_in_the_emergency_group_and_110_is_said(self):
        messages, _ = run(FileEmergency(), recorded("emergency_en"))
        body = self.app.requests[0][2]
        self.assertEqual((body["group"], body["lang"], body["text"]),
                         ("emergency", "en", "there is a gas leak in the stairwell"))
        self.assertEqual(messages[0]["response"], "utter_emergency_filed")

    def test_an_unreachable_app_still_says_call_110_and_hands_the_ticket_to_the_app(self):
        self.app.status_code = 500
        messages, _ = run(FileEmergency(), recorded("emergency_en"))
        self.assertEqual(messages[0]["response"], "utter_emergency_call_now")
        self.assertEqual(messages[1]["custom"]["hotline"]["form"]["group"], "emergency")


class StatusTest(ActionTestCase):
    def test_a_reference_is_looked_up(self):
        self.app.tickets["2633200001"] = {"reference": "2633200001", "status": "signed",
                                          "due_at": "2026-12-01T18:00:00+08:00"}
        messages, _ = run(CheckStatus(), recorded("status_by_reference"))
        self.assertEqual(self.app.requests[0][1], "/api/v1/tickets/2633200001")
        self.assertEqual((messages[0]["response"], messages[0]["status"], messages[0]["due"]),
                         ("utter_ticket_status", "已签收", "12-01 18:00"))

    def test_an_unknown_reference_is_said_to_be_unknown(self):
        messages, _ = run(CheckStatus(), recorded("status_by_reference"))
        self.assertEqual(messages[0]["response"], "utter_ticket_not_found")


class HandoffTest(unittest.TestCase):
    def test_handoff_tells_the_app_and_forgets_the_form(self):
        messages, events = run(Handoff(), recorded("sms_description_with_place"))
        self.assertEqual(messages[1]["custom"], {"hotline": {"handoff": True}})
        self.assertIsNone(slot_events(events)["problem"])

    def test_a_callback_uses_the_known_phone_and_masks_it(self):
        messages, _ = run(RequestCallback(), recorded("sms_description_with_place"))
        self.assertEqual(messages[0]["phone"], "**********9000")
        self.assertEqual(messages[1]["custom"]["hotline"]["callback"], "+8613900139000")


class MetadataTest(unittest.TestCase):
    def test_the_language_follows_the_text_before_the_metadata(self):
        tracker = recorded("emergency_en")
        self.assertEqual(ValidateSlotMappings().extract_lang(CollectingDispatcher(), tracker, DOMAIN), {"lang": "en"})

    def test_channel_and_phone_come_from_the_metadata(self):
        tracker = recorded("sms_description_with_place", channel=None, phone=None)
        action = ValidateSlotMappings()
        self.assertEqual(action.extract_channel(None, tracker, DOMAIN), {"channel": "sms"})
        self.assertEqual(action.extract_phone(None, tracker, DOMAIN), {"phone": "+8613900139000"})


class ApiClientTest(unittest.TestCase):
    def test_an_unreachable_app_is_reported_as_unavailable(self):
        api = HotlineApi("http://127.0.0.1:9", "tok", timeout_s=1)
        with self.assertRaises(ApiUnavailable):
            api.open_ticket(text="x")


if __name__ == "__main__":
    unittest.main()
