"""The chat's odd inputs from issue 11 (#11): each must be a JSON 400 or a notice, never a 500 or a logged error."""
import logging

import pytest

CASES = {
    "lone surrogate in text": ("POST", "/chat/api/messages", '{"text": "\\ud800 停水了"}'),
    "50,000 nested brackets": ("POST", "/chat/api/messages", "[" * 50_000),
    "NUL in text": ("POST", "/chat/api/messages", '{"text": "小区停水了\\u0000"}'),
    "after beyond any id": ("GET", "/chat/api/messages?conversation_id=abcdefgh12&after=99999999999999999999", None),
    "NUL in client_message_id": ("POST", "/chat/api/messages", '{"text": "停水了", "client_message_id": "a\\u0000"}'),
}
@pytest.mark.parametrize("name", list(CASES))
def test_odd_chat_input_is_answered_in_json_without_a_500(client, caplog, name):
    caplog.set_level(logging.ERROR)
    method, path, body = CASES[name]
    if method == "GET":  # a conversation the server issued, so the odd `after` reaches the query
        cid = client.post("/chat/api/messages", json={"text": "你好"}).get_json()["conversation_id"]
        path = path.replace("abcdefgh12", cid)
    r = client.get(path) if method == "GET" else client.post(path, data=body, content_type="application/json")
    assert r.status_code < 500, (name, r.status_code)
    assert r.is_json
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
