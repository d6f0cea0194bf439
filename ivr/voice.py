"""The voice channel: parse Twilio's call webhook, one step of the core's call script, the answer as TwiML."""
from __future__ import annotations

from flask import Blueprint

from hotline.contact.call_flow import STEPS, CallInbound
from hotline.rules import prompts
from ivr import twiml
from ivr.web import form, guard, log, now, respond, services, url

bp = guard(Blueprint("ivr_voice", __name__, url_prefix="/twilio"))


def step_url(step: str) -> str:
    """The public webhook of a step of the call script."""
    return url("/voice" if step == "incoming" else f"/voice/{step}")


def answer(step: str):
    """One webhook of a call: parsed, answered by the core, rendered."""
    svc = services()
    call_sid = form("CallSid", 64)
    if not call_sid:
        # Not a call (a misconfigured number or a hand-made request): end politely.
        lang = svc.config.app.default_lang
        return respond(twiml.say(twiml.voice_for(lang, svc.config), [prompts.voice(lang, "goodbye")], hangup=True))
    call = CallInbound(step=step, call_sid=call_sid, from_raw=form("From", 64) or None, digits=form("Digits", 64),
                       speech=form("SpeechResult", svc.config.api.max_text_chars),
                       extra={"dial_status": form("DialCallStatus", 32), "recording_url": form("RecordingUrl", 1000),
                              "queue_result": form("QueueResult", 32)})
    reply = svc.call_step(call, now=now())
    return respond(twiml.render(reply.action, reply.lang, svc.config, step_url))


def _route(step: str):
    path = "/voice" if step == "incoming" else f"/voice/{step}"
    bp.add_url_rule(path, endpoint=step.replace("-", "_"), view_func=lambda: answer(step), methods=["POST"])


for _step in STEPS:
    _route(_step)


@bp.post("/voice/status")
def call_status():
    """Twilio's status callback: a call that ended half way files what was captured (nothing said is lost)."""
    svc = services()
    call_sid, status = form("CallSid", 64), form("CallStatus", 32)
    if call_sid and status:
        reference = svc.call_ended(call_sid=call_sid, status=status, now=now())
        if reference is not None:
            log.info("call %s ended (%s): captured as ticket %s", call_sid, status, reference)
    return respond(twiml.empty())
