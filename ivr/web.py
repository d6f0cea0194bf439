"""What every Twilio webhook shares: the signature check, TwiML responses, errors in the channel's terms."""
from __future__ import annotations

import logging
from flask import Blueprint, Response, abort, request
from werkzeug.exceptions import HTTPException

from hotline.rules import prompts
from ivr import twiml
from ivr.signature import is_valid
from webapp import now, services  # noqa: F401 - the ivr's modules take them from here too

log = logging.getLogger("hotline.ivr")

bp = Blueprint("ivr", __name__, url_prefix="/twilio")  # the fallback URL; sms and voice have their own

TWIML = "text/xml; charset=utf-8"


def classifier():
    """What classifies a caller's words: the core's classifier (emergency keywords, then the trained model)."""
    svc = services()
    return getattr(svc, "classifier", svc.core.taxonomy)


def respond(doc) -> Response:
    """A TwiML document as Twilio wants it."""
    return Response(str(doc), mimetype="text/xml", content_type=TWIML)


def url(path: str) -> str:
    """The public URL of one of our webhooks (Twilio signs what it requests, so it must be the public one)."""
    return services().config.app.public_base_url.rstrip("/") + "/twilio" + path


def form(name: str, limit: int = 4000) -> str:
    """A form field, trimmed and bounded (Twilio adds fields without notice; unknown ones are ignored)."""
    return (request.form.get(name) or "").strip()[:limit]


def require_signature():
    """Anything unsigned or forged gets 403 and touches nothing; there is no switch to turn this off."""
    cfg = services().config
    if not is_valid(request, auth_token=cfg.twilio.auth_token, public_base_url=cfg.app.public_base_url):
        log.warning("refused unsigned or forged Twilio request to %s", request.path)
        abort(403)


def refuse_unstorable():
    """A signed request with NUL in a field (which Twilio never sends, and PostgreSQL cannot store): empty TwiML."""
    values = [*request.args.values(), *request.form.values()]
    if any("\x00" in v for v in values):
        log.warning("ignored a Twilio request to %s with a NUL character in a field", request.path)
        return respond(twiml.empty())
    return None


def guard(blueprint: Blueprint) -> Blueprint:
    """Every request of the blueprint signature-checked, every failure answered in TwiML."""
    blueprint.before_request(require_signature)
    blueprint.before_request(refuse_unstorable)
    blueprint.register_error_handler(Exception, _channel_error)
    return blueprint


def _channel_error(exc: Exception):
    """Never a stack trace to a caller: an apology that still takes a voicemail, or an SMS apology."""
    if isinstance(exc, HTTPException):
        return exc
    log.exception("Twilio webhook %s failed", request.path)
    if request.path.startswith("/twilio/sms"):
        return respond(twiml.message(prompts.sms(services().config.app.default_lang, "sorry")))
    return respond(apology())


def apology():
    """Sorry in both languages, then a voicemail whose recording reaches a human."""
    cfg = services().config
    zh, en = twiml.voice_for("zh", cfg), twiml.voice_for("en", cfg)
    doc = twiml.record(zh, [prompts.voice("zh", "apology"), prompts.voice("zh", "voicemail")],
                       action=url("/voice/voicemail"), max_length=cfg.ivr.voicemail_max_s,
                       after=url("/voice/voicemail"))
    # English speakers hear the same in English before the beep.
    doc.verbs.insert(2, _say_element(en, prompts.voice("en", "apology") + " " + prompts.voice("en", "voicemail")))
    return doc


def _say_element(v, text):
    from twilio.twiml.voice_response import Say
    return Say(text, voice=v.voice, language=v.say_language)


@bp.post("/fallback")
def fallback():
    """Twilio's fallback URL: a short apology; a call can still leave a voicemail. Touches no database."""
    if request.form.get("MessageSid") and not request.form.get("CallSid"):
        return respond(twiml.message(prompts.sms(services().config.app.default_lang, "sorry")))
    return respond(apology())


guard(bp)
