"""Every Twilio endpoint checks X-Twilio-Signature against the public URL; forged or unsigned gets 403."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.store.models import Conversation
from ivr.signature import public_url, sign
from tests.ivr.support import PUBLIC, TWILIO_TOKEN, SignedClient, form, make_ivr_app

CALL = {"CallSid": "CA" + "1" * 32, "From": "+8613800138000", "To": "+8610012345", "CallStatus": "ringing"}
ENDPOINTS = ["/twilio/voice", "/twilio/voice/menu", "/twilio/voice/status", "/twilio/voice/voicemail",
             "/twilio/sms", "/twilio/sms/status", "/twilio/fallback"]


def conversations(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(Conversation))


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_endpoint_refuses_an_unsigned_request(twilio, db, path):
    assert twilio.raw(path, form(**CALL), signature=None).status_code == 403
    assert conversations(db) == 0


def test_a_signature_made_with_another_token_is_refused(twilio, db):
    forged = sign("not-the-token", PUBLIC + "/twilio/voice", CALL)
    assert twilio.raw("/twilio/voice", form(**CALL), signature=forged).status_code == 403
    assert conversations(db) == 0


def test_a_signature_for_another_url_or_other_parameters_is_refused(twilio, db):
    other_host = sign(TWILIO_TOKEN, "https://evil.example.com/twilio/voice", CALL)
    assert twilio.raw("/twilio/voice", form(**CALL), signature=other_host).status_code == 403
    tampered = sign(TWILIO_TOKEN, PUBLIC + "/twilio/voice", CALL)
    assert twilio.raw("/twilio/voice", form(**{**CALL, "From": "+8613900000000"}),
                      signature=tampered).status_code == 403
    assert conversations(db) == 0


def test_a_correct_signature_is_accepted(twilio, db):
    good = sign(TWILIO_TOKEN, PUBLIC + "/twilio/voice", CALL)
    assert twilio.raw("/twilio/voice", form(**CALL), signature=good).status_code == 200
    assert conversations(db) == 1


def test_the_raw_query_string_is_signed_not_its_decoded_form(ivr_app):
    with ivr_app.test_request_context("/twilio/voice?x=%E4%B8%AD", method="POST"):
        from flask import request
        assert public_url(PUBLIC, request) == PUBLIC + "/twilio/voice?x=%E4%B8%AD"
    client = SignedClient(ivr_app.test_client())
    assert client.post("/twilio/voice", query="x=%E4%B8%AD", **CALL).status_code == 200


def test_the_port_twilio_may_add_to_the_url_is_tolerated(twilio):
    with_port = sign(TWILIO_TOKEN, "https://hotline.example.org:443/twilio/voice", CALL)
    assert twilio.raw("/twilio/voice", form(**CALL), signature=with_port).status_code == 200


def test_without_an_auth_token_every_webhook_is_refused(db):
    client = make_ivr_app(db, **{"twilio.auth_token": ""}).test_client()
    unsigned_client = SignedClient(client, token="")
    # Even a request "signed" with the empty token is refused: there is no way to switch validation off.
    assert unsigned_client.post("/twilio/voice", **CALL).status_code == 403
    assert conversations(db) == 0
