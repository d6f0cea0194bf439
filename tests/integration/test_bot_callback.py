"""A call back the bot promised becomes one CallbackRequest the scheduler will serve."""
from sqlalchemy import select

from hotline.store.conversations import find_or_create_conversation
from hotline.contact.form import FormDialogue
from hotline.contact.rasa import RasaDialogue
from hotline.store.models import CallbackRequest
from tests.helpers import at

NOW = at("2026-11-28 02:00")


def say(dialogue, session, conv, text):
    """One message the way the turn does it: prepare, ask the bot (no transaction open), apply."""
    session.commit()
    messages = dialogue.ask(dialogue.prepare(conv, text, phone=None))
    return dialogue.respond(session, conv, text, now=NOW, bot_messages=messages)


class ScriptedRasa:
    """Answers every message with the bot's callback reply and its payload for the app."""

    available = True

    def post(self, path, body):
        assert path == "/webhooks/rest/webhook"
        return [{"recipient_id": body["sender"], "text": "好的，我们会致电 *******8000 回复您。"},
                {"recipient_id": body["sender"],
                 "custom": {"hotline": {"handoff": True, "callback": "138 0013 8000"}}}]


def test_the_bots_callback_promise_is_stored_once_for_the_scheduler(db, session):
    dialogue = RasaDialogue(db.core, ScriptedRasa(), FormDialogue(db.core))
    conv, _ = find_or_create_conversation(session, channel="web", external_id="chat-cb", now=NOW, lang="zh")
    session.commit()
    for _ in range(2):  # the citizen asks twice: still one promise
        result = say(dialogue, session, conv, "请给我回电话")
        session.commit()
    assert result.handoff and conv.status == "handed_off"
    rows = session.scalars(select(CallbackRequest)).all()
    assert len(rows) == 1
    cb = rows[0]
    assert (cb.phone, cb.source, cb.status, cb.conversation_id) == ("+8613800138000", "bot", "pending", conv.id)
    assert cb.next_attempt_at == NOW


def test_a_callback_to_a_number_that_is_not_valid_is_not_stored(db, session):
    class BadNumber(ScriptedRasa):
        def post(self, path, body):
            return [{"custom": {"hotline": {"handoff": True, "callback": "12345"}}}]

    dialogue = RasaDialogue(db.core, BadNumber(), FormDialogue(db.core))
    conv, _ = find_or_create_conversation(session, channel="web", external_id="chat-cb2", now=NOW, lang="zh")
    session.commit()
    result = say(dialogue, session, conv, "call me back")
    session.commit()
    assert result.handoff  # an agent takes the chat and asks for the number
    assert session.scalars(select(CallbackRequest)).all() == []
