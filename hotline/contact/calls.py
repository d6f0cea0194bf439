"""What a phone call does to the core: its conversation, what the caller said, the ticket it files.

No Flask here: the web layer parses Twilio's form and renders TwiML; these take the session first and never commit.
"""
from __future__ import annotations

import re
from dataclasses import asdict
from datetime import datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from hotline.clocks import callback_requests
from hotline.store.citizens import find_or_create_citizen, normalize_phone
from hotline.config import Config
from hotline.store.conversations import find_or_create_conversation
from hotline.core import Core
from hotline.rules.deadlines import local
from hotline.rules.tracking import tracking_url
from hotline.errors import InvalidInput
from hotline.work.intake import IntakeRequest, open_ticket
from hotline.store.models import OPEN_STATUSES, CallbackRequest, Citizen, Conversation, Ticket
from hotline.delivery.outbox import enqueue
from hotline.rules.taxonomy import Classification
from hotline.work.lifecycle import record_event
from hotline.rules import prompts

CHANNEL = "voice"
# Spoken digits as Twilio's Mandarin recogniser may write them.
_CN_DIGITS = str.maketrans("零〇一幺二两三四五六七八九", "0011223456789")


def caller_phone(raw: str | None, region: str) -> str | None:
    """E.164 caller ID, or None for anonymous, SIP/client callers and junk."""
    if not raw:
        return None
    try:
        return normalize_phone(raw, region)
    except InvalidInput:
        return None


def is_mobile(phone: str | None) -> bool:
    """A number that can receive SMS."""
    if not phone:
        return False
    kind = phonenumbers.number_type(phonenumbers.parse(phone))
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def digits_in(text: str) -> str:
    """The digits keyed or spoken ("二六一一…" counts)."""
    return re.sub(r"\D", "", (text or "").translate(_CN_DIGITS))


def last4(phone: str | None) -> str:
    """The last four digits, as read to the caller."""
    return " ".join((phone or "")[-4:])


def speakable(reference: str) -> str:
    """A reference read digit by digit."""
    return " ".join(reference)


def answer_call(session: Session, *, call_sid: str, from_raw: str | None, now: datetime,
                config: Config) -> Conversation:
    """The call's conversation, opened on first sight; a known caller gets the language they used last."""
    phone = caller_phone(from_raw, config.phone.default_region)
    conv = find_call(session, call_sid)
    if conv is not None:
        return conv
    citizen = session.scalars(select(Citizen).where(Citizen.phone == phone)).first() if phone else None
    lang = citizen.lang if citizen is not None and citizen.lang in prompts.LANGS else config.app.default_lang
    conv, _ = find_or_create_conversation(session, channel=CHANNEL, now=now, external_id=call_sid,
                                          citizen=citizen, lang=lang)
    if conv.state is None or "phone" not in conv.state:
        conv.state = {"phone": phone, "step": "menu", "tries": {}}
    return conv


def find_call(session: Session, call_sid: str) -> Conversation | None:
    """The conversation of a CallSid, if the call reached us."""
    return session.scalars(select(Conversation).where(Conversation.channel == CHANNEL,
                                                      Conversation.external_id == call_sid)).first()


def save(conv: Conversation, now: datetime) -> None:
    """Mark the JSON state changed (SQLAlchemy does not see in-place edits)."""
    flag_modified(conv, "state")
    conv.updated_at = now


def bump(conv: Conversation, step: str) -> int:
    """Count one more silence or misunderstanding at a step; returns the count."""
    tries = conv.state.setdefault("tries", {})
    tries[step] = tries.get(step, 0) + 1
    return tries[step]


def switch_language(session: Session, conv: Conversation, lang: str, *, now: datetime) -> None:
    """The caller chose a language: this call and their next ones use it."""
    conv.lang = lang
    phone = conv.state.get("phone")
    if phone:
        conv.citizen = find_or_create_citizen(session, now=now, phone=phone, lang=lang)


def remember(conv: Conversation, what: str, cls: Classification, *, max_chars: int) -> None:
    """Keep what the caller said and how it was classified (several attempts are joined, nothing dropped)."""
    before = conv.state.get("what")
    joined = f"{before}；{what}" if before and what not in before else what
    conv.state["what"] = joined[:max_chars]
    conv.state["cls"] = {k: v for k, v in asdict(cls).items() if k != "matched"}


def captured(conv: Conversation) -> bool:
    """The caller told us something worth filing."""
    st = conv.state or {}
    return bool(st.get("what") or st.get("where") or st.get("emergency"))


