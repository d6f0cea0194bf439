"""Twilio's status words are translated in ivr/: every status the spec lists is either a report or no report."""
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.delivery import outbox
from hotline.store.models import Notification, OutboundMessage
from ivr import statuses
from tests.helpers import at

NOW = at("2026-11-28 02:00")
SPEC = Path(__file__).resolve().parents[1] / "data" / "twilio" / "twilio_api_v2010.json"
SID = "SM" + "c" * 32


def spec_enum(name: str) -> set[str]:
    return set(json.loads(SPEC.read_text())["components"]["schemas"][name]["enum"])


def test_every_message_status_in_twilios_spec_is_translated_or_declared_no_report():
    listed = spec_enum("message_enum_status")
    assert set(statuses.SMS_REPORTS) | set(statuses.NOT_REPORTS) == listed
    assert not set(statuses.SMS_REPORTS) & set(statuses.NOT_REPORTS)
    assert set(statuses.SMS_REPORTS.values()) == set(outbox.REPORTS)


@pytest.mark.parametrize(("twilio", "ours"), [
    ("queued", "sent"), ("accepted", "sent"), ("sent", "sent"), ("delivered", "delivered"), ("read", "delivered"),
    ("undelivered", "undelivered"), ("failed", "undelivered"), ("canceled", "undelivered"), ("Delivered ", "delivered"),
    ("received", None), ("partially_delivered", None), ("", None), ("bogus", None)])
def test_a_message_status_becomes_the_outboxs_word(twilio, ours):
    assert statuses.outbox_status(twilio) == ours


def test_call_statuses_are_twilios_own_words():
    assert set(statuses.NOT_ANSWERED) <= spec_enum("call_enum_status")
    assert statuses.not_answered("no-answer") and statuses.not_answered("busy")
    assert not statuses.not_answered("completed") and not statuses.not_answered("in-progress")
    assert statuses.connected("completed", "") and statuses.connected("", "bridged")
    assert not statuses.connected("no-answer", "") and not statuses.connected("", "hangup")


def test_a_failed_sms_report_marks_the_row_undelivered_with_twilios_reason_and_alerts_the_city(db):
    with db.session() as s:
        msg = outbox.enqueue(s, key="k1", kind="sms", to="+8613800138000", now=NOW, body="x")
        msg.status, msg.provider_sid = outbox.SENT, SID
    with db.session() as s:
        assert statuses.record_sms_status(s, SID, "received", None, now=NOW) is None  # says nothing: ignored
        statuses.record_sms_status(s, SID, "failed", "30008", now=NOW)
        statuses.record_sms_status(s, SID, "queued", None, now=NOW)  # late: never moves the row back
    with db.session() as s:
        row = s.scalars(select(OutboundMessage)).one()
        [alert] = s.scalars(select(Notification).where(Notification.kind == "undeliverable")).all()
        assert (row.status, row.last_error) == ("undelivered", "Twilio failed (error 30008)")
        assert alert.message.endswith("Twilio failed (error 30008)")
