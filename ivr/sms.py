"""The SMS channel: opt-out words, follow-up answers, status by reference, then the dialogue; reply in TwiML."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from flask import Blueprint, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clocks import followups
from hotline.delivery import outbox
from hotline.store.citizens import find_or_create_citizen
from hotline.store.conversations import find_or_create_conversation, latest_open_conversation, record_message
from hotline.contact.dialogue import detect_lang, status_text
from hotline.errors import HotlineError, TicketNotFound
from hotline.store.models import Message, Ticket
from hotline.privacy import mask_phone
from hotline.work.lifecycle import get_ticket
from hotline.wiring import Services
from ivr import prompts, twiml
from ivr.calls import caller_phone
from ivr.web import guard, form, log, now, respond, services

bp = guard(Blueprint("ivr_sms", __name__, url_prefix="/twilio"))

CHANNEL = "sms"
# Twilio's own opt-out words on long codes, plus the Chinese ones (退订, TD) it does not know.
STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout",
                        "退订", "td", "取消订阅", "退订短信"})
START_WORDS = frozenset({"start", "unstop", "订阅", "恢复"})
HELP_WORDS = frozenset({"help", "info", "帮助", "说明", "?", "？"})
CHINESE_KEYWORDS = frozenset({"退订", "td", "取消订阅", "退订短信", "订阅", "恢复", "帮助", "说明"})
STATUS_RE = re.compile(r"^\s*(?:查询|查|进度|status|check)\s*[:：#]?\s*(\d{10})\s*$", re.IGNORECASE)
MAX_MEDIA = 10
# Twilio delivers at most 1600 characters per message; anything longer is not from Twilio.
MAX_BODY = 1600


def keyword(body: str) -> str:
    """The body as a keyword: case-folded, without surrounding punctuation and spaces ("Stop!" is STOP)."""
    return re.sub(r"^[\s\W_]+|[\s\W_]+$", "", body).casefold() or body.strip()


def media_of(values) -> list[dict]:
    """MMS attachments as {url, content_type}."""
    try:
        count = min(int(values.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    out = []
    for i in range(count):
        link = (values.get(f"MediaUrl{i}") or "").strip()
        if link.startswith(("https://", "http://")):
            out.append({"url": link[:1000], "content_type": (values.get(f"MediaContentType{i}") or "")[:100]})
    return out


@bp.post("/sms")
def incoming_sms():
    """An SMS/MMS: one message, one reply, the same reply for a retried MessageSid."""
    svc = services()
    sid = form("MessageSid", 64) or form("SmsSid", 64)
    phone = caller_phone(form("From", 64), svc.config.phone.default_region)
    if not sid or not phone:
        # Nobody to answer (or no message to tie the answer to): acknowledge and stay silent.
        return respond(twiml.message(None))
    body = (request.form.get("Body") or "").strip()[:MAX_BODY]
    media = media_of(request.form)
    with svc.session() as session:
        reply = handle_sms(session, svc, sid=sid, phone=phone, body=body, media=media, now=now())
    return respond(twiml.message(reply))


def handle_sms(session: Session, svc: Services, *, sid: str, phone: str, body: str, media: list[dict],
               now: datetime) -> str | None:
    """Store the message and decide the reply (None: say nothing)."""
    config = svc.config
    citizen = find_or_create_citizen(session, now=now, phone=phone)
    lang = detect_lang(body, citizen.lang or config.app.default_lang)
    since = now - timedelta(hours=config.ivr.sms_thread_hours)
    conv = latest_open_conversation(session, channel=CHANNEL, citizen=citizen, since=since)
    if conv is None:
        conv, _ = find_or_create_conversation(session, channel=CHANNEL, now=now, citizen=citizen, lang=lang)
    msg, created = record_message(session, conv, direction="in", body=body, now=now, external_id=sid, media=media)
    if not created:
        # Twilio retried: the same reply, nothing done twice.
        return previous_reply(session, sid)
    word = keyword(body)
    if word in CHINESE_KEYWORDS:
        lang = "zh"  # "TD" is Latin letters but a Chinese user's word
    reply: str | None
    if word in STOP_WORDS:
        citizen.sms_opted_out = True
        log.info("sms opt-out from %s", mask_phone(phone))
        reply = prompts.sms(lang, "opted_out")
    elif word in START_WORDS:
        citizen.sms_opted_out = False
        reply = prompts.sms(lang, "opted_in")
    elif word in HELP_WORDS:
        reply = prompts.sms(lang, "help")
    else:
        reply = _answer(session, svc, conv, citizen, lang=lang, phone=phone, body=body, sid=sid, now=now)
        if citizen.sms_opted_out:
            reply = None  # opted out: we read and file, but send nothing until START
    if body and word not in STOP_WORDS | START_WORDS | HELP_WORDS:
        citizen.lang = lang  # the language they used last is the one they get next time
    conv.lang = lang
    if reply:
        record_message(session, conv, direction="out", body=reply, now=now, sender="bot", external_id=f"{sid}:reply")
    return reply


def _answer(session: Session, svc: Services, conv, citizen, *, lang, phone, body, sid, now) -> str | None:
    """A follow-up answer, a status query, or the dialogue (which files the ticket and gives the reference)."""
    if not body:
        return prompts.sms(lang, "help")  # an MMS photo alone: say how to report
    answer = followups.answer_from_sms(session, phone=phone, body=body, now=now)
    if answer:
        return answer
    m = STATUS_RE.match(body)
    if m:
        try:
            ticket = get_ticket(session, m.group(1))
        except TicketNotFound:
            return prompts.sms(lang, "not_found", ref=m.group(1))
        return status_text(ticket, lang, svc.config.app.timezone)
    try:
        result = svc.dialogue.respond(session, conv, body[:svc.config.api.max_text_chars], now=now, phone=phone,
                                      external_id=sid)
    except HotlineError:
        log.warning("sms from %s could not be taken as given", mask_phone(phone), exc_info=True)
        return prompts.sms(lang, "help")
    if result.ticket is not None and result.ticket.conversation_id == conv.id:
        attach_media(session, conv.id, result.ticket)
    return "\n".join(r.text for r in result.replies if r.text) or None


def attach_media(session: Session, conversation_id: int, ticket: Ticket) -> None:
    """MMS photos sent in the thread go with the ticket it filed."""
    have = {m.get("url") for m in ticket.media or []}
    rows = session.scalars(select(Message.media).where(Message.conversation_id == conversation_id,
                                                       Message.direction == "in"))
    extra = [m for media in rows for m in (media or []) if m.get("url") not in have]
    if extra:
        ticket.media = list(ticket.media or []) + extra


def previous_reply(session: Session, sid: str) -> str | None:
    """The reply given to a message the first time."""
    return session.scalar(select(Message.body).where(Message.channel == CHANNEL,
                                                     Message.external_id == f"{sid}:reply"))


@bp.post("/sms/status")
def sms_status():
    """Outbound message status callback: the outbox row moves forward (delivered, or failed with Twilio's code)."""
    sid, status = form("MessageSid", 64), form("MessageStatus", 32)
    if sid and status:
        svc = services()
        with svc.session() as session:
            outbox.record_status(session, sid, status, form("ErrorCode", 16) or None, now=now())
    return respond(twiml.empty())
