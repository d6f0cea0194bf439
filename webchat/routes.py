"""The chat API the widget talks to: one citizen message in, the bot's replies out; agent messages by polling."""
from __future__ import annotations

import json
import logging
import re
import uuid

from flask import Blueprint, current_app, jsonify, render_template, request
from itsdangerous import BadSignature, Signer
from sqlalchemy import select

from hotline.contact.dialogue import detect_lang
from hotline.contact.turn import Channel, Inbound, Outcome
from hotline.rules import prompts
from hotline.store.models import Conversation, Message
from ratelimits import RateLimited, client_address, limit
from webapp import now, services

log = logging.getLogger(__name__)

bp = Blueprint("webchat", __name__, static_folder="static", static_url_path="/chat/static",
               template_folder="templates")

CONVERSATION_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{8,64}$")
MAX_MESSAGE_ID = 2**31 - 1  # PostgreSQL's integer ids
# Per client address (through app.trusted_proxies): a person types far less; a script is stopped here, and
# the per-conversation and global ticket budgets of the turn stand behind it.
CLIENT_LIMITS = ("30 per minute", "300 per hour")
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# Letters, digits or Chinese characters: a message of emoji and punctuation alone says nothing to classify.
WORDS_RE = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]")
# The chat has no phone: a handed-off conversation waits here for the agent.
WEB = Channel("web", live_agent=True)


class ChatError(Exception):
    """A request the chat API cannot take, answered as JSON."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


@bp.errorhandler(ChatError)
def _chat_error(exc: ChatError):
    body = {"code": exc.code, "message": exc.message}
    if exc.field:
        body["field"] = exc.field
    return jsonify({"error": body}), exc.status


@bp.before_request
def _refuse_foreign_origins():
    # A browser on another site may only use the chat when the city lists that site: otherwise any page could
    # make its visitors post complaints (a simple text/plain POST needs no preflight).
    origin = request.headers.get("Origin")
    if request.method == "POST" and origin and not _allowed(origin):
        raise ChatError(403, "origin_not_allowed", "this site may not use the hotline's chat")


@bp.after_request
def _cors(resp):
    # The widget is embedded on the city's own sites (chat.allowed_origins); the API uses no cookies.
    origin = request.headers.get("Origin")
    if request.path.startswith("/chat/") and origin and _allowed(origin):
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        resp.headers["Vary"] = "Origin"
    return resp


def _allowed(origin: str) -> bool:
    """Our own origin, or one the city listed."""
    return origin == request.host_url.rstrip("/") or origin in services().config.chat.allowed_origins


@bp.route("/chat/api/messages", methods=["OPTIONS"])
def preflight():
    """CORS preflight for the widget on another origin."""
    return "", 204


@bp.get("/")
def demo():
    """A city web page that embeds the widget with one script tag."""
    lang = "en" if request.args.get("lang") == "en" else "zh"
    return render_template("webchat/demo.html", lang=lang)


@bp.get("/chat/widget.js")
def widget_js():
    """The widget script (no dependencies, no CDN)."""
    return bp.send_static_file("widget.js")


@bp.get("/chat/widget.css")
def widget_css():
    """The widget's styles."""
    return bp.send_static_file("widget.css")


def _signer() -> Signer:
    return Signer(current_app.secret_key, salt="hotline-chat-conversation")


def issue_conversation_id() -> str:
    """A new conversation id, random and signed by the server."""
    return _signer().sign(uuid.uuid4().hex).decode()


def verified(conversation_id: str | None) -> str | None:
    """The id when the server issued it; None for a made-up or forged one."""
    if not conversation_id:
        return None
    try:
        _signer().unsign(conversation_id)
    except BadSignature:
        return None
    return conversation_id


