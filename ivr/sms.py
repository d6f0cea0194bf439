"""The SMS channel: parse Twilio's webhook, one conversation turn, the reply in TwiML."""
from __future__ import annotations

from flask import Blueprint, request

from hotline.contact.turn import Channel, Inbound
from ivr import statuses, twiml
from ivr.web import form, guard, now, respond, services

bp = guard(Blueprint("ivr_sms", __name__, url_prefix="/twilio"))

MAX_MEDIA = 10
# Twilio delivers at most 1600 characters per message; anything longer is not from Twilio.
MAX_BODY = 1600


def media_of(values) -> tuple[dict, ...]:
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
    return tuple(out)


@bp.post("/sms")
def incoming_sms():
    """An SMS/MMS: one message, one reply, the same reply for a retried MessageSid."""
    svc = services()
    sid = form("MessageSid", 64) or form("SmsSid", 64)
    if not sid:
        # No message to tie an answer to (not Twilio's): acknowledge and stay silent.
        return respond(twiml.message(None))
    # An SMS thread continues the sender's open conversation; opt-out words and 回访 answers apply.
    channel = Channel("sms", by_phone=True, thread_hours=svc.config.ivr.sms_thread_hours, opt_out=True,
                      surveys=True)
    body = (request.form.get("Body") or "").replace("\x00", "").strip()[:MAX_BODY]
    outcome = svc.converse(Inbound(channel=channel, sender=form("From", 64) or None, text=body, message_key=sid,
                                   media=media_of(request.form)), now=now())
    # Choices need no rendering here: every sentence that offers them names the digits to reply with.
    text = "\n".join(r.text for r in outcome.replies if r.text)
    return respond(twiml.message(None if outcome.silent else (text or None)))


@bp.post("/sms/status")
def sms_status():
    """Outbound message status callback: the outbox row moves forward (delivered, or failed with Twilio's code)."""
    sid, status = form("MessageSid", 64), form("MessageStatus", 32)
    if sid and status:
        svc = services()
        with svc.session() as session:
            statuses.record_sms_status(session, sid, status, form("ErrorCode", 16) or None, now=now())
    return respond(twiml.empty())
