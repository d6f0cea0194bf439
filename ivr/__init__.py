"""Twilio voice and SMS on one number: parse the webhook, make one core call, answer in TwiML."""
from __future__ import annotations

from ivr.web import bp

__all__ = ["bp"]
