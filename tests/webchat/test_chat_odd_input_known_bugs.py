"""The chat's odd inputs from issue 11 (#11): each must be a JSON 400 or a notice, never a 500.

webchat/routes.py is being rewritten (the conversation turn); until then the ones that still fail are
expected failures naming the bug (strict: once the rewrite fixes one, its marker must be removed).
"""
import logging

import pytest

CASES = {
    "lone surrogate in text": ("POST", "/chat/api/messages", '{"text": "\\ud800 停水了"}'),
    "50,000 nested brackets": ("POST", "/chat/api/messages", "[" * 50_000),
    "NUL in text": ("POST", "/chat/api/messages", '{"text": "小区停水了\\u0000"}'),
    "after beyond any id": ("GET", "/chat/api/messages?conversation_id=abcdefgh12&after=99999999999999999999", None),
    "NUL in client_message_id": ("POST", "/chat/api/messages", '{"text": "停水了", "client_message_id": "a\\u0000"}'),
}
# Observed on this branch (the lead fixes these in the turn rewrite): key -> the bug, by backend.
KNOWN = {
    "lone surrogate in text": "webchat/routes.py post_message stores a lone surrogate: UnicodeEncodeError -> 500",
    "50,000 nested brackets": "webchat/routes.py _body catches ValueError but not RecursionError -> 500 text/plain",
    "after beyond any id": "webchat/routes.py get_messages binds after > 2**63 (SQLite) / 2**31 (PostgreSQL) -> 500",
}
KNOWN_PG_ONLY = {"NUL in text": "webchat/routes.py post_message: PostgreSQL refuses NUL in text -> 500"}


@pytest.mark.parametrize("name", list(CASES))
def test_odd_chat_input_is_answered_in_json_without_a_500(request, client, database_url, caplog, name):
    reason = KNOWN.get(name) or (KNOWN_PG_ONLY.get(name) if database_url.startswith("postgresql") else None)
    if reason:
        request.applymarker(pytest.mark.xfail(reason=reason, strict=True))
    caplog.set_level(logging.ERROR)
    method, path, body = CASES[name]
    if method == "GET":  # the conversation exists, so the odd `after` reaches the query
        assert client.post("/chat/api/messages", json={"conversation_id": "abcdefgh12", "text": "你好"}).status_code == 200
    r = client.get(path) if method == "GET" else client.post(path, data=body, content_type="application/json")
    assert r.status_code < 500, (name, r.status_code)
    assert r.is_json
    assert not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