def _body() -> dict:
    try:
        body = json.loads(request.get_data(cache=False).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ChatError(400, "invalid_json", "the body must be a UTF-8 JSON object") from None
    if not isinstance(body, dict):
        raise ChatError(400, "invalid_json", "the body must be a JSON object")
    return body


def _field(body: dict, name: str, pattern: re.Pattern | None = None) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or (pattern is not None and not pattern.match(value)):
        raise ChatError(400, "invalid_field", f"{name} is not valid", name)
    return value


@bp.errorhandler(RateLimited)
def _rate_limited(exc: RateLimited):
    resp = jsonify({"error": {"code": "rate_limited", "message": "too many messages; please wait a moment"}})
    resp.status_code = 429
    resp.headers["Retry-After"] = str(exc.retry_after_s)
    return resp


@bp.post("/chat/api/messages")
@limit(*CLIENT_LIMITS, key=client_address)
def post_message():
    """One citizen message: {conversation_id?, text, lang?, client_message_id?} -> {conversation_id, replies}."""
    body = _body()
    text = body.get("text", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ChatError(400, "invalid_field", "text must be a string", "text")
    # Ids are issued here and signed: a made-up or forged one starts a conversation of its own, never joins one.
    conversation_id = verified(_field(body, "conversation_id", CONVERSATION_ID_RE)) or issue_conversation_id()
    client_id = _field(body, "client_message_id", CLIENT_ID_RE)
    lang = body.get("lang") if body.get("lang") in ("zh", "en") else None
    svc = services()
    # A lone surrogate ("\\ud800") is valid JSON but no text: it cannot be stored or shown.
    text = text.encode("utf-8", "replace").decode("utf-8").strip()
    lang = lang or detect_lang(text, svc.config.app.default_lang)
    max_chars = svc.config.api.max_text_chars
    position = _position(body.get("position"))
    # Nothing to understand: answer at once, store nothing, wake no bot.
    if not text and not position:
        return _answer(conversation_id, [_notice(lang, "empty")])
    if len(text) > max_chars:
        return _answer(conversation_id, [_notice(lang, "too_long", n=len(text), max=max_chars)])
    if not position and not WORDS_RE.search(text):
        return _answer(conversation_id, [_notice(lang, "no_words")])
    # NUL is no character a citizen types, and PostgreSQL refuses it in text.
    outcome = svc.converse(Inbound(channel=WEB, sender=conversation_id, text=text.replace("\x00", ""),
                                   message_key=client_id, position=position,
                                   lang=lang), now=now())
    replies = [{"text": r.text, "buttons": [_button(b) for b in r.choices], "custom": r.custom}
               for r in outcome.replies]
    return _answer(conversation_id, replies, outcome=outcome)


@bp.get("/chat/api/messages")
def get_messages():
    """Messages from an agent after a message id: {messages: [...], status, last_message_id}."""
    conversation_id = request.args.get("conversation_id", "")
    if not CONVERSATION_ID_RE.match(conversation_id):
        raise ChatError(400, "invalid_field", "conversation_id is not valid", "conversation_id")
    if verified(conversation_id) is None:
        raise ChatError(404, "not_found", "no such conversation", "conversation_id")
    try:
        after = int(request.args.get("after") or 0)
    except ValueError:
        raise ChatError(400, "invalid_field", "after must be a message id", "after") from None
    if not 0 <= after <= MAX_MESSAGE_ID:
        raise ChatError(400, "invalid_field", "after must be a message id", "after")
    with services().read_session() as s:
        conv = s.scalars(select(Conversation).where(Conversation.channel == "web",
                                                    Conversation.external_id == conversation_id)).first()
        if conv is None:
            raise ChatError(404, "not_found", "no such conversation", "conversation_id")
        rows = s.scalars(select(Message).where(Message.conversation_id == conv.id, Message.id > after,
                                               Message.direction == "out", Message.sender == "agent")
                         .order_by(Message.id)).all()
        return jsonify({"conversation_id": conversation_id, "status": conv.status,
                        "messages": [{"id": m.id, "text": m.body, "sender": m.sender,
                                      "at": m.created_at.isoformat()} for m in rows],
                        "last_message_id": max([after] + [m.id for m in rows])})


def _position(value) -> tuple[float, float] | None:
    """{lat, long} from the widget's "share my location" (the browser's permission): degrees, or a 400."""
    if value is None:
        return None
    try:
        lat, lon = float(value["lat"]), float(value["long"])
    except (TypeError, KeyError, ValueError):
        raise ChatError(400, "invalid_field", "position must be {lat, long} in degrees", "position") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ChatError(400, "invalid_field", "position must be {lat, long} in degrees", "position")
    return lat, lon


def _notice(lang: str, key: str, **values) -> dict:
    return {"text": prompts.say(lang, f"chat.{key}", **values), "buttons": [], "custom": None}


def _button(b: dict) -> dict:
    return {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}


def _answer(conversation_id: str, replies: list[dict], *, outcome: Outcome | None = None):
    payload = {"conversation_id": conversation_id, "replies": replies,
               "status": outcome.status if outcome is not None else "open"}
    if outcome is not None:
        if outcome.ticket is not None:
            payload["ticket"] = {"reference": outcome.ticket.reference}
        payload["last_message_id"] = outcome.last_message_id or 0
        if outcome.with_agent:
            payload["with_agent"] = True
    return jsonify(payload)
