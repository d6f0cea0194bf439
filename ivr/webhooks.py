"""The URLs of the ivr's webhooks behind the calls and SMS the scheduler sends, as the core's WebhookUrls.

Pure (no Flask), so the scheduler's entry point can build the value without loading the blueprints; a test
checks that every URL here is one the ivr's routes answer.
"""
from __future__ import annotations

from hotline.delivery.webhooks import WebhookUrls

SMS_STATUS = "/twilio/sms/status"  # ivr/sms.py sms_status
FOLLOWUP = "/twilio/voice/followup/{ticket_id}"  # ivr/followup.py survey
CALLBACK = "/twilio/voice/callback/{callback_id}/{leg}"  # ivr/followup.py callback_agent, callback_citizen
CALL_STATUS = "{call_url}/status"  # ivr/followup.py callback_status (a callback leg's call status)


def twilio_webhooks(public_base_url: str) -> WebhookUrls:
    """The public URLs (Twilio signs what it requests, so they must be exactly the ones it calls)."""
    base = public_base_url.rstrip("/")
    return WebhookUrls(
        sms_status=base + SMS_STATUS,
        followup_call=lambda ticket_id: base + FOLLOWUP.format(ticket_id=ticket_id),
        callback_call=lambda callback_id, leg: base + CALLBACK.format(callback_id=callback_id, leg=leg),
        call_status=lambda call_url: CALL_STATUS.format(call_url=call_url))
