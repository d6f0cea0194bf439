"""open_ticket: classify, route, link similar and write every clock, all in the caller's transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.rules import deadlines, routing
from hotline.store import references
from hotline.work import similar
from hotline.store.citizens import find_or_create_citizen, normalize_phone
from hotline.core import Core
from hotline.errors import InvalidInput, UnknownServiceCode
from hotline.store.models import DISPATCHED, NEW, Deadline, Ticket
from hotline.rules.taxonomy import KINDS, Classification
from hotline.work.lifecycle import record_event

CHANNELS = ("voice", "sms", "web", "api", "agent")
LANGS = ("zh", "en")
MAX_EXTERNAL_ID = 64
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
    # Set by a channel that knows a human must look (voicemail, hang-up half way).
    triage_reason: str | None = None
    # A classification already made (e.g. by the Rasa model); keywords are used when absent.
    classification: Classification | None = None
    actor: str = "citizen"
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
    if req.channel not in CHANNELS:
        raise InvalidInput(f"channel must be one of {', '.join(CHANNELS)}", field="channel")
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


def find_existing(session: Session, channel: str, external_id: str | None) -> Ticket | None:
    """The ticket already opened for this channel message, if any."""
    if not external_id:
        return None
    return session.scalars(select(Ticket).where(Ticket.channel == channel, Ticket.external_id == external_id)).first()


def open_ticket(session: Session, req: IntakeRequest, *, now: datetime, core: Core) -> tuple[Ticket, bool]:
    """Open (or find, for a repeated message id) the ticket; returns (ticket, created). Never commits."""
    validate(req, core)
    existing = find_existing(session, req.channel, req.external_id)
    if existing is not None:
        return existing, False
    region = core.config.phone.default_region
    phone = normalize_phone(req.phone, region) if req.phone else None
    callback = normalize_phone(req.callback_phone, region) if req.callback_phone else phone
    lang = req.lang or core.config.app.default_lang
    text = req.text.strip()

    cls = req.classification or core.taxonomy.classify(text)
    code = core.taxonomy.get(req.service_code or cls.service_code)
    kind = req.kind or cls.kind
    confidence = 1.0 if req.service_code else cls.confidence
    classified_by = "caller" if req.service_code else ("keywords" if req.classification is None else "model")
    location = core.gazetteer.locate(req.location) if req.location else routing.Location()
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
    if not req.external_id:
        return _insert(session, req, core, **args), True
    try:
        # A savepoint only where a concurrent retry of the same message can collide.
        with session.begin_nested():
            ticket = _insert(session, req, core, **args)
    except IntegrityError:
        # A concurrent retry of the same message won the race: answer with its ticket.
        existing = find_existing(session, req.channel, req.external_id)
        if existing is None:
            raise
        return existing, False
    return ticket, True


def _insert(session: Session, req: IntakeRequest, core: Core, *, now, text, lang, phone, callback, code, kind,
            confidence, classified_by, location, assignment, triage_reason) -> Ticket:
    citizen = find_or_create_citizen(session, now=now, phone=phone, chat_id=req.chat_id, lang=lang)
    clocks = deadlines.clocks_for(now, code.time_limit_class, core.config.time_limits)
    feedback_due = next(c.due_at for c in clocks if c.clock == "feedback")
    dispatched = triage_reason is None and not req.answered_by_hotline
    ticket = Ticket(
        reference=references.next_reference(session, now, core.config.app.timezone),
        status=DISPATCHED if dispatched else NEW, kind=kind, group=code.group, service_code=code.code,
        time_limit_class=code.time_limit_class, classified_by=classified_by, confidence=confidence,
        needs_triage=triage_reason is not None, triage_reason=triage_reason, channel=req.channel,
        external_id=req.external_id, lang=lang, text=text, location_text=(req.location or "").strip(),
        district_code=location.district_code, township_code=location.township_code,
        unit_type=assignment.unit_type, unit_code=assignment.unit_code,
        department_code=assignment.department_code, citizen=citizen, conversation_id=req.conversation_id,
        callback_phone=callback, recording_url=req.recording_url, media=list(req.media),
        answered_by_hotline=req.answered_by_hotline, opened_at=now, due_at=feedback_due, updated_at=now)
    match = None if req.answered_by_hotline else similar.find_master(
        session, service_code=code.code, township_code=location.township_code, text=text, now=now,
        config=core.config.similar)
    if match is not None:
        ticket.master_id, ticket.similarity = match.master_id, match.similarity
    session.add(ticket)
    for c in clocks:
        # The scheduler looks at a clock first when it falls due; reminders before that are its business.
        session.add(Deadline(ticket=ticket, clock=c.clock, starts_at=c.starts_at, due_at=c.due_at,
                             next_action_at=c.due_at if (dispatched or c.clock != "sign_for") else None))
    record_event(session, ticket, actor=req.actor, action="open", now=now, to_status=NEW,
                 data={"channel": req.channel, "service_code": code.code, "classified_by": classified_by,
                       "confidence": confidence, "location": location.matched,
                       "candidates": [p.township_code for p in location.candidates][:10]})
    if dispatched:
        # 直派: clear jurisdiction goes straight to the unit.
        record_event(session, ticket, actor="system", action="dispatch", now=now, from_status=NEW,
                     to_status=DISPATCHED, data={"after": {"unit_type": assignment.unit_type,
                                                           "unit_code": assignment.unit_code}})
    if match is not None:
        record_event(session, ticket, actor="system", action="link_similar", now=now,
                     data={"master_id": match.master_id, "similarity": match.similarity})
    session.flush()
    return ticket
