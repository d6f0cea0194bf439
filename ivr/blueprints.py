"""The ivr's Flask blueprints, for the app factory to register."""
from __future__ import annotations

from ivr import followup, sms, voice, web

BLUEPRINTS = (web.bp, sms.bp, voice.bp, followup.bp)
