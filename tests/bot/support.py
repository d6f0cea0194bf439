"""Helpers for the bot tests: one chat turn, the reply texts."""
from __future__ import annotations


def chat(client, text, conversation_id=None, lang=None):
    """One turn through the chat API; the decoded answer."""
    body = {"text": text}
    if conversation_id:
        body["conversation_id"] = conversation_id
    if lang:
        body["lang"] = lang
    resp = client.post("/chat/api/messages", json=body)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()


def texts(answer) -> str:
    return "\n".join(r["text"] for r in answer["replies"])
