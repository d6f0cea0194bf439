"""Twilio voice and SMS on one number: parse the webhook, make one core call, answer in TwiML."""
from __future__ import annotations

from ivr import followup, sms, voice, web

BLUEPRINTS = (web.bp, sms.bp, voice.bp, followup.bp)

__all__ = ["BLUEPRINTS"]