def file_call(session: Session, conv: Conversation, *, core: Core, classifier, now: datetime,
              triage_reason: str | None = None, recording_url: str | None = None) -> tuple[Ticket, bool]:
    """Open the call's one ticket (idempotent on CallSid: retries and a racing status callback share it)."""
    config = core.config
    st = conv.state
    lang = conv.lang
    what = st.get("what")
    if not what:
        what = prompts.voice(lang, "voicemail_text" if recording_url
                             else "emergency_text" if st.get("emergency") else "incomplete_text")
    elif recording_url:
        what = f"{what} {prompts.voice(lang, 'voicemail_text')}"
    cls = st.get("cls")
    service_code = classification = None
    if st.get("emergency") and (not cls or cls.get("group") != "emergency"):
        # The caller said it is an emergency but we could not tell which: 2 hours, and a human classifies it.
        service_code = config.ivr.emergency_service_code
        triage_reason = triage_reason or "unclassified"
    elif cls and cls.get("source") == "model":
        # A model's classification is kept as made; keywords are simply re-run by intake.
        classification = Classification(**cls)
    req = IntakeRequest(text=what[:config.api.max_text_chars], channel=CHANNEL, phone=st.get("phone"),
                        location=st.get("where"), service_code=service_code, classification=classification,
                        chosen_district=(st.get("place") or {}).get("district_code"),
                        chosen_township=(st.get("place") or {}).get("township_code"),
                        lang=lang, external_id=conv.external_id, conversation_id=conv.id,
                        callback_phone=st.get("callback_phone"), recording_url=recording_url,
                        triage_reason=triage_reason)
    ticket, created = open_ticket(session, req, now=now, core=core)
    conv.ticket_id = ticket.id
    if ticket.citizen is not None:
        conv.citizen = ticket.citizen
    st["step"] = "filed"
    return ticket, created


def queue_reference_sms(session: Session, ticket: Ticket, *, lang: str, now: datetime, config: Config) -> bool:
    """Queue the reference by SMS (the scheduler sends it); False when the number cannot take SMS or opted out."""
    to = ticket.callback_phone if is_mobile(ticket.callback_phone) else None
    if to is None and ticket.citizen is not None and is_mobile(ticket.citizen.phone):
        to = ticket.citizen.phone
    if to is None:
        return False
    due = local(ticket.due_at, config.app.timezone).strftime("%m-%d %H:%M")
    msg = enqueue(session, key=f"ticket-{ticket.id}-reference-sms", kind="sms", to=to, now=now,
                  body=prompts.sms(lang, "reference", ref=ticket.reference, due=due,
                                   url=tracking_url(config.app.public_base_url, ticket)), purpose="reference",
                  ticket_id=ticket.id, urgent=ticket.time_limit_class == "emergency")
    return msg.status != "suppressed"


def attach_recording(session: Session, ticket: Ticket, *, recording_url: str, now: datetime) -> None:
    """A voicemail left after the ticket was filed (emergency, failed transfer) joins that ticket."""
    if ticket.recording_url == recording_url:
        return  # a retried webhook
    ticket.recording_url = recording_url
    ticket.updated_at = now
    record_event(session, ticket, actor="citizen", action="voicemail", now=now, data={"recording_url": recording_url})


def capture_hangup(session: Session, *, call_sid: str, now: datetime, core: Core, classifier) -> Ticket | None:
    """The call ended: file what was captured as an incomplete ticket unless a ticket exists (nothing said is lost)."""
    conv = find_call(session, call_sid)
    if conv is None:
        return None
    conv.status = "closed"
    ticket = None
    if conv.ticket_id is None and captured(conv):
        ticket, created = file_call(session, conv, core=core, classifier=classifier, now=now,
                                    triage_reason="incomplete")
        if created:
            queue_reference_sms(session, ticket, lang=conv.lang, now=now, config=core.config)
    save(conv, now)
    return ticket


def request_callback(session: Session, conv: Conversation, *, now: datetime, config: Config,
                     reason: str) -> CallbackRequest | None:
    """The caller would rather be called back than wait: one request per call, served by the scheduler."""
    phone = conv.state.get("callback_phone") or conv.state.get("phone")
    if not phone:
        return None
    cb = callback_requests.request_callback(
        session, phone=phone, source="ivr", now=now, lang=conv.lang, citizen_id=conv.citizen_id,
        ticket_id=conv.ticket_id, conversation_id=conv.id, reason=reason, delay_s=config.ivr.callback_delay_s,
        idempotency_key=f"ivr-callback-{conv.external_id}")
    conv.state["callback_id"] = cb.id
    return cb


def open_tickets_of(session: Session, phone: str | None, limit: int = 3) -> list[Ticket]:
    """The caller's latest open tickets, newest first."""
    if not phone:
        return []
    return list(session.scalars(
        select(Ticket).join(Citizen, Ticket.citizen_id == Citizen.id)
        .where(Citizen.phone == phone, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.opened_at.desc(), Ticket.id.desc()).limit(limit)))


def spoken_due(ticket: Ticket, lang: str, tz: str) -> str:
    """A due time as a person would say it."""
    due = local(ticket.due_at, tz)
    if lang == "en":
        return f"{due:%B} {due.day}, {due:%H:%M}"
    return f"{due.month}月{due.day}日{due.hour}点{due.minute:02d}分"


def add_place(session: Session, ticket: Ticket, place: str, *, now: datetime) -> None:
    """The caller said where after the ticket was filed: the place joins it for the unit and triage."""
    ticket.location_text = f"{ticket.location_text}；{place}" if ticket.location_text else place
    ticket.updated_at = now
    record_event(session, ticket, actor="citizen", action="place_added", now=now, note=place)


def mark_for_callback(session: Session, ticket: Ticket, *, now: datetime) -> None:
    """An emergency with no place: a human calls the citizen back to ask (the triage desk sees it)."""
    ticket.needs_triage = True
    ticket.triage_reason = ticket.triage_reason or "unlocated"
    ticket.updated_at = now
    record_event(session, ticket, actor="system", action="needs_callback", now=now, note="emergency without a place")
