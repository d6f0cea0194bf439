"""Odd input on the API, the console and the scheduler's call webhooks: a clear answer, never a 500 or a logged error."""
import logging

import pytest

from tests.ivr.conftest import make_ivr_app
from tests.ivr.support import SignedClient, twiml
from tests.web.console_support import login

HUGE = "99999999999999999999"


@pytest.fixture
def errors(caplog):
    """Every ERROR record logged during the test (an exception logged is a failure even if answered 200)."""
    caplog.set_level(logging.WARNING)
    yield lambda: [r for r in caplog.records if r.levelno >= logging.ERROR]


API_CASES = [
    ("GET", "/api/v1/tickets?phone=13800138000&chat_id=abc", None, 400, "conflicting_filters"),
    ("GET", "/api/v1/tickets?since=0001-01-01T00:00:00%2B14:00", None, 400, "out_of_range"),
    ("GET", "/api/v1/tickets?since=9999-12-31T23:59:59-14:00", None, 400, "out_of_range"),
    ("GET", "/api/v1/tickets?chat_id=ab%00c", None, 400, "invalid_character"),
    ("GET", "/api/v1/tickets?status=open%00", None, 400, "invalid_character"),
    ("GET", "/api/v1/tickets/26%0033200012", None, 400, "invalid_character"),
    ("GET", f"/api/v1/tickets?page={HUGE}", None, 400, "out_of_range"),
    ("POST", "/api/v1/tickets", {"text": "路灯坏了", "conversation_id": 2**70}, 400, "out_of_range"),
    ("POST", "/api/v1/tickets", {"text": "路灯坏了", "conversation_id": -1}, 400, "out_of_range"),
    ("POST", "/api/v1/tickets", {"text": "路灯\u0000坏了"}, 400, "invalid_character"),
    ("POST", "/api/v1/tickets", {"text": "路灯坏了", "location": "三里屯\u0000"}, 400, "invalid_character"),
    ("POST", "/api/v1/tickets", {"text": "路灯坏了", "external_id": "x\u0000"}, 400, "invalid_character"),
    ("POST", "/api/v1/tickets", '{"text": "\\ud800 broken"}', 400, "invalid_encoding"),
    ("POST", "/api/v1/tickets", "[" * 50_000, 400, "invalid_json"),
    ("POST", "/api/v1/tickets", {"text": "路灯坏了", "group": "urban", "group_confidence": float("nan")}, 400,
     "out_of_range"),
]


@pytest.mark.parametrize("method,path,body,status,code", API_CASES, ids=[c[1][:60] + str(i) for i, c in enumerate(API_CASES)])
def test_the_api_answers_odd_input_with_a_json_error(client, auth, errors, method, path, body, status, code):
    if method == "GET":
        r = client.get(path, headers=auth)
    elif isinstance(body, str):
        r = client.post(path, data=body, headers={**auth, "Content-Type": "application/json"})
    else:
        r = client.post(path, json=body, headers=auth)
    assert r.status_code == status, r.get_data(as_text=True)[:300]
    assert r.get_json()["error"]["code"] == code
    assert not errors()


CONSOLE_CASES = [
    (f"/console/tickets/{HUGE}", 404),
    (f"/console/chats/{HUGE}", 404),
    (f"/console/users/{HUGE}", 404),
    ("/console/assessment/?month=2100-12", 400),
    ("/console/assessment/?month=2000-01", 400),
    ("/console/assessment/charts?month=2100-12", 400),
    ("/console/tickets?q=%00", 400),
    ("/console/tickets?township=%00&group=%00&channel=%00", 400),
    (f"/console/tickets?page={HUGE}", 200),
    ("/console/chats/{conv}/messages?after=" + HUGE, 200),
]


@pytest.mark.parametrize("path,status", CONSOLE_CASES)
def test_the_console_answers_odd_input_without_a_500(console_app, world, errors, path, status):
    client = console_app.test_client()
    login(client, "supervisor")
    r = client.get(path.format(conv=world.conversation_id))
    assert r.status_code == status, r.get_data(as_text=True)[:300]
    assert not errors()


WEBHOOKS = [f"/twilio/voice/followup/{HUGE}", f"/twilio/voice/followup/{HUGE}/solved",
            f"/twilio/voice/followup/{HUGE}/satisfied?solved=1", f"/twilio/voice/callback/{HUGE}/agent",
            f"/twilio/voice/callback/{HUGE}/citizen", f"/twilio/voice/callback/{HUGE}/result",
            f"/twilio/voice/callback/{HUGE}/agent/status", "/twilio/voice/followup/0",
            "/twilio/voice/followup/12abc", "/twilio/voice/callback/-1/agent"]


def test_a_note_with_a_nul_character_is_refused_with_a_page_not_a_500(console_app, world, errors):
    client = console_app.test_client()
    token = login(client, "supervisor")
    r = client.post(f"/console/tickets/{world.tickets['ta']}/note", data={"text": "a\x00b", "csrf_token": token})
    assert r.status_code == 400 and "cannot store" in r.get_data(as_text=True)
    assert not errors()


@pytest.mark.parametrize("path", WEBHOOKS)
def test_signed_call_webhooks_with_ids_that_cannot_exist_hang_up_politely(db, errors, path):
    twilio = SignedClient(make_ivr_app(db).test_client())
    path, _, query = path.partition("?")
    doc = twiml(twilio.post(path, query, CallSid="CA" + "1" * 32, Digits="1", CallStatus="no-answer",
                            DialCallStatus="completed"))
    assert doc.find("Gather") is None and doc.find("Dial") is None  # nothing asked, nobody rung
    assert not errors()
