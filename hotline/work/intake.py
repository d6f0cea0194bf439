"""open_ticket: classify, route, link similar and write every clock, all in the caller's transaction."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from hotline.rules import deadlines, routing
from hotline.store import references
from hotline.work import similar
from hotline.store.citizens import find_or_create_citizen, normalize_phone
from hotline.store.rows import insert_row
from hotline.store.unique import insert_or_get
from hotline.core import Core
from hotline.errors import IdempotencyConflict, InvalidInput, UnknownServiceCode
from hotline.store.models import DISPATCHED, NEW, Citizen, Deadline, Ticket, TicketEvent
from hotline.rules.taxonomy import KINDS, Classification

# The ones this project ships (the console filters by them); a new channel names itself.
CHANNELS = ("voice", "sms", "web", "api", "agent", "open311")
CHANNEL_RE = re.compile(r"^[a-z][a-z0-9]{1,7}$")
LANGS = ("zh", "en")
MAX_EXTERNAL_ID = 64
# Answers to a service's questions, stored as JSON with the ticket: bounded so one request stays small.
MAX_DETAILS = 20
MAX_DETAILS_CHARS = 8000
MAX_REPORTER_NAME = 120
MAX_REPORTER_EMAIL = 254
# Below this keyword confidence a human checks the category.
MIN_CONFIDENCE = 0.2


@dataclass
class IntakeRequest:
    """Everything a channel knows about a new request."""

    text: str
    channel: str = "api"
    phone: str | None = None
    chat_id: str | None = None
    location: str | None = None
    service_code: str | None = None
    kind: str | None = None
    lang: str | None = None
    external_id: str | None = None
    conversation_id: int | None = None
    callback_phone: str | None = None
    recording_url: str | None = None
    media: list[dict] = field(default_factory=list)
    # A point on a map (WGS-84 degrees), stored with the ticket.
    lat: float | None = None
    long: float | None = None
    # A township the channel already knows (a partner's address id, a map pin placed in a township); the
    # place named in `location` still wins, this decides when the text names no township.
    township_code: str | None = None
    # Answers to the questions the service asks (plate number, indoor temperature...), by question code.
    details: dict[str, Any] = field(default_factory=dict)
    reporter_name: str | None = None
    reporter_email: str | None = None
    # Set by a channel that knows a human must look (voicemail, hang-up half way).
    triage_reason: str | None = None
    # A classification already made (e.g. from the bot's group); the core's classifier is used when absent.
    classification: Classification | None = None
    actor: str = "citizen"
    # The place the citizen chose when asked back (an ambiguous name): it wins over the words.
    chosen_district: str | None = None
    chosen_township: str | None = None
    # The citizen the caller already found (the conversation turn): not looked up again.
    citizen: Citizen | None = None
    # The caller guarantees external_id was never used (the turn's keys are random and its message is the
    # idempotency point): no look-up first and no savepoint.
    fresh_key: bool = False
    # The hotline answers it itself (a consultation, see consult.py): it stays with the hotline, is never
    # dispatched, goes to no triage queue and is linked to no similar complaint.
    answered_by_hotline: bool = False


def validate(req: IntakeRequest, core: Core) -> None:
    """Reject what the core cannot accept, naming the field."""
    max_chars = core.config.api.max_text_chars
    if not isinstance(req.text, str) or not req.text.strip():
        raise InvalidInput("text is required", field="text", code="missing_text")
    if len(req.text) > max_chars:
        raise InvalidInput(f"text is longer than {max_chars} characters", field="text", code="text_too_long")
    if not CHANNEL_RE.match(req.channel or ""):
        raise InvalidInput("channel must be 2-8 lower-case letters or digits (e.g. sms, web, voice)", field="channel")
    if req.lang is not None and req.lang not in LANGS:
        raise InvalidInput("lang must be zh or en", field="lang")
    if req.kind is not None and req.kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    if req.service_code is not None and core.taxonomy.get(req.service_code) is None:
        raise UnknownServiceCode(req.service_code)
    if req.external_id is not None and (not req.external_id or len(req.external_id) > MAX_EXTERNAL_ID):
        raise InvalidInput(f"external_id must be 1-{MAX_EXTERNAL_ID} characters", field="external_id")
    if req.location is not None and len(req.location) > max_chars:
        raise InvalidInput("location is too long", field="location")
    _validate_point(req)
    if req.township_code is not None and req.township_code not in core.gazetteer.places:
        raise InvalidInput(f"unknown township {req.township_code!r}", field="township_code",
                           code="unknown_township")
    if len(req.details) > MAX_DETAILS or len(json.dumps(req.details, ensure_ascii=False)) > MAX_DETAILS_CHARS:
        raise InvalidInput(f"at most {MAX_DETAILS} details of {MAX_DETAILS_CHARS} characters in all",
                           field="details")
    if req.reporter_name is not None and len(req.reporter_name) > MAX_REPORTER_NAME:
        raise InvalidInput(f"reporter_name is longer than {MAX_REPORTER_NAME} characters", field="reporter_name")
    if req.reporter_email is not None and len(req.reporter_email) > MAX_REPORTER_EMAIL:
        raise InvalidInput(f"reporter_email is longer than {MAX_REPORTER_EMAIL} characters", field="reporter_email")


def _validate_point(req: IntakeRequest) -> None:
    """Both coordinates or neither, finite, on the globe."""
    if (req.lat is None) != (req.long is None):
        raise InvalidInput("lat and long go together", field="lat" if req.lat is None else "long")
    if req.lat is None:
        return
    for name, value, bound in (("lat", req.lat, 90), ("long", req.long, 180)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or not -bound <= value <= bound:
            raise InvalidInput(f"{name} must be a number of degrees between -{bound} and {bound}", field=name)


def find_existing(session: Session, channel: str, external_id: str | None) -> Ticket | None:
    """The ticket already opened for this channel message, if any."""
    if not external_id:
        return None
    return session.scalars(_same_message(channel, external_id)).first()


def _same_message(channel: str, external_id: str) -> Select[tuple[Ticket]]:
    return select(Ticket).where(Ticket.channel == channel, Ticket.external_id == external_id)


def open_ticket(session: Session, req: IntakeRequest, *, now: datetime, core: Core) -> tuple[Ticket, bool]:
    """Open (or find, for a repeated message id) the ticket; returns (ticket, created). Never commits."""
    validate(req, core)
    region = core.config.phone.default_region
    phone = normalize_phone(req.phone, region) if req.phone else None
    existing = None if req.fresh_key else find_existing(session, req.channel, req.external_id)
    if existing is not None:
        return same_origin(existing, req, phone), False
    callback = normalize_phone(req.callback_phone, region) if req.callback_phone else phone
    lang = req.lang or core.config.app.default_lang
    text = req.text.strip()

    cls = req.classification or (core.classifier or core.taxonomy).classify(text)
    code = core.taxonomy.get(req.service_code or cls.service_code)
    kind = req.kind or cls.kind
    confidence = 1.0 if req.service_code else cls.confidence
    classified_by = "caller" if req.service_code else (cls.source if req.classification is None else "model")
    location = core.gazetteer.locate(req.location) if req.location else routing.Location()
    if req.chosen_township or req.chosen_district:
        location = routing.Location(district_code=req.chosen_district, township_code=req.chosen_township or None,
                                    matched=location.matched)
    elif location.township_code is None and req.township_code:
        place = core.gazetteer.places[req.township_code]
        # Unless the text put it in another district: then the words are trusted over the hint.
        if location.district_code in (None, place.district_code):
            location = routing.Location(place.district_code, place.township_code, (place,), (), ())
    if location.township_code is None and not location.ambiguous:
        # People often say where inside the description itself.
        from_text = core.gazetteer.locate(text)
        if from_text.township_code or (from_text.district_code and not location.district_code):
            location = from_text
    assignment = routing.assign(code, location)
    if req.answered_by_hotline:
        assignment = routing.Assignment("city", None, assignment.department_code)

    triage_reason = req.triage_reason
    if req.answered_by_hotline:
        triage_reason = None
    elif triage_reason is None:
        if confidence < MIN_CONFIDENCE and not req.service_code:
            triage_reason = "unclassified"
        elif assignment.unit_type == "city":
            triage_reason = "unlocated"

    args = dict(now=now, text=text, lang=lang, phone=phone, callback=callback, code=code, kind=kind,
                confidence=confidence, classified_by=classified_by, location=location, assignment=assignment,
                triage_reason=triage_reason)
    if not req.external_id or req.fresh_key:
        return _insert(session, req, core, **args), True
    # A savepoint only where a concurrent retry of the same message can collide; if one won the race, its
    # ticket is the answer (looked for already, above) — to the same conversation and citizen only.
    ticket, created = insert_or_get(session, lambda: _insert(session, req, core, **args),
                                    _same_message(req.channel, req.external_id), look_first=False)
    return (ticket, True) if created else (same_origin(ticket, req, phone), False)


def same_origin(existing: Ticket, req: IntakeRequest, phone: str | None) -> Ticket:
    """A retry gets its ticket back only from the same conversation and citizen; a planted key gets nothing."""
    citizen = existing.citizen
    if (existing.conversation_id != req.conversation_id
            or (citizen.phone if citizen else None) != phone
            or (citizen.chat_id if citizen and not phone else None) != (req.chat_id if not phone else None)):
        raise IdempotencyConflict(req.external_id or "")
    return existing


_CLOCKS, _EVENTS = insert(Deadline), insert(TicketEvent)


def _insert(session: Session, req: IntakeRequest, core: Core, *, now, text, lang, phone, callback, code, kind,
            confidence, classified_by, location, assignment, triage_reason) -> Ticket:
    citizen = req.citizen if req.citizen is not None and (req.citizen.phone or None) == phone else (
        find_or_create_citizen(session, now=now, phone=phone, chat_id=req.chat_id, lang=lang))
    clocks = deadlines.clocks_for(now, code.time_limit_class, core.config.time_limits)
    feedback_due = next(c.due_at for c in clocks if c.clock == "feedback")
    dispatched = triage_reason is None and not req.answered_by_hotline
    match = None if req.answered_by_hotline else similar.find_master(
        session, service_code=code.code, township_code=location.township_code, text=text, now=now,
        config=core.config.similar)
    if citizen is not None and citizen.id is None:
        session.flush()
    ticket = insert_row(session, Ticket, dict(
        reference=references.next_reference(session, now, core.config.app.timezone),
        status=DISPATCHED if dispatched else NEW, kind=kind, group=code.group, service_code=code.code,
        time_limit_class=code.time_limit_class, classified_by=classified_by, confidence=confidence,
        needs_triage=triage_reason is not None, triage_reason=triage_reason, channel=req.channel,
        external_id=req.external_id, lang=lang, text=text, location_text=(req.location or "").strip(),
        district_code=location.district_code, township_code=location.township_code,
        unit_type=assignment.unit_type, unit_code=assignment.unit_code,
        department_code=assignment.department_code, citizen_id=citizen.id if citizen else None,
        conversation_id=req.conversation_id, callback_phone=callback, recording_url=req.recording_url,
        media=list(req.media), lat=req.lat, long=req.long, details=dict(req.details),
        reporter_name=req.reporter_name, reporter_email=req.reporter_email,
        answered_by_hotline=req.answered_by_hotline, master_id=match.master_id if match else None,
        similarity=match.similarity if match else None, opened_at=now, due_at=feedback_due, updated_at=now),
        citizen=citizen)  # one Core insert, handed back as loaded: the ticket's id for its clocks and events
    # Clocks and events in one Core statement each (executemany), not a row at a time nor through the ORM.
    conn = session.connection()
    conn.execute(_CLOCKS, [
        # The scheduler looks at a clock first when it falls due; reminders before that are its business.
        dict(ticket_id=ticket.id, clock=c.clock, starts_at=c.starts_at, due_at=c.due_at,
             next_action_at=c.due_at if (dispatched or c.clock != "sign_for") else None)
        for c in clocks])
    events = [dict(action="open", actor=req.actor, to_status=NEW,
                   data={"channel": req.channel, "service_code": code.code, "classified_by": classified_by,
                         "confidence": confidence, "location": location.matched,
                         "candidates": [p.township_code for p in location.candidates][:10]})]
    if dispatched:
        # 直派: clear jurisdiction goes straight to the unit.
        events.append(dict(action="dispatch", actor="system", from_status=NEW, to_status=DISPATCHED,
                           data={"after": {"unit_type": assignment.unit_type, "unit_code": assignment.unit_code}}))
    if match is not None:
        events.append(dict(action="link_similar", actor="system",
                           data={"master_id": match.master_id, "similarity": match.similarity}))
    conn.execute(_EVENTS, [
        {"from_status": None, "to_status": None, "note": "", **e, "ticket_id": ticket.id, "at": now}
        for e in events])  # same columns in every row: one batch
    return ticket
