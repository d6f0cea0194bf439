"""Voice webhooks of calls the scheduler places: the follow-up survey (回访) and callbacks the citizen asked for.

Twilio fetches these when the citizen (or the on-duty agent) answers. Signatures are checked with
ivr/signature.py exactly as for the inbound IVR; answers go to one core call each.
"""
from __future__ import annotations

import logging

from flask import Blueprint, request
from twilio.twiml.voice_response import VoiceResponse

from hotline.clocks import callback_requests, followups
from hotline.delivery import notices
from hotline.store.models import RESOLVED, CallbackRequest, Ticket
from ivr import statuses, twiml
from ivr.web import refuse_unstorable, require_signature, respond
from webapp import now, services

log = logging.getLogger("hotline.ivr.followup")

bp = Blueprint("ivr_followup", __name__, url_prefix="/twilio/voice")

MAX_TRIES = 2  # a question is asked at most twice per call; silence after that ends the call politely
# Row ids fit PostgreSQL's integer; anything else in the URL is not one of ours (answered, never raised).
MAX_ROW_ID = 2**31 - 1


bp.before_request(require_signature)  # the same check as every other Twilio webhook
bp.before_request(refuse_unstorable)


@bp.errorhandler(Exception)
def _channel_error(exc: Exception):
    """Never a stack trace on the phone: a short goodbye (the survey is tried again later)."""
    if hasattr(exc, "code") and hasattr(exc, "get_response"):
        return exc
    log.exception("follow-up webhook %s failed", request.path)
    v = twiml.voice_for(services().config.app.default_lang, services().config)
    return respond(twiml.say(v, [notices.text("voice_goodbye", v.lang)], hangup=True))


def _url(path: str) -> str:
    return services().config.app.public_base_url.rstrip("/") + "/twilio/voice" + path


def _answer() -> str:
    """The keys pressed, or else the words said."""
    return (request.form.get("Digits") or request.form.get("SpeechResult") or "").strip()[:200]


def _tries() -> int:
    try:
        return max(0, int(request.args.get("try", "0")))
    except ValueError:
        return 0


def _survey_step(ticket: Ticket, question: str, path: str, lead: list[str], tries: int):
    cfg = services().config
    v = twiml.voice_for(ticket.lang, cfg)
    if tries >= MAX_TRIES:
        return respond(twiml.say(v, [notices.text("voice_goodbye", v.lang)], hangup=True))
    return respond(twiml.ask(v, [*lead, notices.text(question, v.lang)], action=_url(path), timeout=cfg.ivr.gather_timeout_s,
                             num_digits=1))


def row_id(raw: str) -> int | None:
    """The row id in a webhook URL, or None when it cannot be one (letters, 20 digits, zero)."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ROW_ID else None


def _ticket(session, raw_id: str) -> Ticket | None:
    ticket_id = row_id(raw_id)
    if ticket_id is None:
        return None
    ticket = session.get(Ticket, ticket_id)
    return ticket if ticket is not None and ticket.status == RESOLVED else None


def _goodbye(lang: str, name: str = "voice_goodbye"):
    v = twiml.voice_for(lang, services().config)
    return respond(twiml.say(v, [notices.text(name, v.lang)], hangup=True))


@bp.post("/followup/<ticket_id>")
def survey(ticket_id: str):
    """The citizen picked up: introduce the call, ask whether the problem was solved."""
    with services().session() as s:
        ticket = _ticket(s, ticket_id)
        if ticket is None:  # answered meanwhile (SMS, another call) or reopened: nothing to ask
            return _goodbye(services().config.app.default_lang, "voice_thanks")
        intro = notices.text("voice_intro", ticket.lang, ref=" ".join(ticket.reference))
        return _survey_step(ticket, "voice_solved", f"/followup/{ticket_id}/solved?try=0", [intro], 0)


@bp.post("/followup/<ticket_id>/solved")
def survey_solved(ticket_id: str):
    """1 solved, 2 not: then the satisfaction question, carrying the first answer in the URL."""
    with services().session() as s:
        ticket = _ticket(s, ticket_id)
        if ticket is None:
            return _goodbye(services().config.app.default_lang, "voice_thanks")
        solved = followups.parse_solved(_answer())
        if solved is None:
            tries = _tries() + 1
            return _survey_step(ticket, "voice_solved", f"/followup/{ticket_id}/solved?try={tries}",
                                [notices.text("voice_again", ticket.lang)], tries)
        return _survey_step(ticket, "voice_satisfied", f"/followup/{ticket_id}/satisfied?solved={int(solved)}&try=0",
                            [], 0)


@bp.post("/followup/<ticket_id>/satisfied")
def survey_satisfied(ticket_id: str):
    """1 satisfied, 2 basically, 3 not: both answers are stored; "not solved" reopens the ticket."""
    solved = request.args.get("solved") == "1"
    with services().session() as s:
        ticket = _ticket(s, ticket_id)
        if ticket is None:
            return _goodbye(services().config.app.default_lang, "voice_thanks")
        satisfaction = followups.parse_satisfaction(_answer())
        if satisfaction is None:
            tries = _tries() + 1
            return _survey_step(ticket, "voice_satisfied",
                                f"/followup/{ticket_id}/satisfied?solved={int(solved)}&try={tries}",
                                [notices.text("voice_again", ticket.lang)], tries)
        lang = ticket.lang
        followups.record_answers(s, ticket, solved=solved, satisfaction=satisfaction, now=now(), channel="voice",
                                 config=services().config)
    return _goodbye(lang, "voice_thanks" if solved else "voice_reopened")


# -- callbacks -------------------------------------------------------------------------------------------


def _callback_row(session, raw_id: str) -> CallbackRequest | None:
    cb_id = row_id(raw_id)
    return session.get(CallbackRequest, cb_id) if cb_id is not None else None


def _callback(session, raw_id: str) -> CallbackRequest | None:
    cb = _callback_row(session, raw_id)
    return cb if cb is not None and cb.status == callback_requests.CALLING else None


@bp.post("/callback/<cb_id>/agent")
def callback_agent(cb_id: str):
    """The on-duty agent answered: tell them who, then ring the citizen on the same call (<Dial>)."""
    cfg = services().config
    v = twiml.voice_for("zh", cfg)
    with services().session() as s:
        cb = _callback(s, cb_id)
        if cb is None:
            return respond(twiml.say(v, [], hangup=True))
        return respond(twiml.dial(v, [notices.text("voice_callback_agent", "zh", last4=cb.phone[-4:])],
                                  number=cb.phone, timeout=cfg.callbacks.citizen_ring_s,
                                  action=_url(f"/callback/{cb_id}/result")))


@bp.post("/callback/<cb_id>/citizen")
def callback_citizen(cb_id: str):
    """No on-duty number: the citizen answered, and waits in the agents' queue (<Enqueue>)."""
    cfg = services().config
    with services().session() as s:
        cb = _callback(s, cb_id)
        lang = cb.lang if cb is not None else cfg.app.default_lang
        v = twiml.voice_for(lang, cfg)
        if cb is None:
            return respond(twiml.say(v, [], hangup=True))
    r = VoiceResponse()
    r.say(notices.text("voice_callback_citizen", v.lang), voice=v.voice, language=v.say_language)
    # No waitUrl: Twilio's own hold music plays while the citizen waits.
    r.enqueue(cfg.ivr.agent_queue, action=_url(f"/callback/{cb_id}/result"), method="POST")
    return respond(r)


@bp.post("/callback/<cb_id>/result")
def callback_result(cb_id: str):
    """How the bridge ended: connected is done; otherwise the request is tried again after its delay."""
    dial, queue = request.form.get("DialCallStatus", ""), request.form.get("QueueResult", "")
    connected = statuses.connected(dial, queue)
    with services().session() as s:
        cb = _callback_row(s, cb_id)
        if cb is not None:
            callback_requests.record_outcome(s, cb, connected=connected, now=now(), config=services().config,
                                             reason=f"citizen leg: {dial or queue or 'unknown'}")
    return respond(twiml.say(twiml.voice_for("zh", services().config), [], hangup=True))


@bp.post("/callback/<cb_id>/<leg>/status")
def callback_status(cb_id: str, leg: str):
    """Status callback of the first leg: an agent (or citizen) who never picked up fails the attempt at once."""
    status = request.form.get("CallStatus", "")
    if leg in ("agent", "citizen") and statuses.not_answered(status):
        with services().session() as s:
            cb = _callback_row(s, cb_id)
            if cb is not None:
                callback_requests.record_outcome(s, cb, connected=False, now=now(), config=services().config,
                                                 reason=f"{leg} leg: {status}")
    return respond(twiml.empty())
